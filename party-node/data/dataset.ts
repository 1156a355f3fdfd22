// Turns one party's table (a CSV file here, or any connector's batches of rows) into the form the
// training code uses, keeping only customers who consented. The table is read in batches and
// checked row by row (datasetBuilder.ts, which also gives the order in which errors are reported),
// so memory holds the kept columns and one batch of the source, never the whole file.
// Row numbers in errors are 1-based data records (row 1 = first record after the header),
// as in csv.ts.

import { basename, isAbsolute } from 'node:path';
import { FedmarkError } from '../../errors/table.ts';
import type { DataSource } from './csv.ts';
import { csvBatches } from './csvStream.ts';
import { DatasetBuilder, type LoadLimits } from './datasetBuilder.ts';
import { readDataChunks } from './read-file.ts';
import type { Table } from './table.ts';
import type { Dataset, DatasetSpec, TableSpec } from './types.ts';

export type { Dataset, DatasetSpec, DatasetStats, TableSpec } from './types.ts';
export { normalizeId } from './values.ts';

/** Consecutive rows of a table; every batch carries the table's header (and types, when declared). */
export interface TableBatch {
  table: Table;
  /** 0-based data row of the batch's first row in the whole table. */
  firstRow: number;
}

export type { LoadLimits } from './datasetBuilder.ts';

export async function loadDataset(spec: DatasetSpec, ctx: { party: string; file?: string }, limits: LoadLimits = {}): Promise<Dataset> {
  const source: DataSource = { party: ctx.party, file: ctx.file ?? basename(spec.path) };
  checkSpec(spec, source);
  const options = spec.delimiter === undefined ? source : { ...source, delimiter: spec.delimiter };
  return datasetFromBatches(csvBatches(readDataChunks(spec.path, source), options), spec, source, limits);
}

/** The Dataset of a table read in batches; `source.file` is the display name errors use. */
export async function datasetFromBatches(batches: AsyncIterable<TableBatch>, spec: TableSpec, source: DataSource, limits: LoadLimits = {}): Promise<Dataset> {
  let builder: DatasetBuilder | undefined;
  for await (const { table, firstRow } of batches) {
    builder ??= new DatasetBuilder(spec, table, source, limits);
    builder.add(table, firstRow);
  }
  if (builder === undefined) {
    checkIdColumn(spec, source);
    throw new FedmarkError('FM_ERR_DATA_EMPTY', { ...source });
  }
  return builder.finish();
}

/** The Dataset of a table held whole. */
export function datasetFromTable(table: Table, spec: TableSpec, source: DataSource): Dataset {
  checkIdColumn(spec, source);
  if (table.rows === 0) throw new FedmarkError('FM_ERR_DATA_EMPTY', { ...source });
  const builder = new DatasetBuilder(spec, table, source);
  builder.add(table, 0);
  return builder.finish();
}

function checkIdColumn(spec: TableSpec, source: DataSource): void {
  if (typeof spec.idColumn !== 'string' || spec.idColumn.trim() === '') {
    throw new FedmarkError('FM_ERR_DATA_SPEC', { ...source, field: 'idColumn', reason: 'expected a column name' });
  }
}

function checkSpec(spec: DatasetSpec, source: DataSource): void {
  if (typeof spec.path !== 'string' || !isAbsolute(spec.path)) {
    throw new FedmarkError('FM_ERR_DATA_SPEC', { ...source, field: 'path', reason: 'expected an absolute path' });
  }
  checkIdColumn(spec, source);
}
