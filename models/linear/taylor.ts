// The Taylor-approximated logistic loss of the vertical protocol (design note protocols.md,
// "Vertical logistic regression"; Hardy et al. 2017, "Private federated learning on vertically
// partitioned data via entity resolution and additively homomorphic encryption"; FATE HeteroLR).
// With u = w·x + b, y ∈ {0,1} and ys = 2y − 1 ∈ {−1,1}:
//   loss  log(1 + e^(−ys·u)) ≈ log 2 − ½·ys·u + ⅛·u²      (second order around u = 0)
//   residual σ(u) − y ≈ ¼·u + ½ − y                        (first order; the loss's derivative)
// Both are polynomials in u, so the guest can evaluate them on Enc(u). Accurate while |u| is
// small (|u| < ~2); they diverge from the exact logistic values for confident scores.

import { checkLabels, checkScores, type Labels } from '../check.ts';

/** ¼·u + ½ − y for one row. */
export function taylorResidualAt(u: number, y: number): number {
  return 0.25 * u + 0.5 - y;
}

/** log 2 − ½·ys·u + ⅛·u² with ys = 2y − 1, for one row. */
export function taylorLossAt(u: number, y: number): number {
  return Math.LN2 - 0.5 * (2 * y - 1) * u + 0.125 * u * u;
}

/** d_i = ¼·u_i + ½ − y_i for every row. */
export function taylorResidual(u: Float64Array, y: Labels): Float64Array {
  checkScores('u', u);
  checkLabels('y', y, u.length);
  const d = new Float64Array(u.length);
  for (let i = 0; i < u.length; i++) d[i] = taylorResidualAt(u[i] as number, y[i] as number);
  return d;
}

/** The mean Taylor loss over the rows (0 for no rows). */
export function taylorLoss(u: Float64Array, y: Labels): number {
  checkScores('u', u);
  checkLabels('y', y, u.length);
  let sum = 0;
  for (let i = 0; i < u.length; i++) sum += taylorLossAt(u[i] as number, y[i] as number);
  return u.length === 0 ? 0 : sum / u.length;
}
