import { describe, expect, it } from 'vitest';
import { estimateLayout, groupCount, makeLayout, packCoefficients, recommendChunkLength, resultPositions } from './layout.ts';
import { failure, rng } from './testing.fixture.ts';

describe('layout (pure)', () => {
  it('puts feature k of a chunk reversed at stride m: hand-worked N = 8, m = 3, K = 2', () => {
    const layout = makeLayout(8, 4, 3);
    expect(layout).toEqual({ N: 8, rows: 4, m: 3, k: 2, chunks: 2 });
    // X (4 × 3), row-major; f = 0 so residues are the integers themselves.
    const X = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, -1, -2, -3]);
    const bfv = { N: 8, t: 64, fractionalBits: 0 };
    // Group 0 (columns 0, 1), chunk 0 (rows 0..2): column 0 → positions 2,1,0 ← 1,4,7; column 1 → 5,4,3 ← 2,5,8.
    expect(Array.from(packCoefficients(bfv, X, 4, 3, layout, 0, 0) ?? [])).toEqual([7, 4, 1, 8, 5, 2, 0, 0]);
    // Group 0, chunk 1 (row 3 only, i = 0): column 0 → position 2 ← −1 (64 − 1); column 1 → 5 ← −2.
    expect(Array.from(packCoefficients(bfv, X, 4, 3, layout, 0, 1) ?? [])).toEqual([0, 0, 63, 0, 0, 62, 0, 0]);
    // Group 1 (column 2 only), chunk 0.
    expect(Array.from(packCoefficients(bfv, X, 4, 3, layout, 1, 0) ?? [])).toEqual([9, 6, 3, 0, 0, 0, 0, 0]);
    expect(packCoefficients(bfv, new Float64Array(12), 4, 3, layout, 0, 0)).toBeUndefined();
    expect(resultPositions(layout, 2)).toEqual([2, 5]);
    expect(groupCount(layout, 3)).toBe(2);
  });

  it('in the product, coefficient k·m + m − 1 is the inner product, negacyclic wrap included (plain polynomial check)', () => {
    const random = rng(1);
    const N = 16;
    for (const m of [1, 2, 3, 5, 8, 16]) {
      const rows = 2 * m - 1;
      const layout = makeLayout(N, rows, m);
      const cols = layout.k + 1;
      const X = Float64Array.from({ length: rows * cols }, () => Math.floor(random() * 21) - 10);
      const d = Array.from({ length: rows }, () => Math.floor(random() * 9) - 4);
      for (let g = 0; g < groupCount(layout, cols); g++) {
        const sums = new Array<number>(N).fill(0);
        for (let c = 0; c < layout.chunks; c++) {
          const p = packCoefficients({ N, t: 2 ** 40, fractionalBits: 0 }, X, rows, cols, layout, g, c) ?? new Float64Array(N);
          const signed = Array.from(p, (v) => (v >= 2 ** 39 ? v - 2 ** 40 : v));
          // negacyclic product of d_c(X) and P(X)
          for (let i = 0; i < m && c * m + i < rows; i++) {
            for (let j = 0; j < N; j++) {
              const e = i + j;
              const term = (d[c * m + i] as number) * (signed[j] as number);
              if (e < N) sums[e] = (sums[e] as number) + term;
              else sums[e - N] = (sums[e - N] as number) - term;
            }
          }
        }
        const features = Math.min(layout.k, cols - g * layout.k);
        resultPositions(layout, features).forEach((pos, k) => {
          let want = 0;
          for (let i = 0; i < rows; i++) want += (d[i] as number) * (X[i * cols + g * layout.k + k] as number);
          expect(sums[pos]).toBe(want);
        });
      }
    }
  });

  it('recommends m = floor(N/K) balancing uploads against results', () => {
    const m = recommendChunkLength(8192, 21_000, [13, 10]);
    expect(Math.floor(8192 / Math.floor(8192 / m))).toBe(m);
    const chosen = estimateLayout(8192, 21_000, m, [13, 10]);
    for (const other of [8192, 4096, 2048, 1024, 512]) expect(chosen.ms).toBeLessThanOrEqual(estimateLayout(8192, 21_000, other, [13, 10]).ms);
    expect(recommendChunkLength(8192, 10, [1])).toBe(8192);
    expect(failure(() => recommendChunkLength(8192, 10, []))?.code).toBe('FM_ERR_HE_INPUT');
  });
});
