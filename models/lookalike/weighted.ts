// Weighted logistic regression, full batch, exact gradient: the plaintext trainer the PU
// strategies need (per-row weights, possibly negative, and per-row targets in [0, 1]):
//   g_j = Σ_i w_i·x_ij·(σ(u_i) − t_i) / Σ_i w_i + l2·w_j,   g_b without l2.
// Rows may repeat in `rows` (the unbiased PU risk counts each seed twice).

import { checkInteger, checkNumber, inputError } from '../check.ts';
import { checkMatrix, type Matrix } from '../matrix.ts';
import { sigmoid } from '../linear/exact.ts';

export interface WeightedRows {
  /** Row indices into x, repeats allowed. */
  rows: Uint32Array;
  /** Target per entry of `rows`, in [0, 1]. */
  target: Float64Array;
  /** Weight per entry of `rows`; their sum must be positive. */
  weight: Float64Array;
}

export interface WeightedOptions {
  epochs: number;
  learningRate: number;
  l2: number;
}

export interface LinearModel {
  weights: Float64Array;
  intercept: number;
}

export function trainWeighted(x: Matrix, data: WeightedRows, o: WeightedOptions): LinearModel {
  checkMatrix('x', x);
  checkInteger('options.epochs', o.epochs, 1, 1_000_000);
  checkNumber('options.learningRate', o.learningRate, 0, Infinity, { min: true });
  checkNumber('options.l2', o.l2, 0, Infinity);
  const { rows, target, weight } = data;
  if (target.length !== rows.length || weight.length !== rows.length) throw inputError('data', 'rows, target and weight of one length', `${rows.length}, ${target.length}, ${weight.length}`);
  let total = 0;
  for (let k = 0; k < rows.length; k++) {
    if ((rows[k] as number) >= x.rows) throw inputError(`data.rows[${k}]`, `a row below ${x.rows}`, String(rows[k]));
    total += weight[k] as number;
  }
  if (!(total > 0)) throw inputError('data.weight', 'a positive sum', String(total));
  const cols = x.cols;
  const w = new Float64Array(cols);
  const g = new Float64Array(cols);
  let b = 0;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    g.fill(0);
    let gb = 0;
    for (let k = 0; k < rows.length; k++) {
      const base = (rows[k] as number) * cols;
      let u = b;
      for (let j = 0; j < cols; j++) u += (x.data[base + j] as number) * (w[j] as number);
      const d = (weight[k] as number) * (sigmoid(u) - (target[k] as number));
      gb += d;
      for (let j = 0; j < cols; j++) g[j]! += (x.data[base + j] as number) * d;
    }
    for (let j = 0; j < cols; j++) w[j]! -= o.learningRate * ((g[j] as number) / total + o.l2 * (w[j] as number));
    b -= o.learningRate * gb / total;
  }
  return { weights: w, intercept: b };
}
