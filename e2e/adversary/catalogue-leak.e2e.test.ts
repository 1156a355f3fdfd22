// Attack: learn where a party keeps its data, or how to log in to its database, from what reaches
// the coordinator. A curious coordinator operator (or anyone reading its frames, logs or store)
// watches listings, successful jobs and every kind of failing source. Canary strings in the
// catalogue's paths, database name, user, password and the address of a server that is down must
// never appear in a frame the coordinator sends or receives, in its log, in its store, or in an API
// answer. Real processes, sockets and a real PostgreSQL server.
import { copyFile, mkdir, readdir, readFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fate } from '../../data/sets.ts';
import type { JobView } from '../../protocol/messages/jobSpec.ts';
import { loadDataset } from '../../party-node/data/dataset.ts';
import { startPostgres, type TestPostgres } from '../../party-node/data/postgres.fixture.ts';
import { copyToPostgres, writeParquetOf } from '../../party-node/data/sources.fixture.ts';
import { startDeployment, waitForJob, type Deployment } from '../deployment.fixture.ts';
import { freePort } from '../fixtures.ts';

const tag = Math.random().toString(36).slice(2, 8);
const CANARY = {
  dir: `canary-dir-${tag}`,
  database: `canary_db_${tag}`,
  user: `canary_user_${tag}`,
  password: `canary-pw-${tag}`,
  wrongPassword: `canary-wrong-${tag}`,
};
// Not a canary: a failing query's cause may name the relation, as the error reference says.
const TABLE = 'customers';
let downAddress = '';

let pg: TestPostgres;
let d: Deployment;
const frames: Buffer[] = [];
const answers: string[] = [];
let logFile = '';

async function job(name: string, guest: string, host: string): Promise<JobView> {
  const spec = {
    name, kind: 'vertical', model: 'logistic', training: { epochs: 2, batchSize: 65_536, learningRate: 0.5, l2: 0.001, seed: 42 },
    parties: [{ id: 'guest', role: 'guest', data: { dataset: guest, labelColumn: 'y' } }, { id: 'host', role: 'host', data: { dataset: host } }],
  };
  const { body } = await d.api<{ id: string }>('POST', '/v1/jobs', spec);
  const view = await waitForJob(d, body.id);
  answers.push(JSON.stringify((await d.api('GET', `/v1/jobs/${body.id}`)).body));
  return view;
}

beforeAll(async () => {
  pg = await startPostgres();
  await pg.sql(`CREATE DATABASE ${CANARY.database}`);
  await pg.sql(`CREATE ROLE ${CANARY.user} LOGIN PASSWORD '${CANARY.password}'`);
  const guest = await loadDataset({ path: fate('breast_hetero_guest'), idColumn: 'id', labelColumn: 'y' }, { party: 'guest' });
  const host = await loadDataset({ path: fate('breast_hetero_host'), idColumn: 'id' }, { party: 'host' });
  await copyToPostgres(pg, CANARY.database, TABLE, host);
  await pg.sql(`GRANT SELECT ON ${TABLE} TO ${CANARY.user}`, CANARY.database);
  const url = pg.url(CANARY.user, CANARY.password, CANARY.database);
  const downPort = await freePort();
  downAddress = `127.0.0.1:${downPort}`;

  const runDir = join((await import('node:os')).tmpdir(), `fedmark-leak-${tag}`);
  await mkdir(join(runDir, CANARY.dir), { recursive: true });
  logFile = join(runDir, 'coordinator.log');
  const data = join(runDir, CANARY.dir);
  writeParquetOf(join(data, 'guest.parquet'), guest);
  await copyFile(fate('breast_hetero_guest'), join(data, 'guest.csv.gz'));

  d = await startDeployment('leak', ['guest', 'host'], {
    logger: pino({ level: 'debug' }, createWriteStream(logFile)),
    tap: ({ bytes }) => void frames.push(Buffer.from(bytes)),
    partyConfig: {
      guest: {
        dataRoots: undefined,
        datasets: {
          accounts: { parquet: join(data, 'guest.parquet'), idColumn: 'id' },
          crm: { csv: join(data, 'guest.csv.gz'), idColumn: 'id' },
          gone: { parquet: join(data, 'moved-away.parquet'), idColumn: 'id' },
        },
        policy: { listDatasets: true },
      },
      host: {
        dataRoots: undefined,
        datasets: {
          contacts: { postgres: { url, table: TABLE }, idColumn: 'id' },
          offline: { postgres: { url: `postgres://${CANARY.user}:${CANARY.password}@${downAddress}/${CANARY.database}`, table: TABLE }, idColumn: 'id' },
          locked: { postgres: { url: pg.url(CANARY.user, CANARY.wrongPassword, CANARY.database), table: TABLE }, idColumn: 'id' },
          broken: { postgres: { url, query: 'SELECT * FROM customer_view' }, idColumn: 'id' },
        },
        policy: { listDatasets: true },
      },
    },
  });
});

let closed = false;
afterAll(async () => {
  if (!closed) await d?.close();
  await pg?.stop();
});

describe('catalogue: paths and connection strings stay at the party', () => {
  it('listings, a job on Parquet and PostgreSQL, and every failing source leak none of them', async () => {
    for (const party of ['guest', 'host']) {
      const { status, body } = await d.api<{ datasets: Array<{ name: string; error?: { code: string } }> }>('GET', `/v1/parties/${party}/datasets`);
      expect(status).toBe(200);
      answers.push(JSON.stringify(body));
    }
    expect(answers.join('\n')).toContain('FM_ERR_DATA_SOURCE'); // the listing did touch the down and locked servers

    expect((await job('good', 'accounts', 'contacts')).state).toBe('succeeded');
    const failures = await Promise.all([
      job('offline', 'crm', 'offline'), job('locked', 'crm', 'locked'), job('broken', 'crm', 'broken'), job('gone', 'gone', 'contacts'),
    ]);
    expect(failures.map((v) => v.error?.code)).toEqual(['FM_ERR_DATA_SOURCE', 'FM_ERR_DATA_SOURCE', 'FM_ERR_DATA_SOURCE', 'FM_ERR_DATA_FILE']);

    await d.close();
    closed = true;
    const storeDir = d.dir;
    const stored = await Promise.all((await readdir(storeDir)).filter((f) => f.startsWith('coordinator.db')).map((f) => readFile(join(storeDir, f))));
    expect(stored.length).toBeGreaterThan(0);
    const seen = {
      frames: Buffer.concat(frames).toString('latin1'),
      log: await readFile(logFile, 'latin1'),
      store: Buffer.concat(stored).toString('latin1'),
      api: answers.join('\n'),
    };
    expect(seen.frames.length).toBeGreaterThan(10_000);
    expect(seen.log).toContain('job');
    for (const [where, text] of Object.entries(seen)) {
      for (const [what, canary] of Object.entries({ ...CANARY, downAddress, scheme: 'postgres://' })) {
        expect(text.includes(canary), `${what} (${canary}) found in the coordinator's ${where}`).toBe(false);
      }
    }
  });
});
