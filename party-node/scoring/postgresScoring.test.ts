// Scoring from a PostgreSQL dataset against a real server (data/postgres.fixture.ts): a guest's
// part of a model scores the table's current rows, and the cache reads them again when the
// table's statistics or the dataset's changeCheck query say they changed — not before, and not
// more often than changeCheck.everySeconds. A server that goes down or a change query that fails
// during scoring fails the request with an error naming the party, the dataset and the cause,
// never the connection string or the password; so does a table larger than maxTableBytes.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareFeatures } from '../../models/features/prepare.ts';
import { matrix } from '../../models/matrix.ts';
import { readFloat64 } from '../../protocol/peer/blobs.ts';
import { FedmarkError } from '../../errors/table.ts';
import { DataCatalogue, type DatasetsConfig } from '../data/catalogue.ts';
import { startPostgres, type TestPostgres } from '../data/postgres.fixture.ts';
import { deriveHandles } from './handles.ts';
import { ScoringService } from './service.ts';

const PASSWORD = 'canary-Sc0ring-pw-41d7';
const JOB = 'job-pg';
let server: TestPostgres;
let url: string;
// Standardised over the training values 10, 20, 30: mean 20, population sd √(200/3).
const { mapping } = prepareFeatures(matrix(Float64Array.of(10, 20, 30), 3, 1), undefined, { names: ['v'] });
const expected = (v: number) => (v - 20) / Math.sqrt(200 / 3);

beforeAll(async () => {
  server = await startPostgres();
  await server.sql('CREATE DATABASE crm');
  await server.sql(`CREATE ROLE scorer LOGIN PASSWORD '${PASSWORD}'`);
  await server.sql("CREATE TABLE customers (id text PRIMARY KEY, y integer, v double precision, updated_at timestamptz NOT NULL DEFAULT now())", 'crm');
  await server.sql("INSERT INTO customers (id, y, v) VALUES ('C1', 1, 10), ('C2', 0, 20), ('C3', 1, 30)", 'crm');
  await server.sql('CREATE TABLE accounts AS SELECT id, v FROM customers', 'crm');
  await server.sql('CREATE TABLE wide AS SELECT \'w\' || g AS id, g::float8 AS v FROM generate_series(1, 200000) AS g', 'crm');
  await server.sql('GRANT SELECT ON ALL TABLES IN SCHEMA public TO scorer', 'crm');
  url = server.url('scorer', PASSWORD, 'crm');
});

afterAll(async () => {
  await server?.stop();
});

/** A guest after a vertical job on `dataset`: its part of the model (weight 1 on v), the intersection C1, C2, C3 and its handles. */
async function guest(datasets: DatasetsConfig, dataset: string, clock?: { now: number }, maxTableBytes?: number): Promise<{ service: ScoringService; scores: (ids: string[]) => Promise<number[]> }> {
  const dir = await mkdtemp(join(tmpdir(), 'fedmark-pg-score-'));
  await mkdir(join(dir, 'models', 'm'), { recursive: true });
  const inputs = { columns: ['v'], categorical: [], names: ['v'] };
  await writeFile(join(dir, 'models', 'm', `${JOB}.json`), JSON.stringify({ job: JOB, kind: 'vertical', model: 'logistic', role: 'guest', dataset: { dataset, labelColumn: 'y' }, mapping, inputs, weights: [1], intercept: 0 }));
  await mkdir(join(dir, 'jobs', JOB, 'handles'), { recursive: true });
  await writeFile(join(dir, 'jobs', JOB, 'intersection.csv'), 'id\nC1\nC2\nC3\n');
  await writeFile(join(dir, 'jobs', JOB, 'handles', 'insurer.bin'), deriveHandles(Buffer.alloc(32, 5), 3));
  const catalogue = new DataCatalogue('bank', { datasets, baseDir: dir, maxTableBytes });
  const service = new ScoringService({ party: 'bank', workDir: dir, catalogue, log: pino({ level: 'silent' }), ...(clock ? { now: () => clock.now } : {}) });
  const scores = async (ids: string[]) => {
    const { payload } = await service.score({ kind: 'vertical', model: 'm', modelJob: JOB, count: ids.length }, ids);
    return Array.from(readFloat64(payload.subarray(0, ids.length * 8), ids.length, 'scores'));
  };
  return { service, scores };
}

async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  // The server's table statistics reach other sessions when the writing session flushes them (at its end here).
  for (let tries = 0; tries < 100; tries++) {
    const value = await probe();
    if (done(value)) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`never: ${what}`);
}

async function failure(work: Promise<unknown>): Promise<FedmarkError> {
  const err: unknown = await work.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(FedmarkError);
  return err as FedmarkError;
}

