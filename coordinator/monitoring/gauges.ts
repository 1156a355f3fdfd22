// The Prometheus side of score monitoring, read from the store at each scrape, for the current UTC
// day and every model version that served scores today: fedmark_model_scores_served (scores placed
// in a decile), fedmark_model_score_psi (only once the day has monitoring.minScores scores: below
// that it is noise) and fedmark_model_score_psi_alert (1 when that PSI is at or above
// monitoring.psiAlert). Labels are model names and versions, never an ID or a score.
import { Gauge, type Registry } from 'prom-client';
import type { ScoreMonitor } from './monitor.ts';

export function registerStabilityGauges(registry: Registry, monitor: ScoreMonitor): void {
  const labelNames = ['model', 'version'] as const;
  const gauge = (name: string, help: string, value: (s: ReturnType<ScoreMonitor['today']>[number]['stability']) => number | undefined) => new Gauge({
    name, help, labelNames, registers: [registry],
    collect() {
      this.reset();
      for (const { model, stability } of monitor.today()) {
        const v = value(stability);
        if (v !== undefined) this.set({ model: model.name, version: String(model.version) }, v);
      }
    },
  });
  gauge('fedmark_model_scores_served', 'Scores served today (UTC) by model version, counted in an evaluation decile', (s) => s.served);
  gauge('fedmark_model_score_psi', 'Population stability index of today\'s (UTC) served scores against the evaluation deciles, once the day has monitoring.minScores scores', (s) => (s.level === 'too-few' ? undefined : s.psi));
  gauge('fedmark_model_score_psi_alert', 'Whether today\'s PSI is at or above monitoring.psiAlert (1) or not (0)', (s) => (s.level === 'alert' ? 1 : 0));
}
