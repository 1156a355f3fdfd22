// Row access for the linear trainer: dense rows as given, or compressed sparse rows (CSR) when
// most entries are zero (binned one-hot features are ~1/bins dense). Both give the same numbers:
// CSR only skips the terms x_ij = 0, whose products are ±0 and leave every sum unchanged.

import type { Matrix } from '../matrix.ts';

export interface Rows {
  cols: number;
  /** Dense row-major data, when not sparse. */
  dense: Float64Array | Float32Array | undefined;
  /** CSR: row i's entries are index/value[start[i] .. start[i+1]). */
  start: Uint32Array;
  index: Uint32Array;
  value: Float64Array;
}

/** Uses CSR when at most `maxDensity` of the entries are non-zero. */
export function toRows(x: Matrix, maxDensity = 0.35): Rows {
  const { data, rows, cols } = x;
  let nonZero = 0;
  for (let k = 0; k < data.length; k++) if (data[k] !== 0) nonZero++;
  if (data.length === 0 || nonZero > maxDensity * data.length) {
    return { cols, dense: data, start: new Uint32Array(0), index: new Uint32Array(0), value: new Float64Array(0) };
  }
  const start = new Uint32Array(rows + 1);
  const index = new Uint32Array(nonZero);
  const value = new Float64Array(nonZero);
  let p = 0;
  for (let i = 0; i < rows; i++) {
    start[i] = p;
    const row = i * cols;
    for (let j = 0; j < cols; j++) {
      const v = data[row + j] as number;
      if (v !== 0) {
        index[p] = j;
        value[p++] = v;
      }
    }
  }
  start[rows] = p;
  return { cols, dense: undefined, start, index, value };
}

/** b + Σ_j x_ij·w_j, summed in column order. */
export function dotRow(r: Rows, i: number, w: Float64Array, b: number): number {
  let u = b;
  const dense = r.dense;
  if (dense !== undefined) {
    const row = i * r.cols;
    for (let j = 0; j < r.cols; j++) u += (dense[row + j] as number) * (w[j] as number);
  } else {
    const { index, value } = r;
    for (let p = r.start[i] as number, end = r.start[i + 1] as number; p < end; p++) {
      u += (value[p] as number) * (w[index[p] as number] as number);
    }
  }
  return u;
}

/** g_j += x_ij·d for every column j. */
export function addRow(r: Rows, i: number, d: number, g: Float64Array): void {
  const dense = r.dense;
  if (dense !== undefined) {
    const row = i * r.cols;
    for (let j = 0; j < r.cols; j++) g[j]! += (dense[row + j] as number) * d;
  } else {
    const { index, value } = r;
    for (let p = r.start[i] as number, end = r.start[i + 1] as number; p < end; p++) {
      g[index[p] as number]! += (value[p] as number) * d;
    }
  }
}
