import { describe, expect, it } from 'vitest';
import { readVertical } from '../../../data/fate.ts';
import { expectInput } from '../../expectInput.fixture.ts';
import { matrix, type Matrix } from '../../matrix.ts';
import { mulberry32 } from '../../random.ts';
import { predictGbdt, trainGbdt } from './trainer.ts';

/** Columns j0 … j1 − 1 of x. */
function columns(x: Matrix, j0: number, j1: number): Matrix {
  const cols = j1 - j0;
  const data = new Float64Array(x.rows * cols);
  for (let i = 0; i < x.rows; i++) for (let j = 0; j < cols; j++) data[i * cols + j] = x.data[i * x.cols + j0 + j] as number;
  return { data, rows: x.rows, cols };
}

describe('reference GBDT trainer', () => {
  it('splits a host\'s categorical column by category set: y = 1 exactly for categories 1 and 3', () => {
    const rows = 100;
    const guest = matrix(Float64Array.from({ length: rows }, (_, i) => (i * 37) % 11), rows, 1);
    const host = matrix(Float64Array.from({ length: rows }, (_, i) => i % 5), rows, 1);
    const y = Uint8Array.from({ length: rows }, (_, i) => (i % 5 === 1 || i % 5 === 3 ? 1 : 0));
    const m = trainGbdt([{ x: guest }, { x: host, categorical: [0] }], y, { trees: 1, maxDepth: 1 });
    // g = 0.4 − y: categories 1 and 3 (g = −0.6) sort first by G/(H + λ) and form the left set;
    // no missing values, so the default is the larger child, the right one (60 rows against 40).
    expect(m.parties[1]?.splits).toEqual([{ feature: 0, rule: { kind: 'categories', left: [1, 3], defaultLeft: false } }]);
    expect(m.parties[0]?.splits).toEqual([]);
    expect(m.trees[0]?.nodes[0]).toMatchObject({ kind: 'split', party: 1, split: 0 });
    const margins = predictGbdt(m, [matrix(Float64Array.from([0, 0, 0]), 3, 1), matrix(Float64Array.from([3, 4, NaN]), 3, 1)]);
    expect(margins[0]).toBeGreaterThan(m.baseScore);
    expect(margins[1]).toBeLessThan(m.baseScore);
    expect(margins[2]).toBe(margins[1]); // missing follows the default, right
  });

  it('learns where missing values go: with the high values, or with the low ones', () => {
    const rows = 100;
    // x = i for i < 80, missing for the last 20 rows.
    const x = matrix(Float64Array.from({ length: rows }, (_, i) => (i < 80 ? i : NaN)), rows, 1);
    const high = trainGbdt([{ x }], Uint8Array.from({ length: rows }, (_, i) => (i >= 60 ? 1 : 0)), { trees: 1, maxDepth: 1 });
    const low = trainGbdt([{ x }], Uint8Array.from({ length: rows }, (_, i) => (i < 20 || i >= 80 ? 1 : 0)), { trees: 1, maxDepth: 1 });
    // 32 quantile bins of 0 … 79: edge 59 ends bin 23, edge 19 ends bin 7.
    expect(high.parties[0]?.splits).toEqual([{ feature: 0, rule: { kind: 'threshold', bin: 23, defaultLeft: false } }]);
    expect(low.parties[0]?.binning.columns[0]).toMatchObject({ kind: 'numeric' });
    expect(low.parties[0]?.splits).toEqual([{ feature: 0, rule: { kind: 'threshold', bin: 7, defaultLeft: true } }]);
    const probe = matrix(Float64Array.from([NaN, 70, 10]), 3, 1);
    const [missingHigh, seventy] = predictGbdt(high, [probe]);
    expect(missingHigh).toBe(seventy);
    const [missingLow, , ten] = predictGbdt(low, [probe]);
    expect(missingLow).toBe(ten);
  });

  it('gives the same model when a host\'s columns are split over two hosts (multi-host)', () => {
    const data = readVertical('breast');
    const one = trainGbdt([{ x: data.guest }, { x: data.host }], data.y, { trees: 10 });
    const two = trainGbdt([{ x: data.guest }, { x: columns(data.host, 0, 12) }, { x: columns(data.host, 12, 20) }], data.y, { trees: 10 });
    expect(predictGbdt(two, [data.guest, columns(data.host, 0, 12), columns(data.host, 12, 20)])).toEqual(predictGbdt(one, [data.guest, data.host]));
    const owners = (m: typeof one) => m.trees.flatMap((t) => t.nodes.flatMap((n) => (n.kind === 'split' ? [n.party] : [])));
    expect(owners(two).map((p) => Math.min(p, 1))).toEqual(owners(one));
    expect(new Set(owners(two))).toEqual(new Set([0, 1, 2]));
  });

  it('stops early on the evaluation loss and keeps the trees (and split records) up to the best one', () => {
    const next = mulberry32(3);
    const make = (rows: number) => {
      const x = matrix(Float64Array.from({ length: rows * 3 }, () => next() / 2 ** 32), rows, 3);
      const y = Uint8Array.from({ length: rows }, (_, i) => ((x.data[i * 3] as number) + (next() / 2 ** 32) * 1.5 > 1 ? 1 : 0));
      return { x, y };
    };
    const train = make(400);
    const evaluation = make(400);
    const m = trainGbdt([{ x: train.x }], train.y, { trees: 200, maxDepth: 6, learningRate: 1, minChildWeight: 0, earlyStoppingRounds: 5 }, { parties: [evaluation.x], y: evaluation.y });
    expect(m.stoppedEarly).toBe(true);
    const losses = m.history.map((r) => r.evalLoss as number);
    const best = losses.indexOf(Math.min(...losses));
    expect(m.trees.length).toBe(best + 1);
    expect(m.history.length).toBe(best + 1 + 5);
    const used = m.trees.flatMap((t) => t.nodes.flatMap((n) => (n.kind === 'split' ? [n.split] : [])));
    expect(used.length).toBe(m.parties[0]?.splits.length);
    expect(Math.max(...used)).toBe((m.parties[0]?.splits.length as number) - 1);
    expect(m.parties[0]?.splitCount.reduce((s, c) => s + c, 0)).toBe(used.length);
  });

  it('subsamples rows per tree from the seed, and only the directly built histograms count as work', () => {
    const data = readVertical('breast');
    const a = trainGbdt([{ x: data.guest }, { x: data.host }], data.y, { trees: 5, subsample: 0.5, seed: 7 });
    const b = trainGbdt([{ x: data.guest }, { x: data.host }], data.y, { trees: 5, subsample: 0.5, seed: 7 });
    const c = trainGbdt([{ x: data.guest }, { x: data.host }], data.y, { trees: 5, subsample: 0.5, seed: 8 });
    expect(a.trees).toEqual(b.trees);
    expect(a.trees).not.toEqual(c.trees);
    for (const r of a.history) {
      expect(r.rows).toBeGreaterThan(230);
      expect(r.rows).toBeLessThan(340);
      // Root, then at most half of each level below it (the smaller children), over 3 more levels.
      expect(r.histogramRows).toBeGreaterThanOrEqual(r.rows);
      expect(r.histogramRows).toBeLessThanOrEqual(2.5 * r.rows);
    }
  });

  it('checks its inputs first', () => {
    const x = matrix(Float64Array.from([1, 2, 3, 4]), 4, 1);
    const y = Uint8Array.from([0, 1, 0, 1]);
    expectInput(() => trainGbdt([{ x }], y, { trees: 0 }), 'options.trees');
    expectInput(() => trainGbdt([{ x }], y, { maxDepth: 17 }), 'options.maxDepth');
    expectInput(() => trainGbdt([{ x }], y, { subsample: 0 }), 'options.subsample');
    expectInput(() => trainGbdt([{ x }], y, { depth: 3 } as never), 'options');
    expectInput(() => trainGbdt([{ x }], Uint8Array.from([0, 2, 0, 1]), {}), 'y');
    expectInput(() => trainGbdt([{ x }], Uint8Array.from([1, 1, 1, 1]), {}), 'y');
    expectInput(() => trainGbdt([{ x }, { x: matrix(new Float64Array(3), 3, 1) }], y, {}), 'parties[1].x.rows');
    expectInput(() => trainGbdt([{ x }], y, { earlyStoppingRounds: 3 }), 'evaluation');
  });
});
