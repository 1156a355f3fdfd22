// Area under the ROC curve by ranks (Mann–Whitney U; Hanley & McNeil 1982):
//   AUC = (R₊ − n₊(n₊ + 1)/2) / (n₊·n₋)
// where R₊ is the sum of the positives' ranks (1-based, ascending score) and tied scores share
// the average of their ranks, so a tied positive–negative pair counts ½. Equals the probability
// that a random positive scores above a random negative. Needs at least one row of each class.
// Computed as Σ over positives of (#negatives below + ½·#negatives equal) / (n₊·n₋), walking the
// two classes' sorted scores together.

import { checkLabels, checkScores, inputError, type Labels } from '../check.ts';
import { scoresByClass } from './order.ts';

export function auc(scores: Float64Array, labels: Labels): number {
  checkScores('scores', scores);
  checkLabels('labels', labels, scores.length);
  const { positive, negative } = scoresByClass(scores, labels);
  if (positive.length === 0 || negative.length === 0) {
    throw inputError('labels', 'at least one positive and one negative', `${positive.length} positives of ${scores.length}`);
  }
  let below = 0; // negatives < p
  let notAbove = 0; // negatives <= p
  let pairs = 0;
  for (let k = 0; k < positive.length; k++) {
    const p = positive[k] as number;
    while (below < negative.length && (negative[below] as number) < p) below++;
    if (notAbove < below) notAbove = below;
    while (notAbove < negative.length && (negative[notAbove] as number) <= p) notAbove++;
    pairs += below + 0.5 * (notAbove - below);
  }
  return pairs / (positive.length * negative.length);
}
