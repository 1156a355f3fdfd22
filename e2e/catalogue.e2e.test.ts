// Jobs that name datasets only, against real party-node processes whose catalogues hold CSV,
// Parquet and PostgreSQL sources (a real server started here): the same vertical job reaches the
// same AUC whether the guest reads Parquet and the host PostgreSQL or both read the CSV files, bad
// sources stop the job before anything is exchanged with an error naming party, dataset and cause,
// and a scientist lists a party's datasets from the CLI only where the party's policy allows.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { fate } from '../data/sets.ts';
import { linkCodec } from '../protocol/messages/index.ts';
import type { JobView } from '../protocol/messages/jobSpec.ts';
import { loadDataset } from '../party-node/data/dataset.ts';
import { startPostgres, type TestPostgres } from '../party-node/data/postgres.fixture.ts';
import { copyToPostgres, writeParquetOf } from '../party-node/data/sources.fixture.ts';
import { readJobFile } from '../coordinator/jobs/jobFile.ts';
import { startDeployment, waitForJob, type Deployment } from './deployment.fixture.ts';
import { freePort } from './fixtures.ts';

const CLI = fileURLToPath(new URL('../bin/fedmark.ts', import.meta.url));
const TRAINING = { epochs: 3, batchSize: 65_536, learningRate: 0.5, l2: 0.001, seed: 42 };

let pg: TestPostgres;
let d: Deployment;
/** Per job: the kinds of the frames the coordinator exchanged for it. */
const kinds = new Map<string, string[]>();

