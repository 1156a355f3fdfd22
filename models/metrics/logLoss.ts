// Mean binary cross-entropy of predicted probabilities:
//   −(1/n)·Σ [ y·log p + (1 − y)·log(1 − p) ]
// clamped so a confident mistake costs a large but finite amount: the probability given to the
// true class, p for y = 1 and 1 − p for y = 0, is raised to at least eps (default 1e-15, as
// scikit-learn had), so each row costs at most −ln(eps) ≈ 34.54. 1 − p is exact for p >= ½
// (Sterbenz), so the clamp does not lose precision near 1. 0 for no rows.

import { checkLabels, checkNumber, checkScores, inputError, type Labels } from '../check.ts';

export function logLoss(probabilities: Float64Array, labels: Labels, eps = 1e-15): number {
  checkScores('probabilities', probabilities);
  checkLabels('labels', labels, probabilities.length);
  checkNumber('eps', eps, 0, 0.5, { min: true, max: true });
  let sum = 0;
  for (let i = 0; i < probabilities.length; i++) {
    const raw = probabilities[i] as number;
    if (raw < 0 || raw > 1) throw inputError('probabilities', 'values in [0, 1]', `a value outside at index ${i}`);
    const trueClass = labels[i] === 1 ? raw : 1 - raw;
    sum -= Math.log(Math.max(eps, trueClass));
  }
  return probabilities.length === 0 ? 0 : sum / probabilities.length;
}
