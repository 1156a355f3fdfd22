// How the CLI speaks: a readable summary for people, one final JSON line with --json.
import type { SimulationResult } from '../simulate.ts';

export function printSimulation(result: SimulationResult, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const lines = [`job ${result.name} (${result.kind}) ${result.status} in ${(result.durationMs / 1000).toFixed(1)} s${result.job ? ` — ${result.job}` : ''}`];
  if (result.psi) {
    lines.push(`  intersection: ${result.psi.intersectionSize} customers shared by all parties`);
    for (const [party, s] of Object.entries(result.psi.parties)) {
      lines.push(`  ${party}: ${s.totalRows} rows, ${s.consentingRows} with consent${result.outputs[party]?.intersection ? `; aligned IDs at ${result.outputs[party]?.intersection}` : ''}`);
    }
  }
  if (result.error) lines.push(`  error ${result.error.code}: ${result.error.message}`);
  lines.push(`  logs: ${result.runDir}/logs`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function fail(message: string, code = 2): never {
  process.stderr.write(`fedmark: ${message}\n`);
  process.exit(code);
}
