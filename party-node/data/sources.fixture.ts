// Test helpers that put one loaded Dataset into the other kinds of source, so a test can check that
// every connector gives back the same Dataset: a Parquet file (hyparquet-writer) and a PostgreSQL
// table.
import { parquetWriteFile } from 'hyparquet-writer';
import type { Dataset } from './dataset.ts';
import type { TestPostgres } from './postgres.fixture.ts';

type Column = { name: string; type: 'STRING' | 'INT32' | 'DOUBLE'; data: unknown[] };

/** id as text, y (when labelled) as INT32, features as DOUBLE; `replace` swaps in other columns by name. */
export function writeParquetOf(path: string, d: Dataset, replace: Record<string, Omit<Column, 'name'>> = {}, extra: Column[] = []): void {
  const width = d.featureNames.length;
  const features = d.featureNames.map((name, c): Column => (replace[name]
    ? { name, ...replace[name] }
    : { name, type: 'DOUBLE', data: Array.from({ length: d.rows }, (_, r) => d.features[r * width + c]!) }));
  parquetWriteFile({
    filename: path,
    columnData: [
      { name: 'id', type: 'STRING', data: d.rawIds },
      ...(d.labels ? [{ name: 'y', type: 'INT32' as const, data: Array.from(d.labels) }] : []),
      ...features,
      ...extra,
    ],
  });
}

/** CREATE TABLE `table` in `database` with id text, y integer (when labelled) and double features, and the rows. */
export async function copyToPostgres(server: TestPostgres, database: string, table: string, d: Dataset): Promise<void> {
  const width = d.featureNames.length;
  const columns = ['id text PRIMARY KEY', ...(d.labels ? ['y integer'] : []), ...d.featureNames.map((n) => `"${n}" double precision`)];
  await server.sql(`CREATE TABLE ${table} (${columns.join(', ')})`, database);
  const rows = d.rawIds.map((id, r) => {
    const cells = [`'${id.replaceAll("'", "''")}'`, ...(d.labels ? [String(d.labels[r])] : []), ...Array.from(d.features.subarray(r * width, (r + 1) * width), String)];
    return `(${cells.join(', ')})`;
  });
  await server.sql(`INSERT INTO ${table} VALUES ${rows.join(',\n')}`, database);
}