describe('scoring from a PostgreSQL dataset', () => {
  it('scores the table\'s current rows, and reads them again when its statistics change', async () => {
    const { service, scores } = await guest({ crm: { postgres: { url, table: 'public.customers' }, idColumn: 'id', changeCheck: { everySeconds: 0 } } }, 'crm');
    const first = await scores(['C1', 'C2']);
    expect(first[0]).toBeCloseTo(expected(10), 12);
    await scores(['C3']);
    expect(service.rows.stats).toEqual({ checks: 2, loads: 1 });
    await server.sql("UPDATE customers SET v = 26 WHERE id = 'C1'", 'crm');
    const changed = await eventually(() => scores(['C1', 'C2']), (s) => s[0] !== first[0], 'the new value of C1 is scored');
    expect(changed[0]).toBeCloseTo(expected(26), 12);
    expect(changed[1]).toBe(first[1]);
    await server.sql("DELETE FROM customers WHERE id = 'C2'", 'crm');
    await eventually(() => scores(['C2']), (s) => Number.isNaN(s[0]), 'the removed C2 is unscorable');
    await server.sql("INSERT INTO customers (id, y, v) VALUES ('C2', 0, 20)", 'crm');
    await server.sql("UPDATE customers SET v = 10 WHERE id = 'C1'", 'crm');
  });

  it('with a changeQuery: reads again as soon as its answer changes, and asks at most every everySeconds', async () => {
    const clock = { now: 0 };
    const datasets: DatasetsConfig = { crm: { postgres: { url, table: 'customers' }, idColumn: 'id', changeCheck: { everySeconds: 60, query: 'SELECT max(updated_at), count(*) FROM customers' } } };
    const { service, scores } = await guest(datasets, 'crm', clock);
    expect((await scores(['C3']))[0]).toBeCloseTo(expected(30), 12);
    await server.sql("UPDATE customers SET v = 35, updated_at = now() WHERE id = 'C3'", 'crm');
    clock.now += 59_000;
    expect((await scores(['C3']))[0]).toBeCloseTo(expected(30), 12);
    expect(service.rows.stats).toEqual({ checks: 1, loads: 1 });
    clock.now += 1_000;
    expect((await scores(['C3']))[0]).toBeCloseTo(expected(35), 12);
    clock.now += 60_000;
    await scores(['C3']);
    expect(service.rows.stats).toEqual({ checks: 3, loads: 2 });
  });

  it('a query without a changeQuery is read again every everySeconds (nothing cheap tells its change)', async () => {
    const clock = { now: 0 };
    const { service, scores } = await guest({ crm: { postgres: { url, query: 'SELECT id, v FROM accounts' }, idColumn: 'id', changeCheck: { everySeconds: 5 } } }, 'crm', clock);
    await scores(['C1']);
    await scores(['C1']);
    clock.now += 5_000;
    await scores(['C1']);
    expect(service.rows.stats).toEqual({ checks: 2, loads: 2 });
  });

  it('a table larger than maxTableBytes fails the request naming party and dataset, not the connection', async () => {
    const { scores } = await guest({ big: { postgres: { url, table: 'wide' }, idColumn: 'id' } }, 'big', undefined, 1 << 20);
    const err = await failure(scores(['w1']));
    expect(err.code).toBe('FM_ERR_DATA_TOO_LARGE');
    expect(err.message).toMatch(/^party bank: dataset "big" needs more than the 1048576 bytes/);
    for (const secret of [PASSWORD, 'scorer', String(server.port), '127.0.0.1']) expect(err.message).not.toContain(secret);
  });

  it('a change query that fails, then a server that is down, fail scoring with the cause and never the password', async () => {
    const clock = { now: 0 };
    const { scores } = await guest({ crm: { postgres: { url, table: 'customers' }, idColumn: 'id', changeCheck: { everySeconds: 1, query: 'SELECT max(changed_at) FROM customers' } } }, 'crm', clock);
    // The change query is asked before the table is first read, so a broken one fails the first request.
    const broken = await failure(scores(['C1']));
    expect(broken.code).toBe('FM_ERR_DATA_SOURCE');
    expect(broken.message).toBe('party bank: dataset "crm" is unavailable: the PostgreSQL query failed (SQLSTATE 42703: column "changed_at" does not exist)');
    const ok = await guest({ crm: { postgres: { url, table: 'customers' }, idColumn: 'id', changeCheck: { everySeconds: 1 } } }, 'crm', clock);
    expect((await ok.scores(['C1']))[0]).toBeCloseTo(expected(10), 12);
    await server.stop();
    expect((await ok.scores(['C1']))[0]).toBeCloseTo(expected(10), 12);
    clock.now += 1_000;
    const down = await failure(ok.scores(['C1']));
    expect(down.code).toBe('FM_ERR_DATA_SOURCE');
    expect(down.message).toBe('party bank: dataset "crm" is unavailable: the PostgreSQL server cannot be reached or refused the connection (connection refused)');
    for (const secret of [PASSWORD, 'scorer', String(server.port)]) expect(down.message).not.toContain(secret);
  });
});
