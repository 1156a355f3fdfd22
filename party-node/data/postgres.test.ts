// The PostgreSQL connector against a real server started for this file (postgres.fixture.ts):
// tables and queries give the same Dataset as the CSV of the same rows, reads stream through COPY,
// and a server that is down, a refused login or a failing query each give an error that
// names the party, the dataset and the cause, and never the connection string or the password.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fate } from '../../data/sets.ts';
import { FedmarkError } from '../../errors/table.ts';
import { freePort } from '../../testing/fixtures.ts';
import { DataCatalogue, type DatasetsConfig } from './catalogue.ts';
import { loadDataset, type Dataset } from './dataset.ts';
import { startPostgres, type TestPostgres } from './postgres.fixture.ts';

const PASSWORD = 'canary-Pa55word-8c1f';
let server: TestPostgres;
let csv: Dataset;

function catalogue(datasets: DatasetsConfig): DataCatalogue {
  return new DataCatalogue('bank', { datasets, baseDir: '/nonexistent' });
}

async function failure(loading: Promise<unknown>): Promise<FedmarkError> {
  const err: unknown = await loading.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(FedmarkError);
  return err as FedmarkError;
}

beforeAll(async () => {
  server = await startPostgres();
  await server.sql('CREATE DATABASE crm');
  await server.sql(`CREATE ROLE analyst LOGIN PASSWORD '${PASSWORD}'`);
  csv = await loadDataset({ path: fate('breast_hetero_guest'), idColumn: 'id', labelColumn: 'y' }, { party: 'bank' });
  const columns = csv.featureNames.map((n) => `"${n}" double precision`).join(', ');
  await server.sql(`CREATE TABLE customers (id text PRIMARY KEY, y integer, ${columns}, segment text, opened date)`, 'crm');
  const width = csv.featureNames.length;
  const rows = csv.rawIds.map((id, r) => `('${id}', ${csv.labels![r]}, ${Array.from(csv.features.subarray(r * width, (r + 1) * width)).join(', ')}, 'retail', DATE '2020-01-01')`);
  await server.sql(`INSERT INTO customers VALUES ${rows.join(',\n')}`, 'crm');
  await server.sql('CREATE TABLE big AS SELECT \'c\' || g AS id, (g % 2)::int AS y, g * 0.5 AS v FROM generate_series(1, 25000) AS g', 'crm');
  await server.sql("CREATE TABLE flags AS SELECT 'f' || g AS id, g % 3 <> 0 AS ok, g % 2 = 0 AS y, g % 5 = 0 AS b, CASE WHEN g % 7 = 0 THEN NULL ELSE g * 0.25 END AS v FROM generate_series(1, 30) AS g", 'crm');
  await server.sql('GRANT SELECT ON ALL TABLES IN SCHEMA public TO analyst', 'crm');
});

afterAll(async () => {
  await server?.stop();
});

