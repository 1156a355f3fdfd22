// Quality of a lookalike ranking without true negatives (positive–unlabelled evaluation): a share
// of the seeds is held out of training; ranked among the other candidates (everyone but the
// training seeds), how many of them land in the top k% is their recall at k. A random ranking
// finds k% of them, so lift over random = recall / (top size / candidates).
// Ties are broken by row index, as in metrics/lift.ts, so results are deterministic.

import { checkNumber, checkScores, inputError } from '../check.ts';
import { descendingOrder } from './order.ts';

export const RECALL_FRACTIONS = [0.05, 0.1, 0.2, 0.5] as const;

export interface RecallAt {
  /** Share of the candidates in the top group. */
  fraction: number;
  /** Candidates in the top group: round(fraction × candidates), at least 1. */
  size: number;
  /** Held-out positives in the top group / all held-out positives. */
  recall: number;
  /** recall / (size / candidates): 1 is no better than random. */
  lift: number;
}

/** `scores` and `positive` (1 = a held-out seed) cover the candidates only. */
export function recallAt(scores: Float64Array, positive: Uint8Array, fractions: readonly number[] = RECALL_FRACTIONS): RecallAt[] {
  checkScores('scores', scores);
  if (!(positive instanceof Uint8Array) || positive.length !== scores.length) throw inputError('positive', `a Uint8Array of ${scores.length} flags`, String(positive?.length));
  const n = scores.length;
  let total = 0;
  for (const p of positive) total += p;
  if (total === 0) throw inputError('positive', 'at least one held-out positive', '0');
  const order = descendingOrder(scores);
  // found[k] = positives among the top k.
  const found = new Uint32Array(n + 1);
  for (let k = 0; k < n; k++) found[k + 1] = (found[k] as number) + (positive[order[k] as number] as number);
  return fractions.map((fraction) => {
    checkNumber('fraction', fraction, 0, 1, { min: true });
    const size = Math.max(1, Math.min(n, Math.round(fraction * n)));
    const recall = (found[size] as number) / total;
    return { fraction, size, recall, lift: recall / (size / n) };
  });
}

export interface ScoreBin {
  from: number;
  to: number;
  /** Candidates with a score in [from, to) (the last bin includes 1). */
  count: number;
  /** Of which held-out seeds. */
  positives: number;
}

/** Histogram of probability scores in `bins` equal-width bins over [0, 1]: the score distribution of the model card. */
export function scoreDistribution(probabilities: Float64Array, positive: Uint8Array, bins = 10): ScoreBin[] {
  checkScores('probabilities', probabilities);
  const out: ScoreBin[] = Array.from({ length: bins }, (_, b) => ({ from: b / bins, to: (b + 1) / bins, count: 0, positives: 0 }));
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i] as number;
    if (p < 0 || p > 1) throw inputError('probabilities', 'values in [0, 1]', `${p} at index ${i}`);
    const bin = out[Math.min(bins - 1, Math.floor(p * bins))] as ScoreBin;
    bin.count++;
    bin.positives += positive[i] ?? 0;
  }
  return out;
}
