// Score monitoring at the coordinator with a real store: the PSI read back from the recorded daily
// counts equals models/metrics/stability.ts on the same scores binned independently (countByCuts on
// the raw logits, not the deciles the service computed); days are kept apart; a crossing is an
// event once; the gauges show today's figures.
import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { countByCuts, populationStabilityIndex } from '../../models/metrics/stability.ts';
import { scoresOf } from '../../models/scoring/scores.ts';
import type { ModelCard } from '../../protocol/messages/jobSpec.ts';
import { coordinatorConfig } from '../config.ts';
import { Store } from '../store.ts';
import { registerStabilityGauges } from './gauges.ts';
import { ScoreMonitor } from './monitor.ts';
import { MonitoringSettingsSchema, type MonitoringSettings } from './settings.ts';

const SETTINGS: MonitoringSettings = { psiWarn: 0.1, psiAlert: 0.25, minScores: 200 };

/** A seeded standard normal sample (Box–Muller on a small LCG), so the test replays exactly. */
function normals(n: number, seed: number, mean = 0): Float64Array {
  let s = seed >>> 0;
  const uniform = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 1) / 4294967297;
  return Float64Array.from({ length: n }, () => mean + Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()));
}

/** The 9 cut points of `logits` between deciles, highest first, as training computes them. */
function decileCuts(logits: Float64Array): number[] {
  const sorted = Float64Array.from(logits).sort();
  return Array.from({ length: 9 }, (_, k) => sorted[Math.floor(sorted.length * (1 - (k + 1) / 10))] as number);
}

function storeWithModel(cuts: number[]) {
  const store = new Store(':memory:');
  store.createJob('job-1', { name: 'm', kind: 'vertical', parties: [
    { id: 'bank', role: 'guest', data: { path: '/a.csv', idColumn: 'id' } },
    { id: 'insurer', role: 'host', data: { path: '/b.csv', idColumn: 'id' } },
  ] });
  const card = { job: 'job-1', kind: 'vertical', intersectionSize: 5000, trainRows: 3500, evalRows: 1500, featuresByParty: {}, metrics: {}, lift: [], history: [],
    deciles: cuts, training: { epochs: 1, batchSize: 1, learningRate: 1, l2: 0, seed: 1 } } as ModelCard;
  store.addModel('m', 'job-1', card);
  store.setModelStatus('m', 1, 'published');
  return { store, model: () => store.model('m', 1)! };
}

/** The deciles the scoring service gives these logits (models/scoring/scores.ts). */
const decilesOf = (logits: Float64Array, cuts: number[]) => scoresOf([logits], logits.length, new Set(), cuts, (parts) => parts[0]!).decile;

const shifts = (store: Store) => store.events('job-1').filter((e) => e.type === 'model.score-shift').map((e) => e.detail);

