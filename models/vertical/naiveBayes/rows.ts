// A party's rows as the naive Bayes scorecard trains on them: the one-hot indicators of its own
// bins (bins.ts), fitted on its training rows, for the training, evaluation and population rows;
// the bins go into the party's shard as the mapping. And the plaintext arithmetic every party
// shares: its part of the model from the positives of its counted bins (evidence.ts).
import { positivesPerBin } from '../../explain/ivBins.ts';
import { inputError } from '../../check.ts';
import type { Matrix } from '../../matrix.ts';
import type { PartyRows, PreparedRows } from '../model.ts';
import { binName, countedColumns, fitNaiveBayesBins, indicatorsOf, selectColumns, type NaiveBayesBinning } from './bins.ts';
import { indicatorWeights, weightsOfEvidence } from './evidence.ts';
import type { NaiveBayesTraining } from './settings.ts';

export interface NaiveBayesRows extends PreparedRows {
  binning: NaiveBayesBinning;
}

export function prepareNaiveBayesRows(rows: PartyRows, t: NaiveBayesTraining): { rows: NaiveBayesRows; mapping: NaiveBayesBinning } {
  const binning = fitNaiveBayesBins(rows.train, rows.names, rows.categorical ?? {}, t.bins, t.minCell);
  return {
    rows: {
      train: indicatorsOf(binning, rows.train),
      evaluation: indicatorsOf(binning, rows.evaluation),
      ...(rows.population ? { population: indicatorsOf(binning, rows.population) } : {}),
      names: binning.features.flatMap((f) => f.rows.map((_, k) => binName(f, k))),
      binning,
    },
    mapping: binning,
  };
}

/** The prepared rows a model step was given, with their bins (FM_ERR_MODEL_INPUT when they are another model's). */
export function naiveBayesRowsOf(rows: PreparedRows): NaiveBayesRows {
  const binning = (rows as Partial<NaiveBayesRows>).binning;
  if (!binning) throw inputError('rows', 'rows prepared by the naive Bayes model (with their bins)', 'rows without bins');
  return { ...rows, binning };
}

/** The indicator columns of the counted bins of a party's training rows: what a host's label sums are taken over. */
export function countedIndicators(rows: NaiveBayesRows): Matrix {
  return selectColumns(rows.train, countedColumns(rows.binning));
}

/** A party's part: WOE per bin from its counted bins' positives, and its weights on the bin indicators. */
export function partOf(binning: NaiveBayesBinning, positives: ArrayLike<number>, t: NaiveBayesTraining): { woe: number[][]; weights: Float64Array } {
  const woe = weightsOfEvidence(binning, positives, t.smoothing);
  return { woe, weights: indicatorWeights(binning, woe) };
}

/** A party's part in plaintext, from its own training labels (the guest, and the reference). */
export function plainPart(rows: NaiveBayesRows, y: ArrayLike<number>, t: NaiveBayesTraining): { woe: number[][]; weights: Float64Array } {
  return partOf(rows.binning, positivesPerBin(countedIndicators(rows), y), t);
}
