import { describe, expect, it } from 'vitest';
import { matrix } from '../../matrix.ts';
import { mulberry32 } from '../../random.ts';
import { applyPartyBinning, fitPartyBinning, NO_BIN, type BinnedColumns } from './binning.ts';
import { binOffsets, buildHistogram, subtractHistogram } from './histogram.ts';
import { gradientGrid, logisticGradients } from './quantize.ts';
import { partition } from './tree.ts';

describe('gradient histograms', () => {
  it('sums G and H per (column, bin), skipping missing codes: hand-worked', () => {
    // 4 rows × 2 columns with 2 and 3 bins; row 2 is missing in column 1.
    const binned: BinnedColumns = { rows: 4, cols: 2, codes: Uint8Array.from([0, 2, 1, 0, 1, NO_BIN, 0, 2]), binCounts: Uint16Array.from([2, 3]), categorical: new Uint8Array(2) };
    const offsets = binOffsets(binned.binCounts);
    expect(Array.from(offsets)).toEqual([0, 2, 5]);
    const G = Float64Array.from([10, -3, 7, 1]);
    const H = Float64Array.from([2, 4, 1, 5]);
    const all = buildHistogram(binned, offsets, Uint32Array.from([0, 1, 2, 3]), G, H);
    // Column 0: bin 0 ← rows 0, 3 (10 + 1; 2 + 5), bin 1 ← rows 1, 2 (−3 + 7; 4 + 1).
    // Column 1: bin 0 ← row 1, bin 1 ← nothing, bin 2 ← rows 0, 3; row 2 is in no bin.
    expect(Array.from(all.g)).toEqual([11, 4, -3, 0, 11]);
    expect(Array.from(all.h)).toEqual([7, 5, 4, 0, 7]);
    const some = buildHistogram(binned, offsets, Uint32Array.from([2]), G, H);
    expect(Array.from(some.g)).toEqual([0, 7, 0, 0, 0]);
  });

  it('parent − smaller child equals the larger child computed directly, exactly (random data)', () => {
    const next = mulberry32(5);
    const rows = 5000;
    const cols = 7;
    const data = Float64Array.from({ length: rows * cols }, () => (next() % 10 === 0 ? NaN : (next() / 2 ** 32) * 100));
    const x = matrix(data, rows, cols);
    const binned = applyPartyBinning(fitPartyBinning(x, { bins: 32 }), x);
    const offsets = binOffsets(binned.binCounts);
    const margins = Float64Array.from({ length: rows }, () => (next() / 2 ** 32) * 6 - 3);
    const y = Uint8Array.from({ length: rows }, () => next() & 1);
    const all = Uint32Array.from({ length: rows }, (_, i) => i);
    const grid = gradientGrid(logisticGradients(margins, y), all);
    expect(grid.fractionalBits).toBeGreaterThan(10);
    const parent = buildHistogram(binned, offsets, all, grid.G, grid.H);
    for (let trial = 0; trial < 5; trial++) {
      const flags = Uint8Array.from({ length: rows }, () => (next() % 3 === 0 ? 1 : 0));
      const { goLeft, goRight } = partition(all, flags);
      const small = buildHistogram(binned, offsets, goLeft, grid.G, grid.H);
      expect(subtractHistogram(parent, small)).toEqual(buildHistogram(binned, offsets, goRight, grid.G, grid.H));
    }
  });
});
