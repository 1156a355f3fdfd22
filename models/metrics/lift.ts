// Lift / gains table, as marketing teams read it: rows sorted by score, highest first, cut into
// `groups` groups of (nearly) equal size (deciles by default); group g (1-based) holds the sorted
// rows floor((g−1)·n/groups) .. floor(g·n/groups) − 1. Equal scores are ordered by row index, so a
// tie straddling a boundary is split deterministically rather than kept together.
// Per group: count, positives, rate = positives/count, lift = rate / overall rate, and
// cumulatively from the top: cumulativeCount, cumulativePositives, cumulativeGain (share of all
// positives captured so far) and cumulativeLift (cumulative rate / overall rate).

import { checkInteger, checkLabels, checkScores, inputError, type Labels } from '../check.ts';
import { ascendingOrder, countPositives } from './order.ts';

export interface LiftRow {
  group: number;
  count: number;
  positives: number;
  rate: number;
  lift: number;
  cumulativeCount: number;
  cumulativePositives: number;
  cumulativeGain: number;
  cumulativeLift: number;
}

export function lift(scores: Float64Array, labels: Labels, groups = 10): LiftRow[] {
  checkScores('scores', scores);
  checkLabels('labels', labels, scores.length);
  const n = scores.length;
  checkInteger('groups', groups, 1, Math.max(1, n));
  const total = countPositives(labels);
  if (total === 0) throw inputError('labels', 'at least one positive', `0 positives of ${n}`);
  const overall = total / n;
  // Descending score, ties by ascending index: reverse the ascending order within equal runs.
  const ascending = ascendingOrder(scores);
  const order = new Uint32Array(n);
  let at = 0;
  for (let j = n; j > 0; ) {
    let i = j - 1;
    const s = scores[ascending[i] as number];
    while (i > 0 && scores[ascending[i - 1] as number] === s) i--;
    for (let k = i; k < j; k++) order[at++] = ascending[k] as number;
    j = i;
  }
  const rows: LiftRow[] = [];
  let cumulativeCount = 0;
  let cumulativePositives = 0;
  for (let g = 1; g <= groups; g++) {
    const start = Math.floor(((g - 1) * n) / groups);
    const end = Math.floor((g * n) / groups);
    let positives = 0;
    for (let k = start; k < end; k++) positives += labels[order[k] as number] as number;
    const count = end - start;
    cumulativeCount += count;
    cumulativePositives += positives;
    const rate = count === 0 ? 0 : positives / count;
    rows.push({
      group: g,
      count,
      positives,
      rate,
      lift: rate / overall,
      cumulativeCount,
      cumulativePositives,
      cumulativeGain: cumulativePositives / total,
      cumulativeLift: cumulativePositives / cumulativeCount / overall,
    });
  }
  return rows;
}
