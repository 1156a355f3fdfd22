// A model version's served scores, day by day, against its evaluation distribution: per UTC day the
// counts by evaluation decile, their shares, the population stability index (models/metrics/
// stability.ts) and how it reads against the configured thresholds. The card's cut points are the
// evaluation scores' deciles, so each decile holds a tenth of the evaluation rows by construction —
// unless scores tie across a cut (a model with few distinct scores: shallow trees, coarse bins):
// then a decile between two equal cuts is empty and its tenth sits in the decile above, which holds
// the tied score (evaluationShares).
import { populationStabilityIndex } from '../../models/metrics/stability.ts';
import type { MonitoringSettings } from './settings.ts';

/** too-few: fewer scores than `minScores` that day, so its PSI is mostly sampling noise and is not judged. */
export type StabilityLevel = 'ok' | 'warn' | 'alert' | 'too-few';

export interface DayStability {
  /** YYYY-MM-DD, UTC. */
  day: string;
  served: number;
  /** Scores in decile 1 (the top 10% of evaluation scores) … the last decile. */
  counts: number[];
  shares: number[];
  psi: number;
  level: StabilityLevel;
}

/** The day `at` falls on, in UTC. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/**
 * The evaluation rows' share of each decile, from the cut points alone (highest first): a tenth
 * each, except that a decile between two equal cuts (decile k: cuts[k-1] ≤ u < cuts[k-2]) can hold
 * no score, and the rows its tenth stood for scored the tied value, which falls in the decile above.
 */
export function evaluationShares(cuts: readonly number[]): number[] {
  const bins = cuts.length + 1;
  const shares = new Array<number>(bins).fill(1 / bins);
  // From the bottom up, so that a run of equal cuts hands its tenths on to the first decile above it.
  for (let k = bins - 1; k >= 2; k--) {
    if (cuts[k - 1] === cuts[k - 2]) {
      shares[k - 2]! += shares[k - 1]!;
      shares[k - 1] = 0;
    }
  }
  return shares;
}

export function levelOf(psi: number, served: number, settings: MonitoringSettings): StabilityLevel {
  if (served < settings.minScores) return 'too-few';
  return psi >= settings.psiAlert ? 'alert' : psi >= settings.psiWarn ? 'warn' : 'ok';
}

/** How serious a level is, to tell when a day's PSI crossed upwards. */
export function severity(level: StabilityLevel): number {
  return level === 'alert' ? 2 : level === 'warn' ? 1 : 0;
}

/**
 * One day's counts (`counts[d]`: decile d + 1) read against the evaluation shares; undefined with
 * no score. `evalRows` weighs the shares into counts: stability.ts floors an empty bin at half a
 * count, so a decile the evaluation left empty weighs half an evaluation row.
 */
export function dayStability(day: string, counts: readonly number[], expected: readonly number[], evalRows: number, settings: MonitoringSettings): DayStability | undefined {
  const served = counts.reduce((s, c) => s + c, 0);
  if (served === 0) return undefined;
  const psi = populationStabilityIndex(expected.map((share) => share * Math.max(evalRows, expected.length)), counts);
  return { day, served, counts: [...counts], shares: counts.map((c) => c / served), psi, level: levelOf(psi, served, settings) };
}

/** Rows of (day, 1-based decile, count) in day order grouped into days, one count per evaluation share. */
export function byDay(rows: ReadonlyArray<{ day: string; decile: number; count: number }>, expected: readonly number[], evalRows: number, settings: MonitoringSettings): DayStability[] {
  const days = new Map<string, number[]>();
  for (const r of rows) {
    let counts = days.get(r.day);
    if (!counts) days.set(r.day, (counts = new Array<number>(expected.length).fill(0)));
    counts[r.decile - 1]! += r.count;
  }
  return [...days].flatMap(([day, counts]) => dayStability(day, counts, expected, evalRows, settings) ?? []);
}
