// How the CLI speaks: a readable summary for people, one final JSON line with --json.
import { guestAudience, type SimulationResult } from '../simulate.ts';
import { horizontalLookalikeLines } from './horizontalLookalikeOutput.ts';
import { roundsLine } from './roundsLine.ts';
import type { TrainProgress } from '../../protocol/messages/train.ts';

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
  if (result.metrics?.recallAt20 !== undefined && result.kind === 'horizontal') lines.push(...horizontalLookalikeLines(result));
  else if (result.metrics?.recallAt20 !== undefined) {
    lines.push(...lookalikeLines(result));
  } else if (result.metrics && result.kind === 'horizontal') lines.push(...horizontalLines(result));
  else if (result.metrics) {
    const m = result.metrics;
    lines.push(`  model ${result.model?.name} v${result.model?.version}: AUC ${fmt(m.auc)}, KS ${fmt(m.ks)}, log loss ${fmt(m.logLoss)} on the evaluation rows`);
    lines.push(`  guest alone: AUC ${fmt(m.guestOnlyAuc)}, KS ${fmt(m.guestOnlyKs)} — the partners add ${fmt((m.auc ?? 0) - (m.guestOnlyAuc ?? 0))} AUC`);
    lines.push(`  ${m.epochs} epochs (best ${m.bestEpoch}), ${fmt(m.secondsPerEpoch, 2)} s per epoch`);
  }
  if (result.error) lines.push(`  error ${result.error.code}: ${result.error.message}`);
  lines.push(`  logs: ${result.runDir}/logs`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Lookalike jobs: recall of held-out seeds at each cut against random, the bank alone, the audience file. */
function lookalikeLines(result: SimulationResult): string[] {
  const m = result.metrics ?? {};
  const audience = guestAudience(result);
  const cuts = [5, 10, 20, 50];
  const row = (key: string, digits = 3) => cuts.map((k) => fmt(m[`${key}${k}`], digits)).join(' / ');
  return [
    `  lookalike model ${result.model?.name} v${result.model?.version}: ${m.seedsMatched} seeds in the population, ${m.seedsHeldOut} held out to measure recall`,
    `  held-out seeds found in the top 5 / 10 / 20 / 50%: ${row('recallAt')}  (random: 0.050 / 0.100 / 0.200 / 0.500)`,
    `  lift over random:                            ${row('liftAt', 2)}`,
    `  guest alone:                                 ${row('guestOnlyRecallAt')} — the partners add ${fmt((m.recallAt20 ?? 0) - (m.guestOnlyRecallAt20 ?? 0), 3)} recall at 20%`,
    ...(audience ? [`  audience: ${audience.size} customers (seeds excluded), id,score,rank at the guest: ${audience.path}`] : []),
    `  ${m.epochs} epochs (best ${m.bestEpoch}), ${fmt(m.secondsPerEpoch, 2)} s per epoch; seeds-vs-rest AUC ${fmt(m.auc)} (guest alone ${fmt(m.guestOnlyAuc)})`,
  ];
}

/** Horizontal jobs: the pooled metrics, each member against its local-only model, who dropped out. */
function horizontalLines(result: SimulationResult): string[] {
  const m = result.metrics ?? {};
  const pooled = m.auc === undefined
    ? `no pooled AUC (with dp no score histograms are aggregated: ε covers the parameters only; ε ${fmt(m.dpEpsilon, 2)} at δ ${m.dpDelta}), ${m.evalRows} evaluation rows`
    : `pooled AUC ${fmt(m.auc)}, KS ${fmt(m.ks)} over ${m.evalRows} evaluation rows`;
  const lines = [`  model ${result.model?.name} v${result.model?.version}: ${pooled} of ${m.members} members`];
  for (const [member, mm] of Object.entries(result.memberMetrics ?? {})) {
    lines.push(`  ${member}: federated AUC ${fmt(mm.auc)}, alone ${fmt(mm.localAuc)} (${(mm.auc ?? 0) >= (mm.localAuc ?? 0) ? '+' : ''}${fmt((mm.auc ?? 0) - (mm.localAuc ?? 0))}) on its ${mm.evalRows} evaluation rows; model at ${result.outputs[member]?.model ?? '?'}`);
  }
  if (result.dropped?.length) lines.push(`  dropped out: ${result.dropped.join(', ')}`);
  lines.push(roundsLine(result));
  return lines;
}

export function printProgress(p: TrainProgress): void {
  // Vertical jobs give the AUC only for the kept model, at the end (the guest sees no per-row scores before).
  const aucText = p.evalAuc === undefined ? '' : `, AUC ${fmt(p.evalAuc)}`;
  process.stderr.write(`  epoch ${p.epoch}/${p.epochs}: evaluation loss ${fmt(p.evalLoss)}${aucText} (${p.seconds.toFixed(1)} s)\n`);
}

function fmt(v: number | undefined, digits = 4): string {
  return v === undefined ? '?' : v.toFixed(digits);
}

export function fail(message: string, code = 2): never {
  process.stderr.write(`fedmark: ${message}\n`);
  process.exit(code);
}
