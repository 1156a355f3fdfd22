// Gradient histograms of one party's binned columns for one tree node: for every (column, bin), the
// sums of the node's gradients G and hessians H. G and H are integers on the tree's fixed-point
// grid (quantize.ts), so sums are exact (below 2^53) and subtraction is exact too: a node's larger
// child is its parent's histogram minus the smaller child's, as the encrypted protocol computes it
// (protocol/he/histogram.ts builds the same sums for a host's columns under encryption).
// Layout: column j's bins are slots offsets[j] … offsets[j+1] − 1 of `g` and `h`. Rows whose code
// is NO_BIN (missing) are in no slot.

import { describeValue, inputError } from '../../check.ts';
import { NO_BIN, type BinnedColumns } from './binning.ts';

export interface Histogram {
  g: Float64Array;
  h: Float64Array;
}

/** offsets[j] = Σ_{k<j} binCounts[k]; offsets[cols] is the number of slots. */
export function binOffsets(binCounts: ArrayLike<number>): Uint32Array {
  const offsets = new Uint32Array(binCounts.length + 1);
  for (let j = 0; j < binCounts.length; j++) offsets[j + 1] = (offsets[j] as number) + (binCounts[j] as number);
  return offsets;
}

/** Σ over `rows` of (G, H) per (column, bin) slot. */
export function buildHistogram(binned: BinnedColumns, offsets: Uint32Array, rows: Uint32Array, G: Float64Array, H: Float64Array): Histogram {
  const { cols, codes } = binned;
  const slots = offsets[cols] as number;
  const g = new Float64Array(slots);
  const h = new Float64Array(slots);
  for (let k = 0; k < rows.length; k++) {
    const i = rows[k] as number;
    const gi = G[i] as number;
    const hi = H[i] as number;
    const base = i * cols;
    for (let j = 0; j < cols; j++) {
      const code = codes[base + j] as number;
      if (code === NO_BIN) continue;
      const s = (offsets[j] as number) + code;
      g[s]! += gi;
      h[s]! += hi;
    }
  }
  return { g, h };
}

/** parent − child, slot by slot: the histogram of the child's sibling. */
export function subtractHistogram(parent: Histogram, child: Histogram): Histogram {
  if (parent.g.length !== child.g.length || parent.h.length !== child.h.length) {
    throw inputError('child', `a histogram of ${parent.g.length} slots (as the parent)`, describeValue(child.g));
  }
  const g = new Float64Array(parent.g.length);
  const h = new Float64Array(parent.h.length);
  for (let s = 0; s < g.length; s++) {
    g[s] = (parent.g[s] as number) - (child.g[s] as number);
    h[s] = (parent.h[s] as number) - (child.h[s] as number);
  }
  return { g, h };
}
