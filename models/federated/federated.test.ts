import { describe, expect, it } from 'vitest';
import { fitStandardizer } from '../features/standardize.ts';
import { matrix } from '../matrix.ts';
import { auc } from '../metrics/auc.ts';
import { ks } from '../metrics/ks.ts';
import { trainLogistic } from '../linear/logistic.ts';
import { mulberry32 } from '../random.ts';
import { averageFromSum, weightedUpload } from './fedavg.ts';
import { histogramAuc, histogramKs, histogramLift, histogramRows, scoreHistogram } from './histogram.ts';
import { lift } from '../metrics/lift.ts';
import { logisticModel } from './logisticModel.ts';
import { localMoments, standardizerFromMoments } from './scaling.ts';
import { parameterCount } from './shape.ts';

function data(rows: number, cols: number, seed: number) {
  const next = mulberry32(seed);
  const u = () => next() / 2 ** 32;
  const x = new Float64Array(rows * cols);
  const y = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = -0.5;
    for (let j = 0; j < cols; j++) {
      const v = (u() - 0.5) * (j + 1) * 10 + j;
      x[i * cols + j] = v;
      s += (j % 2 === 0 ? 0.3 : -0.2) * (v - j) / (j + 1);
    }
    y[i] = u() < 1 / (1 + Math.exp(-s)) ? 1 : 0;
  }
  return { x: matrix(x, rows, cols), y };
}

function concat(parts: Array<ReturnType<typeof data>>) {
  const cols = parts[0]!.x.cols;
  const rows = parts.reduce((s, p) => s + p.x.rows, 0);
  const x = new Float64Array(rows * cols);
  const y = new Uint8Array(rows);
  let at = 0;
  for (const p of parts) {
    x.set(p.x.data, at * cols);
    y.set(p.y, at);
    at += p.x.rows;
  }
  return { x: matrix(x, rows, cols), y };
}

describe('horizontal federated math', () => {
  it('pooled moments give the pooled standardiser, missing values ignored', () => {
    const parts = [data(300, 4, 1), data(500, 4, 2), data(50, 4, 3)];
    parts[1]!.x.data[5] = Number.NaN;
    const sum = new Float64Array(12);
    for (const p of parts) localMoments(p.x).forEach((v, i) => (sum[i]! += v));
    const fed = standardizerFromMoments(sum, 4);
    const ref = fitStandardizer(concat(parts).x);
    for (let j = 0; j < 4; j++) {
      expect(fed.mean[j]).toBeCloseTo(ref.mean[j] as number, 9);
      expect(fed.std[j]).toBeCloseTo(ref.std[j] as number, 9);
    }
    expect(sum[1]).toBe(849);
  });

  it('FedAvg of one full-batch local epoch is one step of centralised gradient descent', async () => {
    const parts = [data(400, 3, 4), data(1200, 3, 5), data(100, 3, 6)];
    const pooled = concat(parts);
    const model = logisticModel(3);
    const o = { epochs: 1, batchSize: 1e6, learningRate: 0.3, l2: 0.01, mu: 0, seed: 1, round: 1 };
    let theta = model.init(1);
    for (let round = 1; round <= 5; round++) {
      const sum = new Float64Array(model.parameters + 1);
      for (const p of parts) {
        const local = await model.train(theta, p.x, p.y, { ...o, round });
        weightedUpload(local.params, p.x.rows, pooled.x.rows).forEach((v, i) => (sum[i]! += v));
      }
      theta = averageFromSum(sum, model.parameters).values;
    }
    const central = trainLogistic(pooled.x, pooled.y, { epochs: 5, batchSize: 1e6, learningRate: 0.3, l2: 0.01, seed: 1, gradient: 'exact' });
    for (let j = 0; j < 3; j++) expect(theta[j]).toBeCloseTo(central.weights[j] as number, 10);
    expect(theta[3]).toBeCloseTo(central.intercept, 10);
  });

  it('FedProx pulls local training towards the global model', async () => {
    const p = data(500, 3, 7);
    const model = logisticModel(3);
    const start = Float64Array.of(1, -1, 0.5, 0);
    const o = { epochs: 20, batchSize: 64, learningRate: 0.1, l2: 0, seed: 3, round: 2 };
    const free = await model.train(start, p.x, p.y, { ...o, mu: 0 });
    const prox = await model.train(start, p.x, p.y, { ...o, mu: 5 });
    const dist = (a: Float64Array) => Math.hypot(...Array.from(a, (v, i) => v - (start[i] as number)));
    expect(dist(prox.params)).toBeLessThan(0.5 * dist(free.params));
  });

  it('a renormalised average leaves out a member that did not contribute', () => {
    const a = weightedUpload(Float64Array.of(1, 2), 100, 1000);
    const b = weightedUpload(Float64Array.of(3, 6), 300, 1000);
    const sum = a.map((v, i) => v + (b[i] as number));
    const { values } = averageFromSum(sum, 2);
    expect(values[0]).toBeCloseTo(2.5, 12);
    expect(values[1]).toBeCloseTo(5, 12);
    expect(() => averageFromSum(new Float64Array(3), 2)).toThrow(/positive total weight/);
  });

  it('AUC and KS from summed class histograms match the row-level figures', () => {
    const next = mulberry32(11);
    const members = [2000, 500, 3500].map((n) => {
      const p = new Float64Array(n);
      const y = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        y[i] = next() / 2 ** 32 < 0.25 ? 1 : 0;
        p[i] = 1 / (1 + Math.exp(-((next() / 2 ** 32 - 0.5) * 4 + (y[i] ? 1 : 0))));
      }
      return { p, y };
    });
    const sum = new Float64Array(4096);
    for (const m of members) scoreHistogram(m.p, m.y).forEach((v, i) => (sum[i]! += v));
    const all = { p: Float64Array.of(...members.flatMap((m) => [...m.p])), y: Uint8Array.of(...members.flatMap((m) => [...m.y])) };
    expect(histogramRows(sum)).toBe(6000);
    expect(Math.abs(histogramAuc(sum) - auc(all.p, all.y))).toBeLessThan(1e-3);
    expect(Math.abs(histogramKs(sum) - ks(all.p, all.y))).toBeLessThan(2e-3);
    expect(() => histogramAuc(new Float64Array(8))).toThrow(/at least one positive/);
    // The lift table from the histogram is the row-level one, to within rows sharing a bin.
    const rows = lift(all.p, all.y);
    const pooled = histogramLift(sum);
    expect(pooled.reduce((s, r) => s + r.count, 0)).toBe(6000);
    for (const [g, r] of pooled.entries()) expect(Math.abs(r.positives - (rows[g]?.positives as number))).toBeLessThanOrEqual(3);
    expect(pooled.at(-1)?.cumulativeGain).toBeCloseTo(1, 9);
  });

  it('counts the parameters of both models from public settings', () => {
    expect(parameterCount('logistic', 23, [])).toBe(24);
    expect(parameterCount('mlp', 23, [32, 16])).toBe(23 * 32 + 32 + 32 * 16 + 16 + 17);
  });
});
