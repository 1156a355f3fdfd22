// Population stability monitoring of served scores. Every score the coordinator returns (online,
// batch by list, batch of every customer) is counted in its evaluation decile for the model version
// and the UTC day, in the store; no ID or score is kept. When a day's PSI crosses a threshold
// upwards (settings.ts), the crossing is recorded once as a `model.score-shift` event on the job
// that trained the model (level warn: an info log line; alert: a warn-level log line); falling back
// and crossing again is recorded again.
import type { Logger } from 'pino';
import type { ModelVersion, Store } from '../store.ts';
import { byDay, severity, utcDay, type DayStability } from './daily.ts';
import type { MonitoringSettings } from './settings.ts';

const DAY_MS = 86_400_000;

export class ScoreMonitor {
  private readonly store: Store;
  readonly settings: MonitoringSettings;
  private readonly log: Logger;
  private readonly now: () => Date;

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
    const before = this.day(model, day);
    this.store.addServedDeciles(model.name, model.version, day, counts);
    const after = this.day(model, day) as DayStability;
    if (severity(after.level) > severity(before?.level ?? 'ok')) this.report(model, after);
  }

  /** The last `days` UTC days up to today that served scores, oldest first. */
  history(model: ModelVersion, days: number): DayStability[] {
    const since = utcDay(new Date(this.now().getTime() - (days - 1) * DAY_MS));
    return byDay(this.store.servedDeciles(model.name, model.version, since), model.card.deciles.length + 1, this.settings);
  }

  /** Every model version that served scores today, with today's figures. */
  today(): Array<{ model: ModelVersion; stability: DayStability }> {
    const day = utcDay(this.now());
    return this.store.servedOn(day).flatMap(({ name, version }) => {
      const model = this.store.model(name, version);
      const stability = model && this.day(model, day);
      return model && stability ? [{ model, stability }] : [];
    });
  }

  private day(model: ModelVersion, day: string): DayStability | undefined {
    return byDay(this.store.servedDeciles(model.name, model.version, day).filter((r) => r.day === day), model.card.deciles.length + 1, this.settings)[0];
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
