import { describe, expect, it } from 'vitest';
import { monitoringReport, type MonitoringReport } from './monitorReport.ts';

const base: MonitoringReport = { name: 'propensity', version: 2, status: 'published', thresholds: { psiWarn: 0.1, psiAlert: 0.25, minScores: 200 }, expectedShares: new Array(10).fill(0.1), days: [] };

describe('models monitor', () => {
  it('prints one line per day: served, PSI, level and the share of each decile', () => {
    const text = monitoringReport({ ...base, days: [
      { day: '2026-12-03', served: 1000, counts: [100, 100, 100, 100, 100, 100, 100, 100, 100, 100], shares: new Array(10).fill(0.1), psi: 0, level: 'ok' },
      { day: '2026-12-04', served: 400, counts: [300, 20, 20, 20, 20, 20, 0, 0, 0, 0], shares: [0.75, 0.05, 0.05, 0.05, 0.05, 0.05, 0, 0, 0, 0], psi: 1.834, level: 'alert' },
    ] });
    expect(text).toContain('propensity v2  published');
    expect(text).toContain('warn ≥ 0.1, alert ≥ 0.25 (days with ≥ 200 scores)');
    expect(text).toMatch(/2026-12-03\s+1000\s+0\.000\s+ok\s+(10%\s+){9}10%/);
    expect(text).toMatch(/evaluation\s+(10%\s+){9}10%/);
    expect(text).toMatch(/2026-12-04\s+400\s+1\.834\s+alert\s+75%\s+5%/);
  });

  it('says when nothing was served and when the model has no deciles to compare', () => {
    expect(monitoringReport(base)).toContain('no scores served in the period');
    expect(monitoringReport({ ...base, expectedShares: [] })).toContain('has no evaluation deciles');
  });
});
