// Dense row-major matrices, the shape every model function takes: element (i, j) is
// data[i * cols + j]. The same layout as the party node's Dataset.features. Float64Array, or
// Float32Array where a model lets the party hold its rows at half the memory (VerticalModel.rowPrecision);
// functions that make a matrix make float64.

import { checkInteger, describeValue, inputError } from './check.ts';

export interface Matrix {
  data: Float64Array | Float32Array;
  rows: number;
  cols: number;
}

/** Wraps `data` (no copy) after checking the shape. */
export function matrix(data: Float64Array | Float32Array, rows: number, cols: number): Matrix {
  const m = { data, rows, cols };
  checkMatrix('matrix', m);
  return m;
}

/** Checks the shape; with `cols`, also the column count. NaN entries are allowed (missing values). */
export function checkMatrix(param: string, m: unknown, cols?: number): Matrix {
  if (typeof m !== 'object' || m === null) throw inputError(param, 'a matrix { data, rows, cols }', describeValue(m));
  const { data, rows, cols: c } = m as Partial<Matrix>;
  checkInteger(`${param}.rows`, rows, 0);
  checkInteger(`${param}.cols`, c, 0);
  if (!(data instanceof Float64Array) && !(data instanceof Float32Array)) throw inputError(`${param}.data`, 'a Float64Array or Float32Array', describeValue(data));
  if (data.length !== (rows as number) * (c as number)) {
    throw inputError(`${param}.data`, `rows × cols = ${(rows as number) * (c as number)} values`, `${data.length}`);
  }
  if (cols !== undefined && c !== cols) throw inputError(`${param}.cols`, `${cols} columns`, `${c}`);
  return m as Matrix;
}

/** The rows whose index is listed, in that order (a copy). */
export function selectRows(m: Matrix, indices: ArrayLike<number>): Matrix {
  checkMatrix('m', m);
  const { cols } = m;
  const out = new Float64Array(indices.length * cols);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k] as number;
    if (!Number.isInteger(i) || i < 0 || i >= m.rows) {
      throw inputError('indices', `row indices from 0 to ${m.rows - 1}`, `${i} at position ${k}`);
    }
    out.set(m.data.subarray(i * cols, (i + 1) * cols), k * cols);
  }
  return { data: out, rows: indices.length, cols };
}

/** The indices i where mask[i] equals `value` (e.g. 1 for the validation rows of validationMask). */
export function maskIndices(mask: Uint8Array, value: 0 | 1): Uint32Array {
  let n = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] === value) n++;
  const out = new Uint32Array(n);
  for (let i = 0, k = 0; i < mask.length; i++) if (mask[i] === value) out[k++] = i;
  return out;
}

/** [a | b]: the columns of a, then those of b, row by row. */
export function concatColumns(a: Matrix, b: Matrix): Matrix {
  checkMatrix('a', a);
  checkMatrix('b', b);
  if (a.rows !== b.rows) throw inputError('b.rows', `${a.rows} rows (as a)`, `${b.rows}`);
  const cols = a.cols + b.cols;
  const out = new Float64Array(a.rows * cols);
  for (let i = 0; i < a.rows; i++) {
    out.set(a.data.subarray(i * a.cols, (i + 1) * a.cols), i * cols);
    out.set(b.data.subarray(i * b.cols, (i + 1) * b.cols), i * cols + a.cols);
  }
  return { data: out, rows: a.rows, cols };
}
