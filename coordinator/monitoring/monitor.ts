// Population stability monitoring of served scores. Every score the coordinator returns (online,
// batch by list, batch of every customer) is counted in its evaluation decile for the model version
// and the UTC day, in the store; no ID or score is kept. A scoring call only adds to counts in
// memory: they reach the store within FLUSH_MS (a commit to a file store waits for the disk, a few
// milliseconds an online call should not pay), before any read, and when the coordinator closes.
// When a day's PSI crosses a threshold upwards (settings.ts), the crossing is recorded once as a
// `model.score-shift` event on the job that trained the model (level warn: an info log line; alert:
// a warn-level log line); falling back and crossing again is recorded again.
import type { Logger } from 'pino';
import type { ModelVersion, Store } from '../store.ts';
import { byDay, dayStability, evaluationShares, severity, utcDay, type DayStability } from './daily.ts';
import type { MonitoringSettings } from './settings.ts';

const DAY_MS = 86_400_000;
const FLUSH_MS = 1000;

interface DayCounts {
  name: string;
  version: number;
  day: string;
  counts: number[];
}

export class ScoreMonitor {
  private readonly store: Store;
  readonly settings: MonitoringSettings;
  private readonly log: Logger;
  private readonly now: () => Date;
  /** Per model version, its counts of the day it last served (store and memory together). */
  private readonly current = new Map<string, DayCounts>();
  /** Counts not yet in the store, by model version and day. */
  private pending = new Map<string, DayCounts>();
  private flushTimer: NodeJS.Timeout | undefined;

  /** `now`: the clock that decides the day (tests move it). */
  constructor(store: Store, settings: MonitoringSettings, log: Logger, now: () => Date = () => new Date()) {
    this.store = store;
    this.settings = settings;
    this.log = log;
    this.now = now;
  }

  /** Counts scores `model` served, given as their deciles (1 = top; NaN where none was given). */
  served(model: ModelVersion, deciles: ArrayLike<number>): void {
    // A model without cut points (horizontal with dp) places no score in a decile: nothing to compare.
    const bins = model.card.deciles.length + 1;
    if (bins < 2) return;
    const counts = new Array<number>(bins).fill(0);
    for (let i = 0; i < deciles.length; i++) {
      const d = deciles[i] as number;
      if (Number.isInteger(d) && d >= 1 && d <= bins) counts[d - 1]!++;
    }
    if (counts.every((c) => c === 0)) return;
    const day = utcDay(this.now());
    const today = this.countsOf(model, day, bins);
    const expected = evaluationShares(model.card.deciles);
    const before = dayStability(day, today.counts, expected, model.card.evalRows, this.settings);
    counts.forEach((c, d) => (today.counts[d]! += c));
    const key = `${model.name}\u0000${model.version}\u0000${day}`;
    const queued = this.pending.get(key) ?? { name: model.name, version: model.version, day, counts: new Array<number>(bins).fill(0) };
    counts.forEach((c, d) => (queued.counts[d]! += c));
    this.pending.set(key, queued);
    this.flushTimer ??= setTimeout(() => {
      try {
        this.flush();
      } catch (err) {
        this.log.error({ err }, 'served-score counts could not be written to the store');
      }
    }, FLUSH_MS).unref();
    const after = dayStability(day, today.counts, expected, model.card.evalRows, this.settings) as DayStability;
    if (severity(after.level) > severity(before?.level ?? 'ok')) this.report(model, after);
  }

  /** Writes the counts held in memory to the store. */
  flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    for (const c of batch) this.store.addServedDeciles(c.name, c.version, c.day, c.counts);
  }

  /** The last `days` UTC days up to today that served scores, oldest first. */
  history(model: ModelVersion, days: number): DayStability[] {
    this.flush();
    const since = utcDay(new Date(this.now().getTime() - (days - 1) * DAY_MS));
    return byDay(this.store.servedDeciles(model.name, model.version, since), evaluationShares(model.card.deciles), model.card.evalRows, this.settings);
  }

  /** Every model version that served scores today, with today's figures. */
  today(): Array<{ model: ModelVersion; stability: DayStability }> {
    this.flush();
    const day = utcDay(this.now());
    return this.store.servedOn(day).flatMap(({ name, version }) => {
      const model = this.store.model(name, version);
      if (!model) return [];
      const stability = byDay(this.store.servedDeciles(name, version, day).filter((r) => r.day === day), evaluationShares(model.card.deciles), model.card.evalRows, this.settings)[0];
      return stability ? [{ model, stability }] : [];
    });
  }

  /** The version's counts of `day`, read from the store the first time it serves that day (after a restart too). */
  private countsOf(model: ModelVersion, day: string, bins: number): DayCounts {
    const key = `${model.name}\u0000${model.version}`;
    const held = this.current.get(key);
    if (held?.day === day) return held;
    this.flush();
    const counts = new Array<number>(bins).fill(0);
    for (const r of this.store.servedDeciles(model.name, model.version, day)) if (r.day === day) counts[r.decile - 1]! += r.count;
    const fresh = { name: model.name, version: model.version, day, counts };
    this.current.set(key, fresh);
    return fresh;
  }

  private report(model: ModelVersion, s: DayStability): void {
    const threshold = s.level === 'alert' ? this.settings.psiAlert : this.settings.psiWarn;
    const detail = { name: model.name, version: model.version, day: s.day, level: s.level, psi: s.psi, threshold, served: s.served };
    this.store.event(model.job, 'model.score-shift', detail);
    const line = `served scores of ${model.name} v${model.version} moved from the evaluation distribution: PSI ${s.psi.toFixed(3)} ≥ ${threshold} today`;
    if (s.level === 'alert') this.log.warn(detail, line);
    else this.log.info(detail, line);
  }
}