function fedmark(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', CLI, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Writes the job file, reads it back as the CLI does, submits it and waits for the end. */
async function runJobFile(name: string, guest: Record<string, unknown>, host: Record<string, unknown>): Promise<JobView> {
  const file = join(d.dir, `${name}.yaml`);
  await writeFile(file, toYaml({ name, kind: 'vertical', model: 'logistic', training: TRAINING, validation: { fraction: 0.3 }, parties: [{ id: 'guest', role: 'guest', data: guest }, { id: 'host', role: 'host', data: host }] }));
  const spec = await readJobFile(file);
  const { status, body } = await d.api<{ id: string }>('POST', '/v1/jobs', spec);
  expect(status).toBe(202);
  return waitForJob(d, body.id);
}

beforeAll(async () => {
  pg = await startPostgres();
  await pg.sql('CREATE DATABASE insurer');
  await pg.sql("CREATE ROLE fedmark LOGIN PASSWORD 'e2e-pw'");
  const guest = await loadDataset({ path: fate('breast_hetero_guest'), idColumn: 'id', labelColumn: 'y' }, { party: 'guest' });
  const host = await loadDataset({ path: fate('breast_hetero_host'), idColumn: 'id' }, { party: 'host' });
  await copyToPostgres(pg, 'insurer', 'customers', host);
  await pg.sql('GRANT SELECT ON customers TO fedmark', 'insurer');
  const url = pg.url('fedmark', 'e2e-pw', 'insurer');
  const down = `postgres://fedmark:e2e-pw@127.0.0.1:${await freePort()}/insurer`;

  d = await startDeployment('catalogue', ['guest', 'host'], {
    tap: ({ bytes }) => {
      const f = linkCodec.decode(bytes, Number.MAX_SAFE_INTEGER);
      if (f.job !== undefined) kinds.set(f.job, [...(kinds.get(f.job) ?? []), f.kind]);
    },
    partyConfig: {
      guest: {
        dataRoots: undefined,
        datasets: {
          crm: { csv: fate('breast_hetero_guest'), idColumn: 'id' },
          accounts: { parquet: 'guest.parquet', idColumn: 'id' },
          mistyped: { parquet: 'mistyped.parquet', idColumn: 'id' },
        },
        policy: { listDatasets: true },
      },
      host: {
        dataRoots: undefined,
        datasets: {
          crm: { csv: fate('breast_hetero_host'), idColumn: 'id' },
          contacts: { postgres: { url, table: 'customers' }, idColumn: 'id' },
          offline: { postgres: { url: down, table: 'customers' }, idColumn: 'id' },
          broken: { postgres: { url, query: 'SELECT * FROM customer_view' }, idColumn: 'id' },
        },
      },
    },
  });
  // Relative catalogue paths resolve against each party's config file, which sits in d.dir.
  writeParquetOf(join(d.dir, 'guest.parquet'), guest);
  writeParquetOf(join(d.dir, 'mistyped.parquet'), guest, { x5: { type: 'STRING', data: guest.rawIds.map((id) => `code-${id}`) } });
});

afterAll(async () => {
  await d?.close();
  await pg?.stop();
});

describe('jobs from dataset names', () => {
  it('a vertical job with the guest on Parquet and the host on PostgreSQL reaches the AUC of the CSV run', async () => {
    const csv = await runJobFile('breast-csv', { dataset: 'crm', labelColumn: 'y' }, { dataset: 'crm' });
    const mixed = await runJobFile('breast-parquet-pg', { dataset: 'accounts', labelColumn: 'y' }, { dataset: 'contacts' });
    expect(csv.state).toBe('succeeded');
    expect(mixed.state).toBe('succeeded');
    expect(mixed.result?.psi?.intersectionSize).toBe(569);
    const auc = mixed.result?.metrics?.auc;
    console.log(`breast vertical, ${TRAINING.epochs} epochs: AUC ${csv.result?.metrics?.auc} (CSV) and ${auc} (Parquet + PostgreSQL)`);
    expect(auc).toBeGreaterThan(0.9);
    expect(auc).toBe(csv.result?.metrics?.auc);
  });

  it.each([
    ['an unknown dataset', { dataset: 'crm', labelColumn: 'y' }, { dataset: 'crm_2024' }, 'FM_ERR_DATA_UNKNOWN_DATASET', 'party host has no dataset "crm_2024" in its catalogue'],
    ['a Parquet column of the wrong type', { dataset: 'mistyped', labelColumn: 'y' }, { dataset: 'crm' }, 'FM_ERR_DATA_TYPE', 'party guest: dataset "mistyped": column "x5" is of type text'],
    ['a PostgreSQL server that is down', { dataset: 'crm', labelColumn: 'y' }, { dataset: 'offline' }, 'FM_ERR_DATA_SOURCE', 'party host: dataset "offline" is unavailable: the PostgreSQL server cannot be reached or refused the connection (connection refused)'],
    ['a query that fails', { dataset: 'crm', labelColumn: 'y' }, { dataset: 'broken' }, 'FM_ERR_DATA_SOURCE', 'party host: dataset "broken" is unavailable: the PostgreSQL query failed (SQLSTATE 42P01: relation "customer_view" does not exist)'],
    ['a path at a party that serves no dataRoots', { dataset: 'crm', labelColumn: 'y' }, { path: fate('breast_hetero_host'), idColumn: 'id' }, 'FM_ERR_DATA_NO_PATHS', 'party host takes no file paths from jobs'],
  ])('%s stops the job before any exchange, naming party, dataset and cause', async (_, guest, host, code, message) => {
    const view = await runJobFile(`bad-${code.toLowerCase()}`, guest, host);
    expect(view.state).toBe('failed');
    expect(view.error?.code).toBe(code);
    expect(view.error?.message).toContain(message);
    expect(view.error?.message).not.toMatch(/postgres:\/\/|e2e-pw|127\.0\.0\.1|\/tmp\//);
    const exchanged = kinds.get(view.id) ?? [];
    expect(exchanged).toContain('job.prepare');
    expect(exchanged.filter((k) => k === 'job.start' || k === 'relay.send' || k === 'relay.deliver')).toEqual([]);
  });

  it('fedmark parties datasets PARTY lists what the party allows: names, columns with types, rows', async () => {
    const env = { FEDMARK_API_KEY: d.keys.scientist };
    const listed = await fedmark(['parties', 'datasets', 'guest', '--json', '--coordinator', d.url], env);
    expect(listed.stderr).toBe('');
    const datasets = JSON.parse(listed.stdout) as Array<{ name: string; rows?: number; columns?: Array<{ name: string; type: string }> }>;
    expect(datasets.map((x) => [x.name, x.rows])).toEqual([['accounts', 569], ['crm', 569], ['mistyped', 569]]);
    expect(datasets[0]!.columns!.slice(0, 3)).toEqual([{ name: 'id', type: 'text' }, { name: 'y', type: 'integer' }, { name: 'x0', type: 'number' }]);
    expect(datasets[2]!.columns!.find((c) => c.name === 'x5')).toEqual({ name: 'x5', type: 'text' });
    expect(listed.stdout).not.toContain(d.dir);

    const refused = await fedmark(['parties', 'datasets', 'host', '--coordinator', d.url], env);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('FM_ERR_POLICY_REFUSED');
    expect(refused.stderr).toContain('party host refused by its policy (listDatasets)');
  });
});
