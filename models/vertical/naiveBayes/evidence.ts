// The naive Bayes scorecard's arithmetic (Hand & Yu, "Idiot's Bayes — not so stupid after all?",
// International Statistical Review 2001; as a scorecard: Siddiqi, Credit Risk Scorecards, 2006).
// With features taken as independent given the label, the log-odds of a positive (the event:
// default, purchase) is
//   logit = ln(P/N) + Σ_j ln(P(bin of x_j | positive) / P(bin of x_j | negative)) = ln(P/N) − Σ_j WOE_j(bin of x_j),
// with P, N the positive and negative training rows, and WOE in Siddiqi's convention (as
// models/explain/woe.ts): WOE_k = ln(%negatives_k / %positives_k). Per column, over its counted
// bins only (bins.ts, step 5), with smoothing α added to both counts of each of its B counted bins:
//   %positives_k = (pos_k + α) / (Σ pos + α·B),  %negatives_k = (neg_k + α) / (Σ neg + α·B);
// a bin not counted has WOE 0. A party's contribution is −Σ_j WOE_j over its own columns, the
// guest's plus the prior ln(P/N): the contributions add up to the logit.
import { inputError } from '../../check.ts';
import type { Matrix } from '../../matrix.ts';
import { blockOffsets, countedColumns, type NaiveBayesBinning } from './bins.ts';

/** Per feature, per bin (the missing-values bin last), its WOE, from the positives of every counted bin (in countedColumns order). */
export function weightsOfEvidence(binning: NaiveBayesBinning, positives: ArrayLike<number>, smoothing: number): number[][] {
  if (!(smoothing > 0 && Number.isFinite(smoothing))) throw inputError('smoothing', 'a finite number above 0', String(smoothing));
  const counted = countedColumns(binning).length;
  if (positives.length !== counted) throw inputError('positives', `${counted} counted bins' positives`, String(positives.length));
  let at = 0;
  return binning.features.map((f) => {
    const bins = f.rows.map((rows, k) => {
      if (!f.counted[k]) return undefined;
      const pos = positives[at++] as number;
      if (!(Number.isInteger(pos) && pos >= 0 && pos <= rows)) throw inputError(`positives of ${f.name}, bin ${k}`, `a whole count from 0 to its ${rows} rows`, String(pos));
      return { pos, neg: rows - pos };
    });
    const kept = bins.filter((b) => b !== undefined);
    const alpha = smoothing * kept.length;
    const P = kept.reduce((s, b) => s + b.pos, 0) + alpha;
    const N = kept.reduce((s, b) => s + b.neg, 0) + alpha;
    return bins.map((b) => (b === undefined ? 0 : Math.log(((b.neg + smoothing) / N) / ((b.pos + smoothing) / P))));
  });
}

/** ln(P/N) of the training labels: the guest's prior log-odds. */
export function priorLogOdds(y: ArrayLike<number>): number {
  let positives = 0;
  for (let i = 0; i < y.length; i++) positives += y[i] ? 1 : 0;
  const negatives = y.length - positives;
  if (positives === 0 || negatives === 0) throw inputError('labels', 'positive and negative training rows', `${positives} positives, ${negatives} negatives`);
  return Math.log(positives / negatives);
}

/** The party's part as weights on its bin indicators: −WOE of each bin, in indicator order. */
export function indicatorWeights(binning: NaiveBayesBinning, woe: readonly (readonly number[])[]): Float64Array {
  const offsets = blockOffsets(binning);
  const w = new Float64Array(offsets.at(-1) as number);
  binning.features.forEach((f, j) => {
    const row = woe[j];
    if (row?.length !== f.rows.length) throw inputError(`woe[${j}]`, `${f.rows.length} values for ${f.name}`, String(row?.length));
    row.forEach((v, k) => (w[(offsets[j] as number) + k] = -v));
  });
  return w;
}

/** intercept + Σ_j w_j·x̃_j per row of bin indicators x̃. */
export function contributionOf(indicators: Matrix, w: Float64Array, intercept: number): Float64Array {
  if (indicators.cols !== w.length) throw inputError('indicators', `${w.length} columns`, String(indicators.cols));
  const out = new Float64Array(indicators.rows).fill(intercept);
  for (let i = 0; i < indicators.rows; i++) {
    let s = 0;
    for (let j = 0; j < w.length; j++) s += (indicators.data[i * w.length + j] as number) * (w[j] as number);
    out[i] = (out[i] as number) + s;
  }
  return out;
}
