import { describe, expect, it } from 'vitest';
import type { JobView } from '../../protocol/messages/jobSpec.ts';
import { JobWatcher, bar, barLine, stepLine, stepOf, summary, type Step } from './watch.ts';

const sink = (isTTY: boolean) => {
  const out = { text: '', isTTY, columns: 100, write: (t: string) => (out.text += t) };
  return out;
};
const job = (state: string, extra: Partial<JobView> = {}): JobView => ({ id: 'job-1', name: 'demo', kind: 'vertical', state: state as JobView['state'], createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', ...extra });

describe('job watcher', () => {
  it('reads epochs and rounds, and ignores events that are not progress', () => {
    expect(stepOf('train.epoch', { party: 'bank', epoch: 3, epochs: 20, evalLoss: 0.5, evalAuc: 0.7, seconds: 6 })).toEqual({ step: 3, total: 20, unit: 'epoch', loss: 0.5, auc: 0.7, seconds: 6 });
    expect(stepOf('train.round', { round: 2, rounds: 10, auc: 0.8 })).toEqual({ step: 2, total: 10, unit: 'round', auc: 0.8 });
    expect(stepOf('party.ready', { epoch: 1, evalAuc: 0.5 })).toBeUndefined();
    expect(stepOf('train.epoch', { party: 'bank' })).toBeUndefined();
    // Horizontal rounds carry timing only (metrics come at the end): still progress, shown without metrics.
    const round = stepOf('train.round', { round: 3, rounds: 10, asked: 3, contributors: 3, seconds: 1.5 });
    expect(round).toEqual({ step: 3, total: 10, unit: 'round', seconds: 1.5 });
    expect(stepLine(round as Step)).toBe('  round 3/10 (1.5 s)');
    expect(barLine(round as Step, 120)).toMatch(/ {2}3\/10 rounds {2}0\.50 s\/round {2}~4 s left$/);
  });

  it('draws a bar proportional to progress, with pace and time left', () => {
    expect(bar(0.25, 8)).toBe('██░░░░░░');
    expect(bar(2, 4)).toBe('████');
    const line = barLine({ step: 5, total: 20, unit: 'epoch', loss: 0.5, auc: 0.71234, seconds: 10 }, 120);
    expect(line).toMatch(/^ {2}█+░+ {2}5\/20 epochs {2}AUC 0\.7123 {2}loss 0\.5000 {2}2\.00 s\/epoch {2}~30 s left$/);
    expect(barLine({ step: 20, total: 20, unit: 'epoch', auc: 0.7, seconds: 40 }, 120)).not.toContain('left');
  });

  it('writes plain lines in a pipe and redraws one line on a terminal, keeping other lines above it', () => {
    const events: Array<[string, unknown]> = [
      ['job', job('running')],
      ['event', { type: 'party.ready', detail: { party: 'bank', totalRows: 30000, consentingRows: 29000, features: 13 } }],
      ['event', { type: 'train.epoch', detail: { epoch: 1, epochs: 2, evalLoss: 0.6, evalAuc: 0.7, seconds: 2 } }],
      ['event', { type: 'train.epoch', detail: { epoch: 2, epochs: 2, evalLoss: 0.5, evalAuc: 0.72, seconds: 4 } }],
      ['event', { type: 'psi.done', detail: { intersectionSize: 30000 } }],
      ['job', job('succeeded')],
    ];
    const pipe = sink(false);
    const lines = new JobWatcher(pipe, 'lines');
    for (const [e, data] of events) lines.onMessage(e, data);
    expect(pipe.text).toBe([
      '  bank ready: 30,000 rows, 29,000 with consent, 13 features',
      '  epoch 1/2: evaluation loss 0.6000, AUC 0.7000 (2.0 s)',
      '  epoch 2/2: evaluation loss 0.5000, AUC 0.7200 (4.0 s)',
      '  PSI: 30,000 customers shared by every party',
      '  succeeded', '',
    ].join('\n'));
    expect(lines.ended).toBe(true);

    const tty = sink(true);
    const bars = new JobWatcher(tty, 'bar');
    for (const [e, data] of events) bars.onMessage(e, data);
    bars.close();
    const screen = tty.text.split('\n');
    // A line printed while the bar is up clears it first and draws it again below.
    expect(screen[1]).toMatch(/^\r\x1b\[2K {2}█+░* {2}1\/2 epochs.*\r\x1b\[2K {2}█+ {2}2\/2 epochs.*\r\x1b\[2K {2}PSI: 30,000 customers shared by every party$/);
    expect(tty.text.endsWith('\n')).toBe(true);
  });

  it('sums up a failed job with its error and the dashboard link', () => {
    const lines = summary(job('failed', { durationMs: 1500, error: { code: 'FM_ERR_JOB_PARTY_OFFLINE', message: 'party bank is not connected' } }), [], 'http://c:7400');
    expect(lines).toEqual(['job demo (vertical) failed in 1.5 s — job-1', '  FM_ERR_JOB_PARTY_OFFLINE: party bank is not connected', '  dashboard: http://c:7400/ui/#/jobs/job-1']);
  });
});
