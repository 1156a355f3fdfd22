// The exact logistic function, residual and loss, for plaintext training and for comparing the
// Taylor approximation (taylor.ts) against. With u = w·x + b, y ∈ {0,1}, ys = 2y − 1:
//   σ(u) = 1 / (1 + e^(−u)),  residual σ(u) − y,  loss log(1 + e^(−ys·u)).
// Written to stay finite for any finite u (no overflow of e^(−u) for large |u|).

import { checkLabels, checkScores, type Labels } from '../check.ts';

export function sigmoid(u: number): number {
  if (u >= 0) return 1 / (1 + Math.exp(-u));
  const e = Math.exp(u);
  return e / (1 + e);
}

/** σ(u) − y for one row. */
export function exactResidualAt(u: number, y: number): number {
  return sigmoid(u) - y;
}

/** log(1 + e^(−ys·u)) for one row, computed as softplus(−ys·u). */
export function exactLossAt(u: number, y: number): number {
  const z = -(2 * y - 1) * u;
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

/** The mean logistic loss over the rows (0 for no rows). */
export function exactLoss(u: Float64Array, y: Labels): number {
  checkScores('u', u);
  checkLabels('y', y, u.length);
  let sum = 0;
  for (let i = 0; i < u.length; i++) sum += exactLossAt(u[i] as number, y[i] as number);
  return u.length === 0 ? 0 : sum / u.length;
}
