// `fedmark models monitor NAME [VERSION]`: a model version's served scores day by day — how many,
// their population stability index against the evaluation deciles and how it reads, and the share
// of each decile — from GET /v1/models/{name}/versions/{version}/monitoring.
import type { DayStability } from '../monitoring/daily.ts';

export interface MonitoringReport {
  name: string;
  version: number;
  status: string;
  thresholds: { psiWarn: number; psiAlert: number; minScores: number };
  expectedShares: number[];
  days: DayStability[];
}

const percent = (share: number) => `${Math.round(share * 100)}%`.padStart(4);

export function monitoringReport(r: MonitoringReport): string {
  const head = `${r.name} v${r.version}  ${r.status}  PSI of served scores against the evaluation deciles: warn ≥ ${r.thresholds.psiWarn}, alert ≥ ${r.thresholds.psiAlert} (days with ≥ ${r.thresholds.minScores} scores)`;
  if (r.expectedShares.length === 0) return `${head}\n  this model has no evaluation deciles (a horizontal model trained with dp): its scores are not monitored`;
  if (r.days.length === 0) return `${head}\n  no scores served in the period`;
  const bins = r.expectedShares.length;
  return [
    head,
    `  day          served    PSI  level    share by decile (1 = top)`,
    `  ${''.padEnd(10)}  ${''.padStart(6)}  ${''.padStart(5)}  ${''.padEnd(7)}  ${Array.from({ length: bins }, (_, d) => String(d + 1).padStart(4)).join('')}`,
    `  ${'evaluation'.padEnd(10)}  ${''.padStart(6)}  ${''.padStart(5)}  ${''.padEnd(7)}  ${r.expectedShares.map(percent).join('')}`,
    ...r.days.map((d) => `  ${d.day}  ${String(d.served).padStart(6)}  ${d.psi.toFixed(3).padStart(5)}  ${d.level.padEnd(7)}  ${d.shares.map(percent).join('')}`),
  ].join('\n');
}