describe('PostgreSQL datasets', () => {
  it('a table gives the same Dataset as the CSV of the same rows', async () => {
    const { dataset } = await catalogue({ contacts: { postgres: { url: server.url('analyst', PASSWORD, 'crm'), table: 'public.customers' }, idColumn: 'id' } })
      .load({ dataset: 'contacts', labelColumn: 'y', features: csv.featureNames });
    expect(dataset.rows).toBe(569);
    expect(dataset.rawIds).toEqual(csv.rawIds);
    expect(dataset.featureNames).toEqual(csv.featureNames);
    expect(Array.from(dataset.features)).toEqual(Array.from(csv.features));
    expect(Array.from(dataset.labels!)).toEqual(Array.from(csv.labels!));
    expect(dataset.file).toBe('dataset "contacts"');
  });

  it('a query streams through COPY (25,000 rows)', async () => {
    const { dataset } = await catalogue({ big: { postgres: { url: server.url('analyst', PASSWORD, 'crm'), query: 'SELECT id, y, v FROM big WHERE y = 1 ORDER BY v' } } })
      .load({ dataset: 'big', idColumn: 'id', labelColumn: 'y' });
    expect(dataset.rows).toBe(12_500);
    expect(dataset.rawIds[0]).toBe('c1');
    expect(dataset.rawIds.at(-1)).toBe('c24999');
    expect(dataset.features[12_499]).toBe(24_999 * 0.5);
    expect(dataset.stats.labelPositives).toBe(12_500);
  });

  it('reads boolean consent, label and feature columns (COPY writes them t/f) and NULL as missing', async () => {
    const { dataset } = await catalogue({ flags: { postgres: { url: server.url('analyst', PASSWORD, 'crm'), table: 'flags' }, idColumn: 'id', consentColumn: 'ok' } })
      .load({ dataset: 'flags', labelColumn: 'y' });
    const kept = Array.from({ length: 30 }, (_, i) => i + 1).filter((g) => g % 3 !== 0);
    expect(dataset.rawIds).toEqual(kept.map((g) => `f${g}`));
    expect(Array.from(dataset.labels!)).toEqual(kept.map((g) => (g % 2 === 0 ? 1 : 0)));
    expect(dataset.featureNames).toEqual(['b', 'v']);
    expect(Array.from(dataset.features)).toEqual(kept.flatMap((g) => [g % 5 === 0 ? 1 : 0, g % 7 === 0 ? Number.NaN : g * 0.25]));
    expect(dataset.withoutConsent).toEqual(new Set(['f3', 'f6', 'f9', 'f12', 'f15', 'f18', 'f21', 'f24', 'f27', 'f30']));
  });

  it('lists name, columns with types and row count', async () => {
    const listing = await catalogue({ contacts: { postgres: { url: server.url('analyst', PASSWORD, 'crm'), table: 'customers' } } }).list();
    expect(listing).toHaveLength(1);
    expect(listing[0]!.rows).toBe(569);
    expect(listing[0]!.columns!.slice(0, 3)).toEqual([{ name: 'id', type: 'text' }, { name: 'y', type: 'integer' }, { name: 'x0', type: 'number' }]);
    expect(listing[0]!.columns!.slice(-2)).toEqual([{ name: 'segment', type: 'text' }, { name: 'opened', type: 'date' }]);
    expect(JSON.stringify(listing)).not.toContain(PASSWORD);
  });

  it('a text column used as a numeric feature is refused by its type, naming the column', async () => {
    const err = await failure(catalogue({ contacts: { postgres: { url: server.url('analyst', PASSWORD, 'crm'), table: 'customers' }, idColumn: 'id' } })
      .load({ dataset: 'contacts', features: ['x0', 'segment'] }));
    expect(err.code).toBe('FM_ERR_DATA_TYPE');
    expect(err.message).toBe('party bank: dataset "contacts": column "segment" is of type text; a numeric feature needs an integer, floating-point or boolean column (list it under categorical if it is one)');
  });

  it('a server that is down: the party, the dataset and the cause; no URL, host, port or password', async () => {
    const port = await freePort();
    const url = `postgres://analyst:${PASSWORD}@127.0.0.1:${port}/crm`;
    const err = await failure(catalogue({ contacts: { postgres: { url, table: 'customers' }, idColumn: 'id' } }).load({ dataset: 'contacts' }));
    expect(err.code).toBe('FM_ERR_DATA_SOURCE');
    expect(err.message).toBe('party bank: dataset "contacts" is unavailable: the PostgreSQL server cannot be reached or refused the connection (connection refused)');
  });

  it('a wrong password: authentication failed, without the user or either password', async () => {
    const err = await failure(catalogue({ contacts: { postgres: { url: server.url('analyst', 'wrong-canary-pw', 'crm'), table: 'customers' }, idColumn: 'id' } }).load({ dataset: 'contacts' }));
    expect(err.code).toBe('FM_ERR_DATA_SOURCE');
    expect(err.message).toContain('(authentication failed)');
    for (const secret of ['wrong-canary-pw', PASSWORD, 'analyst', String(server.port)]) expect(err.message).not.toContain(secret);
  });

  it('a failing query names the cause (SQLSTATE and the object), not the connection', async () => {
    const err = await failure(catalogue({ contacts: { postgres: { url: server.url('analyst', PASSWORD, 'crm'), table: 'nosuch' }, idColumn: 'id' } }).load({ dataset: 'contacts' }));
    expect(err.code).toBe('FM_ERR_DATA_SOURCE');
    expect(err.message).toBe('party bank: dataset "contacts" is unavailable: the PostgreSQL query failed (SQLSTATE 42P01: relation "nosuch" does not exist)');
  });

  it('a data exception does not quote the offending value (it may be a customer\'s)', async () => {
    const err = await failure(catalogue({ q: { postgres: { url: server.url('analyst', PASSWORD, 'crm'), query: "SELECT id, 'salary-99871'::int AS v FROM customers" }, idColumn: 'id' } }).load({ dataset: 'q' }));
    expect(err.code).toBe('FM_ERR_DATA_SOURCE');
    expect(err.message).toContain('SQLSTATE 22P02: a value could not be converted');
    expect(err.message).not.toContain('salary-99871');
  });
});
