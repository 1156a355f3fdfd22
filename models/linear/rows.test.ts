import { describe, expect, it } from 'vitest';
import { matrix } from '../matrix.ts';
import { addRow, dotRow, toRows } from './rows.ts';

describe('dense and sparse rows', () => {
  const x = matrix(Float64Array.from([1, 0, 0, 2, /**/ 0, 0, 0, 0, /**/ 0, 3, 0, 0]), 3, 4);

  it('chooses CSR for mostly-zero data and gives the same sums', () => {
    const sparse = toRows(x);
    const dense = toRows(x, 0);
    expect(sparse.dense).toBeUndefined();
    expect(dense.dense).toBe(x.data);
    expect([...sparse.start]).toEqual([0, 2, 2, 3]);
    expect([...sparse.index]).toEqual([0, 3, 1]);
    const w = Float64Array.from([0.5, -1, 7, 0.25]);
    for (const r of [sparse, dense]) {
      // Row 0: 0.1 + 1·0.5 + 2·0.25 = 1.1; row 1: 0.1; row 2: 0.1 + 3·(−1) = −2.9.
      expect([0, 1, 2].map((i) => dotRow(r, i, w, 0.1))).toEqual([1.1, 0.1, 0.1 - 3]);
      const g = new Float64Array(4);
      addRow(r, 0, 2, g);
      addRow(r, 2, -1, g);
      expect([...g]).toEqual([2, -3, 0, 4]);
    }
  });
});
