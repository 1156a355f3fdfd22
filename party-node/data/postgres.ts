// PostgreSQL tables and queries through node-postgres, streamed with COPY (query) TO STDOUT in CSV
// (pg-copy-streams) and parsed in batches by the CSV reader (csvStream.ts), so neither the server
// nor this process ever builds one result of the whole table: memory holds one batch beside the
// columns the loader keeps. COPY rather than a cursor (pg-cursor, used before): the client parses
// bytes instead of making a JS value per cell and an array per row; loading 300,000 rows of 12
// columns took 390k–570k rows per CPU-second through COPY against 370k–410k through the cursor
// (three warm runs each, this project's 2-core machine). Column types come from a zero-row run of
// the query (its row description), never from the text; COPY writes booleans as t/f, read here
// as true/false.
//
// Errors name the party, the dataset and the cause, never the connection string, the user or a
// password. A server's error text is passed on only for SQLSTATE classes whose messages name
// objects (42: an unknown table or column, a syntax error); others — data exceptions in
// particular, which quote the offending value — are reduced to their class and code.

import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { FedmarkError } from '../../errors/table.ts';
import type { CsvTable, DataSource } from './csv.ts';
import { csvBatches } from './csvStream.ts';
import type { TableBatch } from './dataset.ts';
import type { ColumnType, Table } from './table.ts';

export interface PostgresSource {
  /** postgres://user:password@host:port/database, or with ?host=/socket/dir for a unix socket. */
  url: string;
  /** schema.table or table: read whole. */
  table?: string;
  /** A SELECT whose rows are the dataset. */
  query?: string;
}

const CONNECT_TIMEOUT_MS = 10_000;

// Type OIDs of pg_catalog.pg_type for the types a customer table holds.
const TYPES: Record<number, ColumnType> = {
  16: 'boolean',
  20: 'integer', 21: 'integer', 23: 'integer',
  700: 'number', 701: 'number', 1700: 'number',
  18: 'text', 19: 'text', 25: 'text', 1042: 'text', 1043: 'text', 2950: 'text',
  1082: 'date', 1114: 'date', 1184: 'date',
};

/** Column names and types, from a zero-row run of the query. */
async function shapeOf(client: pg.ClientBase, sql: string): Promise<Array<{ name: string; type: ColumnType }>> {
  const shape = await client.query({ text: `SELECT * FROM (${sql}) AS fedmark_source LIMIT 0`, rowMode: 'array' });
  return shape.fields.map((f) => ({ name: f.name, type: TYPES[f.dataTypeID] ?? 'other' }));
}

