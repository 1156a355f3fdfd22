// A model version's served scores, day by day, against its evaluation distribution: per UTC day the
// counts by evaluation decile, their shares, the population stability index (models/metrics/
// stability.ts) and how it reads against the configured thresholds. The expected distribution is
// 10% per decile: the card's cut points are the evaluation scores' deciles, so each decile holds a
// tenth of the evaluation rows by construction.
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

/** Equal shares over `bins` deciles: the evaluation distribution the card's cut points define. */
export function evaluationShares(bins: number): number[] {
  return new Array<number>(bins).fill(1 / bins);
}

export function levelOf(psi: number, served: number, settings: MonitoringSettings): StabilityLevel {
  if (served < settings.minScores) return 'too-few';
  return psi >= settings.psiAlert ? 'alert' : psi >= settings.psiWarn ? 'warn' : 'ok';
}

/** How serious a level is, to tell when a day's PSI crossed upwards. */
export function severity(level: StabilityLevel): number {
  return level === 'alert' ? 2 : level === 'warn' ? 1 : 0;
}

/** One day's counts (`counts[d]`: decile d + 1) read against the evaluation distribution; undefined with no score. */
export function dayStability(day: string, counts: readonly number[], settings: MonitoringSettings): DayStability | undefined {
  const served = counts.reduce((s, c) => s + c, 0);
  if (served === 0) return undefined;
  // stability.ts takes counts (it floors an empty bin at half a count): equal counts of 1 are the
  // equal shares, untouched by that floor.
  const psi = populationStabilityIndex(new Array<number>(counts.length).fill(1), counts);
  return { day, served, counts: [...counts], shares: counts.map((c) => c / served), psi, level: levelOf(psi, served, settings) };
}

/** Rows of (day, 1-based decile, count) in day order grouped into days of `bins` counts each. */
export function byDay(rows: ReadonlyArray<{ day: string; decile: number; count: number }>, bins: number, settings: MonitoringSettings): DayStability[] {
  const days = new Map<string, number[]>();
  for (const r of rows) {
    let counts = days.get(r.day);
    if (!counts) days.set(r.day, (counts = new Array<number>(bins).fill(0)));
    counts[r.decile - 1]! += r.count;
  }
  return [...days].flatMap(([day, counts]) => dayStability(day, counts, settings) ?? []);
}
