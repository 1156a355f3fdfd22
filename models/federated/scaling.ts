// Standardisation for horizontal jobs from pooled moments: each member computes, per feature
// column, (count, Σx, Σx²) over its own non-missing training values; the members' vectors are
// summed under secure aggregation (protocol/secagg) and every member derives the same mean and
// population standard deviation from the sum, so no member sees another's rows or moments.
// Layout of a moments vector for c columns: [count_0..count_{c−1}, Σx_0.., Σx²_0..] (3c values);
// a member's scaling contribution appends its training and evaluation row counts (3c + 2 values),
// whose sums normalise the weights of its updates (update.ts).
// The variance is Σx²/n − mean², computed in float64 after aggregation; it loses precision only
// for columns whose mean is many orders of magnitude above their spread (clamped at 0: such a
// column then keeps std 1, as in fitStandardizer).

import { inputError } from '../check.ts';
import { checkMatrix, type Matrix } from '../matrix.ts';
import type { Standardizer } from '../features/standardize.ts';

export function localMoments(x: Matrix): Float64Array {
  checkMatrix('x', x);
  const { data, rows, cols } = x;
  const out = new Float64Array(3 * cols);
  for (let i = 0; i < rows; i++) {
    const row = i * cols;
    for (let j = 0; j < cols; j++) {
      const v = data[row + j] as number;
      if (v !== v) continue;
      if (!Number.isFinite(v)) throw inputError('x', 'finite values or NaN for missing', `an infinite value at row ${i}`);
      out[j]! += 1;
      out[cols + j]! += v;
      out[2 * cols + j]! += v * v;
    }
  }
  return out;
}

export function standardizerFromMoments(moments: Float64Array, cols: number): Standardizer {
  if (!(moments instanceof Float64Array) || moments.length !== 3 * cols) throw inputError('moments', `${3 * cols} values (count, Σx, Σx² per column)`, `${moments?.length}`);
  const mean: number[] = [];
  const std: number[] = [];
  for (let j = 0; j < cols; j++) {
    const n = moments[j] as number;
    if (n < 0.5) {
      mean.push(0);
      std.push(1);
      continue;
    }
    const m = (moments[cols + j] as number) / n;
    const variance = Math.max(0, (moments[2 * cols + j] as number) / n - m * m);
    const s = Math.sqrt(variance);
    mean.push(m);
    std.push(s > 1e-12 * Math.max(1, Math.abs(m)) ? s : 1);
  }
  return { mean, std };
}

/** What a member contributes to the scaling sum. */
export function scalingUpload(x: Matrix, evalRows: number): Float64Array {
  return Float64Array.of(...localMoments(x), x.rows, evalRows);
}

export function scalingLength(cols: number): number {
  return 3 * cols + 2;
}

/** From the summed contributions: the pooled standardiser and the pooled training and evaluation row counts. */
export function scalingFromSum(sum: Float64Array, cols: number): { standardizer: Standardizer; rows: number; evalRows: number } {
  if (!(sum instanceof Float64Array) || sum.length !== scalingLength(cols)) throw inputError('sum', `${scalingLength(cols)} values (moments, then row counts)`, `${sum?.length}`);
  return { standardizer: standardizerFromMoments(sum.slice(0, 3 * cols), cols), rows: sum[3 * cols] as number, evalRows: sum[3 * cols + 1] as number };
}