/** Column names and types (from a zero-row run of the query) and the row count. */
export async function describePostgres(src: PostgresSource, source: DataSource): Promise<{ columns: Array<{ name: string; type: ColumnType }>; rows: number }> {
  return withClient(src, source, async (client) => {
    const sql = selectSql(src);
    const columns = await shapeOf(client, sql);
    const count = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM (${sql}) AS fedmark_source`);
    return { columns, rows: Number(count.rows[0]?.n ?? 0) };
  });
}

// A table's change marker from the server's cumulative statistics: rows inserted, updated and
// deleted since the statistics began, live rows (which TRUNCATE resets without counting
// deletions) and the column definitions (a DDL change). NULL where the statistics cannot tell:
// counting is off (track_counts), the server is a standby (replayed changes are not counted
// there), or the name is not a plain table (a view has no statistics).
const TABLE_MARKER_SQL = `
  SELECT concat_ws(' ', s.n_tup_ins, s.n_tup_upd, s.n_tup_del, s.n_live_tup,
           (SELECT string_agg(a.attname || ':' || a.atttypid, ',' ORDER BY a.attnum) FROM pg_attribute a
             WHERE a.attrelid = s.relid AND a.attnum > 0 AND NOT a.attisdropped)) AS marker
    FROM pg_stat_user_tables s
   WHERE s.relid = to_regclass($1) AND current_setting('track_counts')::boolean AND NOT pg_is_in_recovery()`;

/**
 * What changes when the dataset's rows may have changed, without reading them: the operator's
 * `changeQuery` (its first row, as text) when the dataset has one, else for a table its
 * statistics counters (TABLE_MARKER_SQL); undefined when neither can tell (a query without a
 * changeQuery, or statistics that cannot be trusted), and the caller reads the rows again.
 */
export async function postgresChangeMarker(src: PostgresSource, changeQuery: string | undefined, source: DataSource): Promise<string | undefined> {
  if (changeQuery === undefined && src.table === undefined) return undefined;
  return withClient(src, source, async (client) => {
    if (changeQuery !== undefined) {
      const result = await client.query({ text: changeQuery, rowMode: 'array' });
      return `query\u0000${JSON.stringify(result.rows[0] ?? null)}`;
    }
    const result = await client.query<{ marker: string }>(TABLE_MARKER_SQL, [quoteTable(src.table ?? '')]);
    const marker = result.rows[0]?.marker;
    return marker === undefined ? undefined : `stats\u0000${marker}`;
  });
}

/** The table or query result in batches of about BATCH_BYTES of CSV text, each with the columns' declared types. */
export async function* readPostgresBatches(src: PostgresSource, source: DataSource): AsyncGenerator<TableBatch> {
  const { client, fail } = await connect(src, source);
  try {
    const sql = selectSql(src);
    const types = (await shapeOf(client, sql).catch(fail)).map((c) => c.type);
    const copy = client.query(copyTo(`COPY (${sql}) TO STDOUT WITH (FORMAT csv, HEADER)`));
    try {
      for await (const { table, firstRow } of csvBatches(copy as AsyncIterable<Buffer>, { ...source, delimiter: ',' })) {
        yield { table: new TypedCsv(table, types), firstRow };
      }
    } catch (err) {
      fail(err);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A batch of COPY's CSV with the types of the query's columns; booleans read as true/false, 1/0. */
class TypedCsv implements Table {
  readonly header: readonly string[];
  readonly rows: number;
  readonly types: readonly ColumnType[];
  private readonly csv: CsvTable;

  constructor(csv: CsvTable, types: readonly ColumnType[]) {
    this.csv = csv;
    this.header = csv.header;
    this.rows = csv.rows;
    this.types = types;
  }

  field(row: number, column: number): string {
    const text = this.csv.field(row, column);
    if (this.types[column] !== 'boolean') return text;
    return text === 't' ? 'true' : text === 'f' ? 'false' : text;
  }

  number(row: number, column: number): number | undefined {
    if (this.types[column] !== 'boolean') return this.csv.number(row, column);
    const text = this.csv.field(row, column);
    return text === 't' ? 1 : text === 'f' ? 0 : text === '' ? Number.NaN : undefined;
  }
}

async function withClient<T>(src: PostgresSource, source: DataSource, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const { client, fail } = await connect(src, source);
  try {
    return await work(client).catch(fail);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A connected client, and the converter of its query failures to errors that name no secret. */
async function connect(src: PostgresSource, source: DataSource): Promise<{ client: pg.Client; fail: (err: unknown) => never }> {
  const client = new pg.Client({ connectionString: src.url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, application_name: 'fedmark' });
  // A server that drops the connection later emits 'error' on the client; the awaited query rejects too.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw new FedmarkError('FM_ERR_DATA_SOURCE', { ...source, reason: `the PostgreSQL server cannot be reached or refused the connection (${connectReason(err)})` }, { cause: err });
  }
  const fail = (err: unknown): never => {
    if (err instanceof FedmarkError) throw err;
    throw new FedmarkError('FM_ERR_DATA_SOURCE', { ...source, reason: `the PostgreSQL query failed (${queryReason(err)})` }, { cause: err });
  };
  return { client, fail };
}

function selectSql(src: PostgresSource): string {
  if (src.query !== undefined) return src.query.trim().replace(/;\s*$/, '');
  return `SELECT * FROM ${quoteTable(src.table ?? '')}`;
}

/** `schema.table` with each part quoted, so a configured name is never read as SQL. */
export function quoteTable(name: string): string {
  return name.split('.').map((part) => `"${part.replaceAll('"', '""')}"`).join('.');
}

function connectReason(err: unknown): string {
  const code = errField(err, 'code');
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  if (code === 'ENOENT') return 'no server socket at the configured place';
  if (code === 'ETIMEDOUT' || errField(err, 'message')?.includes('timeout') === true) return 'timed out';
  if (code === '28P01' || code === '28000') return 'authentication failed';
  if (code === '3D000') return 'the database does not exist';
  return code === undefined ? 'connection failed' : `connection failed, ${code}`;
}

function queryReason(err: unknown): string {
  const code = errField(err, 'code');
  const message = errField(err, 'message');
  if (code?.startsWith('42') && message !== undefined) return `SQLSTATE ${code}: ${message.slice(0, 200)}`;
  if (code?.startsWith('22')) return `SQLSTATE ${code}: a value could not be converted`;
  if (code === '57014') return 'SQLSTATE 57014: cancelled (statement timeout)';
  return code === undefined ? 'the connection was lost' : `SQLSTATE ${code}`;
}

function errField(err: unknown, key: 'code' | 'message'): string | undefined {
  if (typeof err !== 'object' || err === null || !(key in err)) return undefined;
  const value = (err as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : undefined;
}
