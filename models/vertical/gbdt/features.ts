// A party's columns as gradient-boosted trees use them, at that party only: the loader one-hot
// encodes categorical columns (`column=category`, in the category order it kept); trees split a
// categorical column by category sets instead, so each such group goes back to one column of
// category indices (NaN when no category is set, i.e. missing). Then the party's own bins
// (binning.ts), fitted on its training rows. The mapping (which input columns form each column,
// and the bins) stays in the party's shard, for scoring.
// check() runs before PSI: the table must be usable by the model, or the job stops with an error
// naming the party, file and column.

import { FedmarkError } from '../../../errors/table.ts';
import { matrix, type Matrix } from '../../matrix.ts';
import { anyColumnVaries } from '../columnVaries.ts';
import type { PartyRows, PartyTable, PreparedRows } from '../model.ts';
import { applyPartyBinning, checkPartyBinning, fitPartyBinning, type BinnedColumns, type PartyBinning } from './binning.ts';
import type { GbdtTraining } from './settings.ts';

/** Output column k: input column `inputs[0]` as is, or the category index among `inputs` (one-hot). */
export interface GbdtColumn {
  name: string;
  inputs: number[];
  categorical: boolean;
}

export interface GbdtMapping {
  inputNames: string[];
  columns: GbdtColumn[];
  binning: PartyBinning;
}

/** The prepared rows carry their bins: guest and host steps train on the codes. */
export interface GbdtRows extends PreparedRows {
  binning: PartyBinning;
  categorical: number[];
}

/** Groups the one-hot columns of each categorical column back into one column. */
export function gbdtColumns(names: readonly string[], categorical: Readonly<Record<string, readonly string[]>> = {}): GbdtColumn[] {
  const index = new Map(names.map((n, j) => [n, j]));
  const grouped = new Set<number>();
  const columns: GbdtColumn[] = [];
  const groups = new Map<number, GbdtColumn>();
  for (const [name, categories] of Object.entries(categorical)) {
    const inputs = categories.map((c) => index.get(`${name}=${c}`));
    if (inputs.length === 0 || inputs.some((j) => j === undefined)) continue;
    for (const j of inputs as number[]) grouped.add(j);
    groups.set(Math.min(...(inputs as number[])), { name, inputs: inputs as number[], categorical: true });
  }
  names.forEach((name, j) => {
    const group = groups.get(j);
    if (group) columns.push(group);
    else if (!grouped.has(j)) columns.push({ name, inputs: [j], categorical: false });
  });
  return columns;
}

/** The input rows (one-hot as loaded) as the model's columns. */
export function collapse(columns: readonly GbdtColumn[], x: Matrix): Matrix {
  const out = new Float64Array(x.rows * columns.length);
  for (let i = 0; i < x.rows; i++) {
    const base = i * x.cols;
    columns.forEach((c, k) => (out[i * columns.length + k] = collapsedValue(c, x.data, base)));
  }
  return matrix(out, x.rows, columns.length);
}

/** Column `c` of the input row starting at `base`: its value, or a categorical column's level (NaN: missing). */
function collapsedValue(c: GbdtColumn, data: ArrayLike<number>, base: number): number {
  if (!c.categorical) return data[base + (c.inputs[0] as number)] as number;
  let code = NaN;
  c.inputs.forEach((j, level) => {
    if (data[base + j] === 1) code = level;
  });
  return code;
}

export function prepareGbdtRows(rows: PartyRows, t: GbdtTraining): { rows: GbdtRows; mapping: GbdtMapping } {
  const columns = gbdtColumns(rows.names, rows.categorical);
  const categorical = columns.flatMap((c, k) => (c.categorical ? [k] : []));
  const train = collapse(columns, rows.train);
  const binning = fitPartyBinning(train, { bins: t.bins, maxCategories: t.maxCategories, categorical, names: columns.map((c) => c.name) });
  return {
    rows: {
      train,
      evaluation: collapse(columns, rows.evaluation),
      ...(rows.population ? { population: collapse(columns, rows.population) } : {}),
      names: columns.map((c) => c.name),
      binning,
      categorical,
    },
    mapping: { inputNames: [...rows.names], columns, binning },
  };
}

/** The bins of prepared rows, checked (they come back through the model's seam untyped). */
export function binnedRows(rows: PreparedRows): { binning: PartyBinning; train: BinnedColumns; evaluation: BinnedColumns; population?: BinnedColumns; categorical: number[] } {
  const r = rows as Partial<GbdtRows>;
  const binning = checkPartyBinning('rows.binning', r.binning);
  return {
    binning,
    categorical: Array.isArray(r.categorical) ? r.categorical : [],
    train: applyPartyBinning(binning, rows.train),
    evaluation: applyPartyBinning(binning, rows.evaluation),
    ...(rows.population ? { population: applyPartyBinning(binning, rows.population) } : {}),
  };
}

/**
 * Before PSI: categorical columns within maxCategories, both classes in the guest's labels, and a
 * host with at least one column that is not the same (or missing) on every row.
 */
export function checkGbdtTable(table: PartyTable, t: GbdtTraining): void {
  const fail = (column: string, reason: string) => new FedmarkError('FM_ERR_DATA_MODEL', { party: table.party, file: table.file, column, reason });
  for (const [column, categories] of Object.entries(table.categorical)) {
    if (categories.length > t.maxCategories) throw fail(column, `${categories.length} categories, more than training.maxCategories = ${t.maxCategories} (gradient-boosted trees split a categorical column by category sets)`);
  }
  if (table.role === 'guest' && table.labels) {
    let positives = 0;
    for (const v of table.labels) positives += v;
    if (positives === 0 || positives === table.labels.length) throw fail('(label)', `all ${table.labels.length} labels are ${positives === 0 ? 0 : 1}; the trees need both classes`);
  }
  if (table.role !== 'host') return;
  const columns = gbdtColumns(table.names, table.categorical);
  const usable = anyColumnVaries(table, columns.length, (x, i, k) => collapsedValue(columns[k] as GbdtColumn, x.data, i * x.cols));
  if (!usable) throw fail(columns.map((c) => c.name).join(', ') || '(none)', 'no usable feature: every column is the same or missing on every row, so this host could never split a node');
}
