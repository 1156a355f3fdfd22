// Standardisation for horizontal jobs from pooled moments: each member computes, per feature
// column, (count, Σx, Σx²) over its own non-missing training values; the members' vectors are
// summed under secure aggregation (protocol/secagg) and every member derives the same mean and
// population standard deviation from the sum, so no member sees another's rows or moments.
// Layout of a moments vector for c columns: [count_0..count_{c−1}, Σx_0.., Σx²_0..] (3c values).
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
