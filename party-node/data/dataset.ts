// Turns one party's table (a CSV file here, or any connector's Table) into the form the training
// code uses, keeping only customers who consented. Order of checks, each over the whole table
// before the next:
//   1. consent, on every row: non-consenting rows are dropped from everything after step 2;
//   2. IDs, on every row: an empty or duplicate ID is an error even on a non-consenting row,
//      because the ID column is the file's key and a clash means the export is wrong;
//   3. labels and features, on consenting rows only: the other rows are never used, so a bad
//      cell there must not stop the party (and their values never enter any statistic).
// Row numbers in errors are 1-based data records (row 1 = first record after the header),
// as in csv.ts.

import { basename, isAbsolute } from 'node:path';
import { FedmarkError } from '../../errors/table.ts';
import { planColumns } from './columns.ts';
import { parseCsv } from './csv.ts';
import type { DataSource } from './csv.ts';
import { encodeFeatures } from './encode.ts';
import { readDataFile } from './read-file.ts';
import type { ColumnPlan } from './columns.ts';
import type { Table } from './table.ts';
import type { Dataset, DatasetSpec, TableSpec } from './types.ts';
import { normalizeId, parseBinary, parseConsent } from './values.ts';

export type { Dataset, DatasetSpec, DatasetStats, TableSpec } from './types.ts';
export { normalizeId } from './values.ts';

export async function loadDataset(spec: DatasetSpec, ctx: { party: string; file?: string }): Promise<Dataset> {
  const source: DataSource = { party: ctx.party, file: ctx.file ?? basename(spec.path) };
  checkSpec(spec, source);

  const bytes = await readDataFile(spec.path, source);
  const table = parseCsv(bytes, spec.delimiter === undefined ? source : { ...source, delimiter: spec.delimiter });
  return datasetFromTable(table, spec, source);
}

/** The Dataset of any connector's table; `source.file` is the display name errors use. */
export function datasetFromTable(table: Table, spec: TableSpec, source: DataSource): Dataset {
  if (typeof spec.idColumn !== 'string' || spec.idColumn.trim() === '') {
    throw new FedmarkError('FM_ERR_DATA_SPEC', { ...source, field: 'idColumn', reason: 'expected a column name' });
  }
  if (table.rows === 0) throw new FedmarkError('FM_ERR_DATA_EMPTY', { ...source });
  const plan = planColumns(spec, table.header, source);
  checkTypes(table, plan, source);

  const kept = plan.consent === undefined ? allRows(table.rows) : consentingRows(table, plan.consent, source);
  const { ids, rawIds, withoutConsent } = checkIds(table, plan.id, spec.idCaseSensitive ?? false, kept, source);
  const labels = plan.label === undefined ? undefined : readLabels(table, plan.label, kept, source);
  const encoded = encodeFeatures(table, plan.features, kept, source);

  const dataset: Dataset = {
    party: source.party,
    file: source.file,
    ids,
    rawIds,
    withoutConsent,
    featureNames: encoded.names,
    features: encoded.matrix,
    rows: kept.length,
    stats: {
      totalRows: table.rows,
      consentingRows: kept.length,
      droppedWithoutConsent: table.rows - kept.length,
      features: encoded.names.length,
      missingRate: encoded.missingRate,
    },
    encodings: encoded.encodings,
  };
  if (labels !== undefined) {
    dataset.labels = labels;
    dataset.stats.labelPositives = labels.reduce((sum, y) => sum + y, 0);
  }
  return dataset;
}

function checkSpec(spec: DatasetSpec, source: DataSource): void {
  const bad = (field: string, reason: string): never => {
    throw new FedmarkError('FM_ERR_DATA_SPEC', { ...source, field, reason });
  };
  if (typeof spec.path !== 'string' || !isAbsolute(spec.path)) bad('path', 'expected an absolute path');
  if (typeof spec.idColumn !== 'string' || spec.idColumn.trim() === '') bad('idColumn', 'expected a column name');
}

// A typed source declares what a column holds: a numeric feature stored as text or as a date is
// refused by its type before any cell is read, naming the column rather than its first bad row.
const NUMERIC: ReadonlySet<string> = new Set(['integer', 'number', 'boolean']);
const BINARY: ReadonlySet<string> = new Set(['integer', 'number', 'boolean', 'text']);

function checkTypes(table: Table, plan: ColumnPlan, source: DataSource): void {
  const { types } = table;
  if (types === undefined) return;
  const wrong = (index: number, expected: string): never => {
    throw new FedmarkError('FM_ERR_DATA_TYPE', { ...source, column: table.header[index]!, type: types[index]!, expected });
  };
  for (const f of plan.features) {
    if (!f.categorical && !NUMERIC.has(types[f.index]!)) wrong(f.index, 'a numeric feature needs an integer, floating-point or boolean column (list it under categorical if it is one)');
  }
  if (plan.label !== undefined && !BINARY.has(types[plan.label]!)) wrong(plan.label, 'a label needs a 0/1, boolean or yes/no column');
  if (plan.consent !== undefined && !BINARY.has(types[plan.consent]!)) wrong(plan.consent, 'a consent column needs a 0/1, boolean or Y/N column');
}

function allRows(rows: number): Uint32Array {
  const kept = new Uint32Array(rows);
  for (let r = 0; r < rows; r++) kept[r] = r;
  return kept;
}

function consentingRows(table: Table, column: number, source: DataSource): Uint32Array {
  const kept: number[] = [];
  for (let r = 0; r < table.rows; r++) {
    const consent = parseConsent(table.field(r, column));
    if (consent === undefined) {
      throw new FedmarkError('FM_ERR_DATA_CONSENT', {
        ...source,
        row: r + 1,
        column: table.header[column]!.trim(),
      });
    }
    if (consent) kept.push(r);
  }
  return Uint32Array.from(kept);
}

function checkIds(
  table: Table,
  column: number,
  caseSensitive: boolean,
  kept: Uint32Array,
  source: DataSource,
): { ids: string[]; rawIds: string[]; withoutConsent: Set<string> } {
  const name = table.header[column]!.trim();
  const firstRow = new Map<string, number>(); // normalised ID -> 1-based row
  const normalised: string[] = new Array<string>(table.rows);
  for (let r = 0; r < table.rows; r++) {
    const id = normalizeId(table.field(r, column), caseSensitive);
    if (id === '') throw new FedmarkError('FM_ERR_DATA_EMPTY_ID', { ...source, row: r + 1, column: name });
    const first = firstRow.get(id);
    if (first !== undefined) {
      throw new FedmarkError('FM_ERR_DATA_DUPLICATE_ID', { ...source, row: r + 1, column: name, firstRow: first });
    }
    firstRow.set(id, r + 1);
    normalised[r] = id;
  }
  const ids: string[] = [];
  const rawIds: string[] = [];
  for (const r of kept) {
    ids.push(normalised[r]!);
    rawIds.push(table.field(r, column).trim());
  }
  const withoutConsent = new Set(normalised);
  for (const id of ids) withoutConsent.delete(id);
  return { ids, rawIds, withoutConsent };
}

function readLabels(table: Table, column: number, kept: Uint32Array, source: DataSource): Uint8Array {
  const labels = new Uint8Array(kept.length);
  for (let k = 0; k < kept.length; k++) {
    const r = kept[k]!;
    const y = parseBinary(table.field(r, column));
    if (y === undefined) {
      throw new FedmarkError('FM_ERR_DATA_LABEL', {
        ...source,
        row: r + 1,
        column: table.header[column]!.trim(),
      });
    }
    labels[k] = y;
  }
  return labels;
}
