// Quantile binning with one-hot output, fitted on the training rows only.
// Fit, per column, over its non-missing training values v sorted ascending (n of them):
//   1. for q = 1 .. bins−1, the candidate edge is v[ceil(n·q/bins) − 1] (the q/bins quantile,
//      inverse-CDF definition: at least a fraction q/bins of the values are <= it);
//   2. candidates equal to the previous edge are dropped (ties: a value that fills several
//      quantiles yields one edge), and so are candidates >= the column maximum (they would leave
//      the top bin empty in training). A column with k edges has k + 1 bins;
//   3. if the column had missing values (NaN) in training it gets one more bin, `<name>#nan`.
// Apply: bins are right-closed, bin 0 = (−∞, e0], bin k = (e(k−1), ek], last bin = (e(last), +∞).
// A NaN goes to the column's nan bin; in a column that had no NaN in training it sets no bin at
// all (its one-hot block is all zeros, so it contributes nothing to the score).
// Output feature names: `<name>#bin<k>` and `<name>#nan`.

import { checkInteger, describeValue, inputError } from '../check.ts';
import { checkMatrix, type Matrix } from '../matrix.ts';

/** Plain arrays so the fitted state serialises to JSON. */
export interface QuantileBins {
  /** Per input column, its ascending inner edges. */
  edges: number[][];
  /** Per input column, whether it has a bin for missing values (it had NaN in training). */
  nanBin: boolean[];
}

export const MAX_BINS = 1024;

export function fitQuantileBins(x: Matrix, bins: number): QuantileBins {
  checkMatrix('x', x);
  checkInteger('bins', bins, 2, MAX_BINS);
  const { data, rows, cols } = x;
  const edges: number[][] = [];
  const nanBin: boolean[] = [];
  const values = new Float64Array(rows);
  for (let j = 0; j < cols; j++) {
    let n = 0;
    let missing = false;
    for (let i = 0; i < rows; i++) {
      const v = data[i * cols + j] as number;
      if (v !== v) missing = true;
      else if (v === Infinity || v === -Infinity) throw inputError('x', 'finite values or NaN for missing', `an infinite value at row ${i}`);
      else values[n++] = v;
    }
    const sorted = values.subarray(0, n).sort();
    const column: number[] = [];
    if (n > 0) {
      const max = sorted[n - 1] as number;
      for (let q = 1; q < bins; q++) {
        const edge = sorted[Math.ceil((n * q) / bins) - 1] as number;
        if (edge >= max) break;
        if (column.length === 0 || edge > (column[column.length - 1] as number)) column.push(edge);
      }
    }
    edges.push(column);
    nanBin.push(missing);
  }
  return { edges, nanBin };
}

export function checkQuantileBins(param: string, b: unknown, cols: number): QuantileBins {
  const qb = b as Partial<QuantileBins> | null;
  if (typeof qb !== 'object' || qb === null || !Array.isArray(qb.edges) || !Array.isArray(qb.nanBin)) {
    throw inputError(param, '{ edges, nanBin }', describeValue(b));
  }
  if (qb.edges.length !== cols || qb.nanBin.length !== cols) {
    throw inputError(param, `edges and nanBin for ${cols} columns`, `${qb.edges.length} and ${qb.nanBin.length}`);
  }
  for (let j = 0; j < cols; j++) {
    const e = qb.edges[j];
    const ascending =
      Array.isArray(e) && e.every((v, k) => typeof v === 'number' && Number.isFinite(v) && (k === 0 || v > (e[k - 1] as number)));
    if (!ascending) throw inputError(`${param}.edges[${j}]`, 'strictly ascending finite numbers', describeValue(e));
    if (typeof qb.nanBin[j] !== 'boolean') throw inputError(`${param}.nanBin[${j}]`, 'a boolean', describeValue(qb.nanBin[j]));
  }
  return qb as QuantileBins;
}

/** Number of one-hot columns each input column expands to. */
export function binCounts(b: QuantileBins): number[] {
  return b.edges.map((e, j) => e.length + 1 + (b.nanBin[j] ? 1 : 0));
}

/** Output feature names, `<name>#bin<k>` then `<name>#nan`, column by column. */
export function binNames(b: QuantileBins, names: string[]): string[] {
  const out: string[] = [];
  for (let j = 0; j < b.edges.length; j++) {
    const name = names[j] as string;
    for (let k = 0; k <= (b.edges[j] as number[]).length; k++) out.push(`${name}#bin${k}`);
    if (b.nanBin[j]) out.push(`${name}#nan`);
  }
  return out;
}

/** Index of the right-closed bin holding v: the number of edges strictly below v. */
export function binIndex(edges: ArrayLike<number>, v: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((edges[mid] as number) < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** One-hot encoding of x: rows × Σ binCounts(b), entries 0 or 1. */
export function applyQuantileBins(b: QuantileBins, x: Matrix): Matrix {
  checkMatrix('x', x);
  checkQuantileBins('bins', b, x.cols);
  const { data, rows, cols } = x;
  const counts = binCounts(b);
  const offsets = new Uint32Array(cols);
  let width = 0;
  for (let j = 0; j < cols; j++) {
    offsets[j] = width;
    width += counts[j] as number;
  }
  const edges = b.edges.map((e) => Float64Array.from(e));
  const out = new Float64Array(rows * width);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = data[i * cols + j] as number;
      const e = edges[j] as Float64Array;
      let k: number;
      if (v !== v) {
        if (!b.nanBin[j]) continue;
        k = e.length + 1;
      } else if (v === Infinity || v === -Infinity) {
        throw inputError('x', 'finite values or NaN for missing', `an infinite value at row ${i}`);
      } else {
        k = binIndex(e, v);
      }
      out[i * width + (offsets[j] as number) + k] = 1;
    }
  }
  return { data: out, rows, cols: width };
}
