// The plaintext reference of the naive Bayes scorecard: every party's columns and the labels in
// one place, each party's bins fitted on its own columns exactly as in a federated job (bins.ts),
// its bins' positives counted in plaintext. The federated model must be this one: the hosts' label
// sums arrive through the arbiter as exact whole counts, so every WOE and every score agrees.
import { matrix, type Matrix } from '../../matrix.ts';
import type { NaiveBayesBinning } from './bins.ts';
import { indicatorsOf } from './bins.ts';
import { contributionOf, priorLogOdds } from './evidence.ts';
import { plainPart, prepareNaiveBayesRows } from './rows.ts';
import type { NaiveBayesTraining } from './settings.ts';

export interface ReferenceParty {
  /** The party's raw training columns (categorical ones one-hot, as loaded). */
  train: Matrix;
  names: readonly string[];
  categorical?: Readonly<Record<string, readonly string[]>>;
}

export interface NaiveBayesReference {
  parts: Array<{ binning: NaiveBayesBinning; woe: number[][]; weights: Float64Array; intercept: number }>;
}

/** Trains on the parties' training rows (guest first) and the training labels. */
export function trainNaiveBayesReference(parties: readonly ReferenceParty[], y: Uint8Array, t: NaiveBayesTraining): NaiveBayesReference {
  const prior = priorLogOdds(y);
  return {
    parts: parties.map((p, k) => {
      const { rows } = prepareNaiveBayesRows({ train: p.train, evaluation: matrix(new Float64Array(0), 0, p.train.cols), names: p.names, ...(p.categorical ? { categorical: p.categorical } : {}) }, t);
      return { binning: rows.binning, ...plainPart(rows, y, t), intercept: k === 0 ? prior : 0 };
    }),
  };
}

/** Logits of rows given as each party's raw columns (guest first, the same rows in each). */
export function scoreNaiveBayesReference(model: NaiveBayesReference, xs: readonly Matrix[]): Float64Array {
  const rows = xs[0]?.rows ?? 0;
  const out = new Float64Array(rows);
  model.parts.forEach((part, k) => {
    const u = contributionOf(indicatorsOf(part.binning, xs[k] as Matrix), part.weights, part.intercept);
    for (let i = 0; i < rows; i++) out[i] = (out[i] as number) + (u[i] as number);
  });
  return out;
}
