// Per-party binning for gradient-boosted trees (design note protocols.md, "Vertical gradient-boosted
// trees"): each party turns its own columns into one-byte bin codes, fitted on its training rows;
// the edges and categories never leave the party.
//   numeric column: the quantile edges of models/features/binning.ts (fitQuantileBins: `bins`
//     quantiles, tied edges merged, right-closed bins); value v → code = the number of edges below v.
//   categorical column: the values are the party's category indices 0, 1, …; code = the index. A
//     column whose largest index in training is maxCategories or more is refused, naming the column.
//   missing (NaN), and at apply time an unseen category: NO_BIN. Such rows fall in no bin of the
//     histogram; split finding gets their sums as the node's total minus the bins' (split.ts) and
//     learns their default direction.
// Codes fit in a byte: at most MAX_BINS = 254 bins per column, NO_BIN = 255.

import { checkInteger, describeValue, inputError } from '../../check.ts';
import { binIndex, fitQuantileBins } from '../../features/binning.ts';
import { checkMatrix, type Matrix } from '../../matrix.ts';

export const NO_BIN = 255;
export const MAX_BINS = 254;

export type ColumnBinning =
  | { kind: 'numeric'; edges: number[] }
  | { kind: 'categorical'; categories: number };

/** A party's fitted binning: plain JSON, kept by the party with its split records. */
export interface PartyBinning {
  version: 1;
  names: string[];
  columns: ColumnBinning[];
}

/** A party's rows as bin codes, row-major (codes[i·cols + j]), with each column's number of bins. */
export interface BinnedColumns {
  rows: number;
  cols: number;
  codes: Uint8Array;
  binCounts: Uint16Array;
  categorical: Uint8Array;
}

export interface BinningOptions {
  /** Quantile bins per numeric column (default 32). */
  bins?: number;
  /** Indices of the categorical columns (their values are category indices). */
  categorical?: readonly number[];
  /** Largest number of categories a categorical column may have (default 64). */
  maxCategories?: number;
  /** Column names for messages and the card; default x0, x1, … */
  names?: readonly string[];
}

export const BINNING_DEFAULTS = Object.freeze({ bins: 32, maxCategories: 64 });

function columnName(names: readonly string[], j: number): string {
  return `x column "${names[j]}"`;
}

function checkNames(names: unknown, cols: number): string[] {
  if (names === undefined) return Array.from({ length: cols }, (_, j) => `x${j}`);
  if (!Array.isArray(names) || names.length !== cols || !names.every((n) => typeof n === 'string' && n.length > 0)) {
    throw inputError('options.names', `${cols} non-empty strings (one per column)`, describeValue(names));
  }
  return [...names] as string[];
}

function categoricalFlags(list: unknown, cols: number): Uint8Array {
  const flags = new Uint8Array(cols);
  if (list === undefined) return flags;
  if (!Array.isArray(list)) throw inputError('options.categorical', 'an array of column indices', describeValue(list));
  list.forEach((j, k) => {
    checkInteger(`options.categorical[${k}]`, j, 0, cols - 1);
    flags[j as number] = 1;
  });
  return flags;
}

/** Fits each column's bins on the party's training rows `x` (NaN = missing). */
export function fitPartyBinning(x: Matrix, options: BinningOptions = {}): PartyBinning {
  checkMatrix('x', x);
  const bins = checkInteger('options.bins', options.bins ?? BINNING_DEFAULTS.bins, 2, MAX_BINS);
  const maxCategories = checkInteger('options.maxCategories', options.maxCategories ?? BINNING_DEFAULTS.maxCategories, 1, MAX_BINS);
  const names = checkNames(options.names, x.cols);
  const categorical = categoricalFlags(options.categorical, x.cols);
  const { data, rows, cols } = x;
  const quantiles = fitQuantileBins(x, bins);
  const columns: ColumnBinning[] = [];
  for (let j = 0; j < cols; j++) {
    if (!categorical[j]) {
      columns.push({ kind: 'numeric', edges: quantiles.edges[j] as number[] });
      continue;
    }
    let largest = -1;
    for (let i = 0; i < rows; i++) {
      const v = data[i * cols + j] as number;
      if (v !== v) continue;
      if (!Number.isInteger(v) || v < 0) throw inputError(columnName(names, j), 'category indices (integers from 0) or NaN', `another value at row ${i}`);
      if (v > largest) largest = v;
    }
    if (largest >= maxCategories) {
      throw inputError(columnName(names, j), `a categorical column with at most maxCategories = ${maxCategories} categories`, `${largest + 1} categories`);
    }
    columns.push({ kind: 'categorical', categories: largest + 1 });
  }
  return { version: 1, names, columns };
}

/** Checks a binning that came back from storage (JSON) before use. */
export function checkPartyBinning(param: string, value: unknown): PartyBinning {
  const b = value as Partial<PartyBinning> | null;
  if (typeof b !== 'object' || b === null || b.version !== 1 || !Array.isArray(b.names) || !Array.isArray(b.columns) || b.names.length !== b.columns.length) {
    throw inputError(param, 'a version 1 party binning with one name per column', describeValue(value));
  }
  b.columns.forEach((c: unknown, j) => {
    const col = c as Partial<{ kind: string; edges: unknown; categories: unknown }> | null;
    const ok =
      typeof col === 'object' && col !== null &&
      ((col.kind === 'numeric' && Array.isArray(col.edges) && col.edges.length < MAX_BINS &&
        col.edges.every((v, k, e) => typeof v === 'number' && Number.isFinite(v) && (k === 0 || v > (e[k - 1] as number)))) ||
        (col.kind === 'categorical' && Number.isInteger(col.categories) && (col.categories as number) >= 0 && (col.categories as number) <= MAX_BINS));
    if (!ok) throw inputError(`${param}.columns[${j}]`, `ascending edges (fewer than ${MAX_BINS}) or a category count up to ${MAX_BINS}`, describeValue(c));
  });
  return b as PartyBinning;
}

/** Number of bins of each column. */
export function binCountsOf(binning: PartyBinning): Uint16Array {
  return Uint16Array.from(binning.columns, (c) => (c.kind === 'numeric' ? c.edges.length + 1 : c.categories));
}

/** Codes for the rows of `x` (same columns as the fit): training, evaluation or scoring rows. */
export function applyPartyBinning(binning: PartyBinning, x: Matrix): BinnedColumns {
  const b = checkPartyBinning('binning', binning);
  checkMatrix('x', x, b.columns.length);
  const { data, rows, cols } = x;
  const codes = new Uint8Array(rows * cols);
  const edges = b.columns.map((c) => (c.kind === 'numeric' ? Float64Array.from(c.edges) : undefined));
  for (let j = 0; j < cols; j++) {
    const column = b.columns[j] as ColumnBinning;
    const e = edges[j];
    for (let i = 0; i < rows; i++) {
      const v = data[i * cols + j] as number;
      let code = NO_BIN;
      if (v === Infinity || v === -Infinity) throw inputError(columnName(b.names, j), 'finite values or NaN for missing', `an infinite value at row ${i}`);
      if (v === v) {
        if (e !== undefined) code = binIndex(e, v);
        else if (Number.isInteger(v) && v >= 0 && v < (column as { categories: number }).categories) code = v;
      }
      codes[i * cols + j] = code;
    }
  }
  return { rows, cols, codes, binCounts: binCountsOf(b), categorical: Uint8Array.from(b.columns, (c) => (c.kind === 'categorical' ? 1 : 0)) };
}
