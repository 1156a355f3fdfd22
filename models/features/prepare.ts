// One entry point for a party's feature preparation before (vertical or local) training:
// fit on the training rows, apply to training and evaluation rows, and return a FeatureMapping,
// a plain JSON-serialisable object the party stores with its part of the model and re-applies
// (applyMapping) to new rows at scoring time. Default: standardise (NaN → training mean);
// with `binning`: quantile bins, one-hot (see binning.ts). The mapping stays at the party.

import { describeValue, inputError } from '../check.ts';
import { checkMatrix, type Matrix } from '../matrix.ts';
import { applyQuantileBins, binNames, checkQuantileBins, fitQuantileBins, type QuantileBins } from './binning.ts';
import { applyStandardizer, checkStandardizer, fitStandardizer, type Standardizer } from './standardize.ts';

export interface PrepareOptions {
  binning?: { method: 'quantile'; bins: number };
  /** Input column names; default x0, x1, … */
  names?: string[];
  /** Standardise train and evaluation in place (they are returned overwritten); binning always makes new matrices. */
  inPlace?: boolean;
}

interface MappingBase {
  version: 1;
  /** Names of the input columns, in order. */
  inputNames: string[];
  /** Names of the prepared columns (the model's features), in order. */
  outputNames: string[];
}

export interface StandardizeMapping extends MappingBase {
  method: 'standardize';
  standardizer: Standardizer;
}

export interface QuantileMapping extends MappingBase {
  method: 'quantile';
  bins: QuantileBins;
}

export type FeatureMapping = StandardizeMapping | QuantileMapping;

export interface PreparedFeatures {
  train: Matrix;
  /** Present when an evaluation matrix was given. */
  evaluation?: Matrix;
  mapping: FeatureMapping;
}

function checkNames(names: unknown, cols: number): string[] {
  if (names === undefined) return Array.from({ length: cols }, (_, j) => `x${j}`);
  if (!Array.isArray(names) || names.length !== cols || !names.every((n) => typeof n === 'string' && n.length > 0)) {
    throw inputError('options.names', `${cols} non-empty strings (one per column)`, describeValue(names));
  }
  if (new Set(names).size !== names.length) throw inputError('options.names', 'distinct names', 'a repeated name');
  return [...names];
}

function checkOptions(options: unknown): PrepareOptions {
  if (typeof options !== 'object' || options === null) throw inputError('options', 'an object', describeValue(options));
  for (const key of Object.keys(options)) {
    if (key !== 'binning' && key !== 'names' && key !== 'inPlace') throw inputError('options', 'only binning, names and inPlace', `key ${key}`);
  }
  const { binning } = options as PrepareOptions;
  if (binning !== undefined && (typeof binning !== 'object' || binning === null || binning.method !== 'quantile')) {
    throw inputError('options.binning', "{ method: 'quantile', bins }", describeValue(binning));
  }
  return options as PrepareOptions;
}

export function prepareFeatures(train: Matrix, evaluation?: Matrix, options: PrepareOptions = {}): PreparedFeatures {
  checkMatrix('train', train);
  if (evaluation !== undefined) checkMatrix('evaluation', evaluation, train.cols);
  const opts = checkOptions(options);
  const inputNames = checkNames(opts.names, train.cols);
  let mapping: FeatureMapping;
  if (opts.binning) {
    const bins = fitQuantileBins(train, opts.binning.bins);
    mapping = { version: 1, method: 'quantile', inputNames, outputNames: binNames(bins, inputNames), bins };
  } else {
    const standardizer = fitStandardizer(train);
    mapping = { version: 1, method: 'standardize', inputNames, outputNames: [...inputNames], standardizer };
  }
  const inPlace = opts.inPlace === true;
  const out: PreparedFeatures = { train: applyMapping(mapping, train, { inPlace }), mapping };
  if (evaluation !== undefined) out.evaluation = applyMapping(mapping, evaluation, { inPlace });
  return out;
}

/** Checks a mapping that came back from storage (JSON) before use. */
export function checkFeatureMapping(param: string, value: unknown): FeatureMapping {
  const m = value as {
    version?: unknown;
    method?: unknown;
    inputNames?: unknown;
    outputNames?: unknown;
    standardizer?: unknown;
    bins?: unknown;
  } | null;
  if (typeof m !== 'object' || m === null || m.version !== 1) throw inputError(param, 'a version 1 feature mapping', describeValue(value));
  const isNames = (a: unknown): a is string[] => Array.isArray(a) && a.every((s) => typeof s === 'string');
  if (!isNames(m.inputNames) || !isNames(m.outputNames)) throw inputError(param, 'inputNames and outputNames as string arrays', 'something else');
  const cols = m.inputNames.length;
  if (m.method === 'standardize') {
    checkStandardizer(`${param}.standardizer`, m.standardizer, cols);
    if (m.outputNames.length !== cols) throw inputError(`${param}.outputNames`, `${cols} names`, `${m.outputNames.length}`);
  } else if (m.method === 'quantile') {
    const bins = checkQuantileBins(`${param}.bins`, m.bins, cols);
    const width = binNames(bins, m.inputNames).length;
    if (m.outputNames.length !== width) throw inputError(`${param}.outputNames`, `${width} names`, `${m.outputNames.length}`);
  } else {
    throw inputError(`${param}.method`, "'standardize' or 'quantile'", describeValue(m.method));
  }
  return m as FeatureMapping;
}

/** Applies a fitted mapping to rows with the mapping's input columns, in the same order; `inPlace` as in PrepareOptions. */
export function applyMapping(mapping: FeatureMapping, x: Matrix, options: { inPlace?: boolean } = {}): Matrix {
  const m = checkFeatureMapping('mapping', mapping);
  checkMatrix('x', x, m.inputNames.length);
  return m.method === 'quantile' ? applyQuantileBins(m.bins, x) : applyStandardizer(m.standardizer, x, options);
}
