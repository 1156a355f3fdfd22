// Per-column standardisation z = (x − mean) / std, fitted on the training rows only.
// Missing values (NaN) are ignored when fitting and become 0 after standardising, i.e. they are
// imputed with the training mean. std is the population standard deviation (divide by n); a
// column with std 0, or with no values at all, keeps std 1 (and mean 0 when empty), so it maps to
// a constant and never to NaN or Infinity. Infinite inputs are rejected.

import { inputError } from '../check.ts';
import { checkMatrix, type Matrix } from '../matrix.ts';

/** Plain arrays so the fitted state serialises to JSON and can be re-applied at scoring time. */
export interface Standardizer {
  mean: number[];
  std: number[];
}

function checkNoInfinity(param: string, x: Matrix): void {
  const { data } = x;
  for (let k = 0; k < data.length; k++) {
    const v = data[k] as number;
    if (v === Infinity || v === -Infinity) {
      throw inputError(param, 'finite values or NaN for missing', `an infinite value at row ${Math.floor(k / x.cols)}`);
    }
  }
}

/** Above this, a square may overflow float64 (about 1.8e308). */
const HUGE = 2 ** 500;

export function fitStandardizer(x: Matrix): Standardizer {
  checkMatrix('x', x);
  checkNoInfinity('x', x);
  const { data, rows, cols } = x;
  // A column of huge values (1e300s) is summed divided by a power of two near its largest, so that
  // no sum of squares overflows to an infinite variance. A power of two divides exactly, and below
  // HUGE nothing is scaled at all: every other column gets the very same mean and deviation.
  const scale = new Float64Array(cols).fill(1);
  for (let i = 0; i < rows; i++) {
    const row = i * cols;
    for (let j = 0; j < cols; j++) {
      const a = Math.abs(data[row + j] as number);
      if (a > HUGE && a > scale[j]!) scale[j] = a;
    }
  }
  for (let j = 0; j < cols; j++) if (scale[j]! > 1) scale[j] = 2 ** Math.floor(Math.log2(scale[j]!));
  const count = new Float64Array(cols);
  const sum = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    const row = i * cols;
    for (let j = 0; j < cols; j++) {
      const v = data[row + j] as number;
      if (v === v) {
        count[j]! += 1;
        sum[j]! += v / scale[j]!;
      }
    }
  }
  const scaledMean = new Float64Array(cols);
  for (let j = 0; j < cols; j++) scaledMean[j] = count[j]! > 0 ? sum[j]! / count[j]! : 0;
  // Second pass on centred values: numerically safer than Σx² − n·mean².
  const squares = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    const row = i * cols;
    for (let j = 0; j < cols; j++) {
      const v = data[row + j] as number;
      if (v === v) {
        const c = v / scale[j]! - scaledMean[j]!;
        squares[j]! += c * c;
      }
    }
  }
  const mean: number[] = [];
  const std: number[] = [];
  for (let j = 0; j < cols; j++) {
    mean.push(scaledMean[j]! * scale[j]!);
    const s = count[j]! > 0 ? Math.sqrt(squares[j]! / count[j]!) * scale[j]! : 0;
    std.push(s > 0 ? s : 1);
  }
  return { mean, std };
}

export function checkStandardizer(param: string, s: unknown, cols: number): Standardizer {
  const st = s as Partial<Standardizer> | null;
  const ok =
    typeof st === 'object' &&
    st !== null &&
    Array.isArray(st.mean) &&
    Array.isArray(st.std) &&
    st.mean.length === cols &&
    st.std.length === cols &&
    st.mean.every((v) => typeof v === 'number' && Number.isFinite(v)) &&
    st.std.every((v) => typeof v === 'number' && Number.isFinite(v) && v > 0);
  if (!ok) throw inputError(param, `{ mean, std } with ${cols} finite values each, std > 0`, 'something else');
  return st as Standardizer;
}

/**
 * (x − mean) / std per column; NaN → 0. Returns a new matrix, or x itself overwritten with
 * `inPlace` (a party's million-row training matrix is not held twice).
 */
export function applyStandardizer(s: Standardizer, x: Matrix, options: { inPlace?: boolean } = {}): Matrix {
  checkMatrix('x', x);
  checkStandardizer('standardizer', s, x.cols);
  checkNoInfinity('x', x);
  const { data, rows, cols } = x;
  const mean = Float64Array.from(s.mean);
  const inv = Float64Array.from(s.std, (v) => 1 / v);
  const out = options.inPlace === true ? data : new Float64Array(data.length);
  for (let i = 0; i < rows; i++) {
    const row = i * cols;
    for (let j = 0; j < cols; j++) {
      const v = data[row + j] as number;
      out[row + j] = v === v ? (v - mean[j]!) * inv[j]! : 0;
    }
  }
  return { data: out, rows, cols };
}
