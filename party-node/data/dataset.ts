// Loads one party's CSV into the form the training code uses, keeping only customers who
// consented. Order of checks, each over the whole file before the next:
//   1. consent, on every row: non-consenting rows are dropped from everything after step 2;
//   2. IDs, on every row: an empty or duplicate ID is an error even on a non-consenting row,
//      because the ID column is the file's key and a clash means the export is wrong;
//   3. labels and features, on consenting rows only: the other rows are never used, so a bad
//      cell there must not stop the party (and their values never enter any statistic).
// Row numbers in errors are 1-based data records (row 1 = first record after the header),
// as in csv.ts.

import { basename, isAbsolute } from 'node:path';
import { FedmarkError } from '../../protocol/errors.ts';
import { planColumns } from './columns.ts';
import { parseCsv } from './csv.ts';
import type { CsvTable, DataSource } from './csv.ts';
import { encodeFeatures } from './encode.ts';
import { readDataFile } from './read-file.ts';
import type { Dataset, DatasetSpec } from './types.ts';
import { normalizeId, parseBinary, parseConsent } from './values.ts';

export type { Dataset, DatasetSpec, DatasetStats } from './types.ts';
export { normalizeId } from './values.ts';

export async function loadDataset(spec: DatasetSpec, ctx: { party: string; file?: string }): Promise<Dataset> {
  const source: DataSource = { party: ctx.party, file: ctx.file ?? basename(spec.path) };
  checkSpec(spec, source);

  const bytes = await readDataFile(spec.path, source);
  const table = parseCsv(bytes, spec.delimiter === undefined ? source : { ...source, delimiter: spec.delimiter });
  if (table.rows === 0) throw new FedmarkError('FM_ERR_DATA_EMPTY', { ...source });
  const plan = planColumns(spec, table.header, source);

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

function allRows(rows: number): Uint32Array {
  const kept = new Uint32Array(rows);
  for (let r = 0; r < rows; r++) kept[r] = r;
  return kept;
}

function consentingRows(table: CsvTable, column: number, source: DataSource): Uint32Array {
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
  table: CsvTable,
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

function readLabels(table: CsvTable, column: number, kept: Uint32Array, source: DataSource): Uint8Array {
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
