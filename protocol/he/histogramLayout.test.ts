import { describe, expect, it } from 'vitest';
import { binExponents, estimateHistogram, histogramPositions, makeHistogramLayout, NO_BIN_CODE, recommendChunkRows } from './histogramLayout.ts';
import { failure, rng } from './testing.fixture.ts';

const NO = NO_BIN_CODE;

describe('histogram layout (pure)', () => {
  it('places row r of a chunk, bin J at exponent L·(J − gT) + L − 1 − r: hand-worked N = 16, L = 4', () => {
    // Columns with 3 and 2 bins: global bins 0–2 and 3–4; T = 4, so column 1 spans both groups.
    const layout = makeHistogramLayout(16, 6, [3, 2], 4);
    expect(layout).toMatchObject({ chunks: 2, targets: 4, offsets: [0, 3, 5], bins: 5, groups: 2 });
    const codes = Uint8Array.from([0, 1, 2, 0, 1, NO, 0, 0, 2, 1, NO, 1]);
    // Chunk 0: row 0 → J 0 (e 3), J 4 (group 1, e 3); row 1 → J 2 (e 10), J 3 (e 14); row 2 → J 1 (e 5);
    // row 3 → J 0 (e 0), J 3 (e 12).
    expect(binExponents(layout, codes, 2, 0).map((e) => Array.from(e))).toEqual([[3, 10, 14, 5, 0, 12], [3]]);
    // Chunk 1: row 4 → J 2 (e 11), J 4 (e 3); row 5 → J 4 (e 2).
    expect(binExponents(layout, codes, 2, 1).map((e) => Array.from(e))).toEqual([[11], [3, 2]]);
    expect(histogramPositions(layout, 0)).toEqual([3, 7, 11, 15]);
    expect(histogramPositions(layout, 1)).toEqual([3]);
  });

  it('in Σ_c v_c·P_{g,c} each bin\'s position holds its rows\' sum, negacyclic wrap included (plain polynomials)', () => {
    const random = rng(4);
    for (const [N, L, rows] of [[16, 4, 13], [16, 5, 11], [32, 3, 20], [32, 32, 32], [16, 1, 7]] as const) {
      const binCounts = Array.from({ length: 1 + Math.floor(random() * 4) }, () => 1 + Math.floor(random() * 6));
      const cols = binCounts.length;
      const layout = makeHistogramLayout(N, rows, binCounts, L);
      const codes = Uint8Array.from({ length: rows * cols }, (_, k) => (random() < 0.1 ? NO : Math.floor(random() * (binCounts[k % cols] as number))));
      const v = Array.from({ length: rows }, () => Math.floor(random() * 201) - 100);
      const want = new Array<number>(layout.bins).fill(0);
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) if (codes[i * cols + j] !== NO) want[(layout.offsets[j] as number) + (codes[i * cols + j] as number)]! += v[i] as number;
      }
      const got = new Array<number>(layout.bins).fill(0);
      for (let g = 0; g < layout.groups; g++) {
        const product = new Array<number>(N).fill(0);
        for (let c = 0; c < layout.chunks; c++) {
          const exponents = binExponents(layout, codes, cols, c)[g] as Int32Array;
          for (let r = 0; r < L && c * L + r < rows; r++) {
            for (const e of exponents) {
              const at = r + e;
              if (at < N) product[at]! += v[c * L + r] as number;
              else product[at - N]! -= v[c * L + r] as number;
            }
          }
        }
        histogramPositions(layout, g).forEach((p, j) => (got[g * layout.targets + j] = product[p] as number));
      }
      expect(got).toEqual(want);
    }
  });

  it('recommends L = ⌊N/T⌋ balancing the guest\'s ciphertexts against the host\'s results', () => {
    const L = recommendChunkRows(8192, 45_000, 9 * 32);
    expect(Math.floor(8192 / Math.floor(8192 / L))).toBe(L);
    const chosen = estimateHistogram(8192, 45_000, 9 * 32, L);
    for (const other of [8192, 2048, 512, 128, 32, 8]) expect(chosen.ms).toBeLessThanOrEqual(estimateHistogram(8192, 45_000, 9 * 32, other).ms);
    // Products stay near n·(Σ bins)/N whatever L is.
    expect(chosen.products).toBeLessThan(1.1 * Math.ceil((45_000 * 9 * 32) / 8192) + chosen.chunks);
    expect(failure(() => makeHistogramLayout(8192, 10, [32, 255], 64))?.message).toBe('binCounts[1] must be an integer from 0 to 254 (got 255)');
    expect(failure(() => makeHistogramLayout(8192, 10, [0], 64))?.code).toBe('FM_ERR_HE_INPUT');
  });
});
