// The coordinator config's `monitoring` section: when the population stability index (PSI) of a
// day's served scores counts as a warning or an alert, and how many scores a day needs before its
// PSI is read at all (with n scores over 10 deciles, sampling noise alone gives a PSI near 9 / n).
import { Type, type Static } from '@sinclair/typebox';
import { FedmarkError } from '../../errors/table.ts';

export const MonitoringSettingsSchema = Type.Object(
  {
    psiWarn: Type.Number({ exclusiveMinimum: 0, default: 0.1, description: 'PSI of a day\'s served scores from which the shift is reported as a warning (rule of thumb: 0.1)' }),
    psiAlert: Type.Number({ exclusiveMinimum: 0, default: 0.25, description: 'PSI from which the shift is an alert: an event, a warn-level log line and fedmark_model_score_psi_alert 1 (rule of thumb: 0.25)' }),
    minScores: Type.Integer({ minimum: 1, default: 200, description: 'scores a model version must serve in a UTC day before that day\'s PSI is judged (fewer: noise)' }),
  },
  { additionalProperties: false, default: {} },
);
export type MonitoringSettings = Readonly<Static<typeof MonitoringSettingsSchema>>;

/** What the schema cannot say: the warning comes before the alert. Throws at start-up. */
export function checkMonitoringSettings(settings: MonitoringSettings, source: string): MonitoringSettings {
  if (settings.psiWarn > settings.psiAlert) {
    throw new FedmarkError('FM_ERR_CFG_INVALID', { source, field: 'monitoring.psiWarn', reason: `must not exceed monitoring.psiAlert (${settings.psiWarn} > ${settings.psiAlert})` });
  }
  return settings;
}