describe('score monitoring', () => {
  const evaluation = normals(1500, 1);
  const cuts = decileCuts(evaluation);

  it('reads back, per day, the PSI stability.ts gives on the same scores binned by the cut points', () => {
    const { store, model } = storeWithModel(cuts);
    let clock = new Date('2026-12-01T23:59:00Z');
    const monitor = new ScoreMonitor(store, SETTINGS, pino({ level: 'silent' }), () => clock);
    const dayOne = normals(700, 2);
    const dayTwo = normals(900, 3, 0.8);
    // Served in calls of different sizes, as online and batch calls come.
    for (const [from, to] of [[0, 1], [1, 250], [250, 700]]) monitor.served(model(), decilesOf(dayOne.subarray(from, to), cuts));
    clock = new Date('2026-12-02T00:00:01Z');
    for (let from = 0; from < dayTwo.length; from += 100) monitor.served(model(), decilesOf(dayTwo.subarray(from, from + 100), cuts));
    const days = monitor.history(model(), 30);
    expect(days.map((d) => [d.day, d.served])).toEqual([['2026-12-01', 700], ['2026-12-02', 900]]);
    for (const [d, logits] of [[days[0]!, dayOne], [days[1]!, dayTwo]] as const) {
      const counts = countByCuts(logits, cuts);
      expect(d.counts).toEqual(counts);
      expect(d.psi).toBeCloseTo(populationStabilityIndex(new Array(10).fill(150), counts), 12);
      expect(d.shares.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
    }
    // The same population as the evaluation reads as stable; a shift of 0.8 standard deviations does not.
    expect(days[0]!.level).toBe('ok');
    expect(days[1]!.psi).toBeGreaterThan(SETTINGS.psiAlert);
    expect(days[1]!.level).toBe('alert');
    // A window of one day is today only.
    expect(monitor.history(model(), 1).map((d) => d.day)).toEqual(['2026-12-02']);
  });

  it('records a crossing once per level and day as an event, not every call above the threshold', () => {
    const { store, model } = storeWithModel(cuts);
    let clock = new Date('2026-12-01T10:00:00Z');
    const monitor = new ScoreMonitor(store, SETTINGS, pino({ level: 'silent' }), () => clock);
    // Only top-decile customers: PSI far above the alert, but fewer than minScores are not judged.
    const top = Float64Array.from({ length: 150 }, (_, i) => (cuts[0] as number) + 1 + i / 1000);
    monitor.served(model(), decilesOf(top, cuts));
    expect(shifts(store)).toEqual([]);
    expect(monitor.history(model(), 1)[0]?.level).toBe('too-few');
    monitor.served(model(), decilesOf(top, cuts));
    const [first] = shifts(store);
    expect(first).toMatchObject({ name: 'm', version: 1, day: '2026-12-01', level: 'alert', threshold: 0.25, served: 300 });
    expect(first?.psi).toBeCloseTo(monitor.history(model(), 1)[0]!.psi, 12);
    monitor.served(model(), decilesOf(top, cuts));
    expect(shifts(store)).toHaveLength(1);
    // Next day the count starts again: a representative population is ok, no event.
    clock = new Date('2026-12-02T10:00:00Z');
    monitor.served(model(), decilesOf(normals(1000, 9), cuts));
    expect(shifts(store)).toHaveLength(1);
    expect(monitor.history(model(), 2).map((d) => d.level)).toEqual(['alert', 'ok']);
  });

  it('ignores rows without a decile and counts nothing for a model without cut points', () => {
    const { store, model } = storeWithModel(cuts);
    const monitor = new ScoreMonitor(store, SETTINGS, pino({ level: 'silent' }));
    monitor.served(model(), Float64Array.from([1, Number.NaN, 10, Number.NaN]));
    expect(monitor.history(model(), 1)[0]).toMatchObject({ served: 2, counts: [1, 0, 0, 0, 0, 0, 0, 0, 0, 1] });
    monitor.served({ ...model(), card: { ...model().card, deciles: [] } }, Float64Array.from([Number.NaN]));
    expect(monitor.history(model(), 1)[0]?.served).toBe(2);
  });

  it('shows today\'s PSI, served count and alert as gauges, the PSI only once the day has minScores scores', async () => {
    const { store, model } = storeWithModel(cuts);
    const monitor = new ScoreMonitor(store, SETTINGS, pino({ level: 'silent' }));
    const registry = new Registry();
    registerStabilityGauges(registry, monitor);
    const top = Float64Array.from({ length: 150 }, () => (cuts[0] as number) + 1);
    monitor.served(model(), decilesOf(top, cuts));
    let text = await registry.metrics();
    expect(text).toContain('fedmark_model_scores_served{model="m",version="1"} 150');
    expect(text).not.toMatch(/^fedmark_model_score_psi\{/m);
    expect(text).toContain('fedmark_model_score_psi_alert{model="m",version="1"} 0');
    monitor.served(model(), decilesOf(top, cuts));
    text = await registry.metrics();
    const psi = Number(/^fedmark_model_score_psi\{model="m",version="1"\} (\S+)$/m.exec(text)?.[1]);
    expect(psi).toBeCloseTo(monitor.history(model(), 1)[0]!.psi, 9);
    expect(text).toContain('fedmark_model_score_psi_alert{model="m",version="1"} 1');
  });

  it('defaults the thresholds in the config and refuses a warning above the alert at start-up', () => {
    expect(coordinatorConfig({}, 'test').monitoring).toEqual({ psiWarn: 0.1, psiAlert: 0.25, minScores: 200 });
    expect(() => coordinatorConfig({ monitoring: { psiWarn: 0.3 } }, 'coordinator.yaml')).toThrow(/coordinator.yaml: monitoring.psiWarn: must not exceed monitoring.psiAlert/);
    expect(() => coordinatorConfig({ monitoring: { psiAlert: 0 } }, 'coordinator.yaml')).toThrow(/monitoring.psiAlert/);
    expect(MonitoringSettingsSchema.properties.psiAlert.default).toBe(0.25);
  });
});

describe('score monitoring across a restart', () => {
  it('keeps the day\'s counts in the store, so a new coordinator continues them and reports a crossing once', () => {
    const cuts = decileCuts(normals(1500, 1));
    const { store, model } = storeWithModel(cuts);
    const clock = () => new Date('2026-12-01T10:00:00Z');
    const top = Float64Array.from({ length: 150 }, () => (cuts[0] as number) + 1);
    const first = new ScoreMonitor(store, SETTINGS, pino({ level: 'silent' }), clock);
    first.served(model(), decilesOf(top, cuts));
    first.flush();
    // The restarted coordinator's monitor reads 150 top-decile scores back: 150 more cross the alert.
    const second = new ScoreMonitor(store, SETTINGS, pino({ level: 'silent' }), clock);
    second.served(model(), decilesOf(top, cuts));
    expect(shifts(store)).toMatchObject([{ level: 'alert', served: 300 }]);
    expect(second.history(model(), 1)[0]?.counts).toEqual([300, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });
});

describe('score monitoring gauges under a hostile model name', () => {
  it('escapes a job name written to forge a metric line, so the exposition keeps one line per gauge', async () => {
    const cuts = decileCuts(normals(1500, 1));
    const store = new Store(':memory:');
    const forged = 'm"} 0\nfedmark_model_score_psi_alert{model="other",version="1"} 1\n#';
    store.createJob('job-1', { name: forged, kind: 'vertical', parties: [
      { id: 'bank', role: 'guest', data: { path: '/a.csv', idColumn: 'id' } },
      { id: 'insurer', role: 'host', data: { path: '/b.csv', idColumn: 'id' } },
    ] });
    store.addModel(forged, 'job-1', { job: 'job-1', kind: 'vertical', intersectionSize: 1, trainRows: 1, evalRows: 1500, featuresByParty: {}, metrics: {}, lift: [], history: [], deciles: cuts, training: { epochs: 1, batchSize: 1, learningRate: 1, l2: 0, seed: 1 } } as ModelCard);
    const monitor = new ScoreMonitor(store, SETTINGS, pino({ level: 'silent' }));
    const registry = new Registry();
    registerStabilityGauges(registry, monitor);
    monitor.served(store.model(forged, 1)!, decilesOf(normals(300, 4), cuts));
    const lines = (await registry.metrics()).split('\n').filter((l) => l.startsWith('fedmark_model_score_psi_alert'));
    expect(lines).toEqual(['fedmark_model_score_psi_alert{model="m\\"} 0\\nfedmark_model_score_psi_alert{model=\\"other\\",version=\\"1\\"} 1\\n#",version="1"} 0']);
  });
});
