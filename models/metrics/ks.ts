// Kolmogorov–Smirnov statistic of a score: the largest gap between the cumulative share of
// positives and of negatives above a threshold, max over thresholds t of |TPR(t) − FPR(t)| where
// TPR(t) = share of positives with score >= t and FPR(t) likewise for negatives. Thresholds are
// the distinct scores, so tied rows move together. In [0, 1]; needs both classes.

import { checkLabels, checkScores, inputError, type Labels } from '../check.ts';
import { scoresByClass } from './order.ts';

export function ks(scores: Float64Array, labels: Labels): number {
  checkScores('scores', scores);
  checkLabels('labels', labels, scores.length);
  const { positive, negative } = scoresByClass(scores, labels);
  const np = positive.length;
  const nn = negative.length;
  if (np === 0 || nn === 0) throw inputError('labels', 'at least one positive and one negative', `${np} positives of ${scores.length}`);
  // Walk both sorted lists from the top, one distinct score at a time.
  let i = np - 1;
  let j = nn - 1;
  let best = 0;
  while (i >= 0 || j >= 0) {
    const t = Math.max(i >= 0 ? (positive[i] as number) : -Infinity, j >= 0 ? (negative[j] as number) : -Infinity);
    while (i >= 0 && positive[i] === t) i--;
    while (j >= 0 && negative[j] === t) j--;
    best = Math.max(best, Math.abs((np - 1 - i) / np - (nn - 1 - j) / nn));
  }
  return best;
}
