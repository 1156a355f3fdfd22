// The CLI summary of a horizontal lookalike job: recalls pooled over the members against random and
// against the members' local-only models, then each member's own figures and audience file.
import type { SimulationResult } from '../simulate.ts';
import { roundsLine } from './roundsLine.ts';

const CUTS = [5, 10, 20, 50];

export function horizontalLookalikeLines(result: SimulationResult): string[] {
  const m = result.metrics ?? {};
  const row = (from: Record<string, number | undefined>, key: string, digits = 3) => CUTS.map((k) => fmt(from[`${key}${k}`], digits)).join(' / ');
  const audiences = (result.audience ?? {}) as Record<string, { path: string; size: number } | undefined>;
  const lines = [
    `  lookalike model ${result.model?.name} v${result.model?.version}: ${m.seedsMatched} seeds at ${m.members} members, ${m.seedsHeldOut} held out to measure recall`,
    `  held-out seeds found in the top 5 / 10 / 20 / 50% (pooled): ${row(m, 'recallAt')}  (random: 0.050 / 0.100 / 0.200 / 0.500)`,
    `  lift over random:                                     ${row(m, 'liftAt', 2)}`,
    `  members' local-only models:                           ${row(m, 'localRecallAt')} — federation adds ${fmt((m.recallAt20 ?? 0) - (m.localRecallAt20 ?? 0), 3)} recall at 20%`,
  ];
  for (const [member, mm] of Object.entries(result.memberMetrics ?? {})) {
    const a = audiences[member];
    lines.push(`  ${member}: recall ${row(mm, 'recallAt')}, alone ${row(mm, 'localRecallAt')}; audience ${a ? `${a.size} customers at ${a.path}` : '?'}`);
  }
  if (result.dropped?.length) lines.push(`  dropped out: ${result.dropped.join(', ')}`);
  lines.push(roundsLine(result));
  return lines;
}

function fmt(v: number | undefined, digits: number): string {
  return v === undefined ? '?' : v.toFixed(digits);
}
