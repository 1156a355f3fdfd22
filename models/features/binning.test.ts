import { describe, expect, it } from 'vitest';
import { expectInput } from '../expectInput.fixture.ts';
import { matrix } from '../matrix.ts';
import { applyQuantileBins, binIndex, binNames, fitQuantileBins } from './binning.ts';

const column = (values: number[]) => matrix(Float64Array.from(values), values.length, 1);

describe('fitQuantileBins', () => {
  it('takes the q/bins quantiles v[ceil(n·q/bins) − 1]', () => {
    // n = 10, bins = 4: q = 1 → v[ceil(2.5) − 1] = v[2] = 3; q = 2 → v[4] = 5; q = 3 → v[ceil(7.5) − 1] = v[7] = 8.
    const b = fitQuantileBins(column([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]), 4);
    expect(b).toEqual({ edges: [[3, 5, 8]], nanBin: [false] });
  });

  it('deduplicates tied edges and drops an edge at the maximum', () => {
    // Seven 0s and three 1s, bins = 4: candidates v[2] = 0, v[4] = 0 (duplicate), v[7] = 1 (= max, dropped).
    expect(fitQuantileBins(column([0, 0, 0, 0, 0, 0, 0, 1, 1, 1]), 4).edges).toEqual([[0]]);
    // A constant column has one bin.
    expect(fitQuantileBins(column([4, 4, 4]), 10).edges).toEqual([[]]);
  });

  it('fits columns separately and gives a NaN bin to columns that had NaN', () => {
    // Column 0: [NaN, 1, 2] → non-missing n = 2, bins = 2: v[ceil(1) − 1] = 1. Column 1: [1, 2, 3] → v[ceil(1.5) − 1] = 2.
    const b = fitQuantileBins(matrix(Float64Array.from([NaN, 1, 1, 2, 2, 3]), 3, 2), 2);
    expect(b).toEqual({ edges: [[1], [2]], nanBin: [true, false] });
    expect(binNames(b, ['age', 'income'])).toEqual(['age#bin0', 'age#bin1', 'age#nan', 'income#bin0', 'income#bin1']);
  });

  it('names the bad parameter', () => {
    expectInput(() => fitQuantileBins(column([1, 2]), 1), 'bins');
    expectInput(() => fitQuantileBins(column([1, -Infinity]), 2), 'x');
  });
});

describe('applyQuantileBins', () => {
  it('uses right-closed bins (−∞, e0], (e0, e1], …', () => {
    const edges = [3, 5, 8];
    expect([-5, 3, 3.5, 5, 5.0001, 8, 9, 100].map((v) => binIndex(edges, v))).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
  });

  it('one-hot encodes, with NaN in its own bin or, without one, in no bin', () => {
    const b = { edges: [[1], [2]], nanBin: [true, false] };
    const out = applyQuantileBins(b, matrix(Float64Array.from([0.5, 3, NaN, NaN, 1, 2]), 3, 2));
    expect(out.cols).toBe(5);
    expect([...out.data]).toEqual([
      1, 0, 0, /**/ 0, 1, // 0.5 → bin0; 3 → bin1
      0, 0, 1, /**/ 0, 0, // NaN → age#nan; NaN in income (no nan bin) → no bin
      1, 0, 0, /**/ 1, 0, // 1 → bin0 (right-closed); 2 → bin0
    ]);
  });

  it('checks the bins against the matrix', () => {
    expectInput(() => applyQuantileBins({ edges: [[2, 1]], nanBin: [false] }, column([1])), 'bins.edges[0]');
    expectInput(() => applyQuantileBins({ edges: [[1]], nanBin: [false] }, matrix(new Float64Array(2), 1, 2)), 'bins');
  });
});
