// ROC curve as an aggregate a party may share: points (FPR, TPR) at score thresholds, walking from
// the highest score down, one distinct score at a time (tied rows move together, so the trapezoid
// area under the full curve equals the rank AUC). Thinned so that consecutive points are at least
// ceil(n / maxPoints) rows apart: each point then describes a group of rows, never one customer.
// Always starts at (0, 0) and ends at (1, 1). Needs both classes.

import { checkInteger, checkLabels, checkScores, inputError, type Labels } from '../check.ts';
import { scoresByClass } from './order.ts';

export interface RocPoint {
  fpr: number;
  tpr: number;
}

export function roc(scores: Float64Array, labels: Labels, maxPoints = 100): RocPoint[] {
  checkScores('scores', scores);
  checkLabels('labels', labels, scores.length);
  checkInteger('maxPoints', maxPoints, 2);
  const { positive, negative } = scoresByClass(scores, labels);
  const np = positive.length;
  const nn = negative.length;
  if (np === 0 || nn === 0) throw inputError('labels', 'at least one positive and one negative', `${np} positives of ${scores.length}`);
  const minStep = Math.ceil(scores.length / maxPoints);
  const points: RocPoint[] = [{ fpr: 0, tpr: 0 }];
  let i = np - 1;
  let j = nn - 1;
  let lastRows = 0;
  while (i >= 0 || j >= 0) {
    const t = Math.max(i >= 0 ? (positive[i] as number) : -Infinity, j >= 0 ? (negative[j] as number) : -Infinity);
    while (i >= 0 && positive[i] === t) i--;
    while (j >= 0 && negative[j] === t) j--;
    const rows = np - 1 - i + (nn - 1 - j);
    if (rows - lastRows >= minStep && rows < scores.length) {
      points.push({ fpr: (nn - 1 - j) / nn, tpr: (np - 1 - i) / np });
      lastRows = rows;
    }
  }
  points.push({ fpr: 1, tpr: 1 });
  return points;
}

/** Trapezoid area under a curve of points sorted by FPR. */
export function rocArea(points: readonly RocPoint[]): number {
  let area = 0;
  for (let k = 1; k < points.length; k++) {
    const a = points[k - 1] as RocPoint;
    const b = points[k] as RocPoint;
    area += ((b.fpr - a.fpr) * (a.tpr + b.tpr)) / 2;
  }
  return area;
}
