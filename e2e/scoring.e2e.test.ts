// Online federated scoring against real party processes: train on default_credit, publish, score by ID.
import { type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret, newSecret } from '../protocol/auth/tokens.ts';
import type { JobSpec } from '../protocol/messages/jobSpec.ts';
import { coordinatorConfig } from '../coordinator/config.ts';
import { startCoordinator, type Coordinator } from '../coordinator/server.ts';
import { pinIdentities } from '../coordinator/simulate.ts';
import { readVerticalPart } from '../party-node/scoring/vertical.ts';
import { contributions, rowIndex } from '../party-node/scoring/partial.ts';
import { loadDataset } from '../party-node/data/dataset.ts';
import { fate, FATE_DIR } from '../data/sets.ts';
import { spawnParty, tempDir, until } from './fixtures.ts';

const SCIENTIST = newSecret('fmk');
const SCORER = newSecret('fmk');
const tokens = { bank: newSecret('fmp'), insurer: newSecret('fmp') };
let dir: string;
let c: Coordinator;
const children = new Map<string, ChildProcess>();
let job: string;

async function startParty(id: 'bank' | 'insurer'): Promise<void> {
  children.set(id, await spawnParty({ dir, id, coordinator: c, token: tokens[id], pins: pinIdentities(dir, Object.keys(tokens)), extra: { dataRoots: [FATE_DIR] } }));
}

const post = (url: string, key: string | undefined, payload: unknown) =>
  c.app.inject({ method: 'POST', url, payload: payload as object, headers: key ? { authorization: `Bearer ${key}` } : {} });

beforeAll(async () => {
  dir = await tempDir('scoring');
  c = await startCoordinator(coordinatorConfig({
    port: 0, store: ':memory:', logLevel: 'silent',
    parties: Object.entries(tokens).map(([id, t]) => ({ id, tokenSha256: hashSecret(t) })),
    apiKeys: [{ id: 'alice', role: 'scientist', keySha256: hashSecret(SCIENTIST) }, { id: 'crm', role: 'scorer', keySha256: hashSecret(SCORER) }],
  }, 'test'));
  await Promise.all([startParty('bank'), startParty('insurer')]);
  const spec: JobSpec = {
    name: 'credit-propensity', kind: 'vertical', model: 'logistic',
    training: { epochs: 5, batchSize: 65_536, learningRate: 1, l2: 0.001, seed: 42 },
    parties: [
      { id: 'bank', role: 'guest', data: { path: fate('default_credit_hetero_guest'), idColumn: 'id', labelColumn: 'y' } },
      { id: 'insurer', role: 'host', data: { path: fate('default_credit_hetero_host'), idColumn: 'id' } },
    ],
  };
  job = c.runner.submit(spec);
  const view = await c.runner.waitFor(job);
  expect(view.state).toBe('succeeded');
});

afterAll(async () => {
  for (const child of children.values()) child.kill('SIGKILL');
  await c?.close();
});

describe('online scoring', () => {
  it('serves only published versions, and a scorer key can score but do nothing else', async () => {
    expect((await post('/v1/models/credit-propensity/score', SCORER, { ids: ['1'] })).json()).toMatchObject({ code: 'FM_ERR_MODEL_NOT_PUBLISHED' });
    const denied = await post('/v1/models/credit-propensity/versions/1/publish', SCORER, {});
    expect(denied.statusCode).toBe(403);
    expect(denied.json().code).toBe('FM_ERR_AUTH_ROLE');
    expect((await c.app.inject({ method: 'GET', url: '/v1/jobs', headers: { authorization: `Bearer ${SCORER}` } })).statusCode).toBe(403);
    expect((await post('/v1/models/credit-propensity/versions/1/score', SCORER, { ids: ['1'] })).json()).toMatchObject({ code: 'FM_ERR_MODEL_STATE' });
    expect((await post('/v1/models/credit-propensity/versions/1/publish', SCIENTIST, {})).statusCode).toBe(200);
    const scientistScores = await post('/v1/models/credit-propensity/score', SCIENTIST, { ids: ['1'] });
    expect(scientistScores.statusCode).toBe(403);
    expect(scientistScores.json().message).toBe('a scientist key may not do this (allowed: scorer)');
    expect((await post('/v1/models/credit-propensity/score', undefined, { ids: ['1'] })).statusCode).toBe(401);
  });

  it('scores 1,000 customers as σ(w·x) of the model on the joined data, with deciles, and one status for an ID it cannot score', async () => {
    const guest = await loadDataset({ path: fate('default_credit_hetero_guest'), idColumn: 'id', labelColumn: 'y' }, { party: 'bank' });
    const host = await loadDataset({ path: fate('default_credit_hetero_host'), idColumn: 'id' }, { party: 'insurer' });
    const sample = guest.rawIds.slice(0, 1000);
    const ids = [...sample, 'no-such-customer'];
    const res = await post('/v1/models/credit-propensity/score', SCORER, { ids });
    expect(res.statusCode).toBe(200);
    const { version, results } = res.json() as { version: number; results: Array<{ id: string; score: number | null; decile: number | null; status: string }> };
    expect(version).toBe(1);
    expect(results.at(-1)).toEqual({ id: 'no-such-customer', score: null, decile: null, status: 'unscorable' });
    const g = contributions((await readVerticalPart(join(dir, 'bank'), 'credit-propensity', job, 'bank')).scorer, guest, rowIndex(guest), ids, false);
    const h = contributions((await readVerticalPart(join(dir, 'insurer'), 'credit-propensity', job, 'insurer')).scorer, host, rowIndex(host), ids, false);
    for (let i = 0; i < sample.length; i++) {
      const expected = 1 / (1 + Math.exp(-((g.scores[i] as number) + (h.scores[i] as number))));
      expect(Math.abs((results[i]?.score as number) - expected)).toBeLessThan(1e-6);
    }
    const deciles = new Set(results.slice(0, -1).map((r) => r.decile));
    expect([...deciles].sort((a, b) => (a as number) - (b as number))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('batch-scores a list as a stream: NDJSON with progress, or CSV, equal to online scores', async () => {
    const guest = await loadDataset({ path: fate('default_credit_hetero_guest'), idColumn: 'id', labelColumn: 'y' }, { party: 'bank' });
    const ids = [...guest.rawIds.slice(0, 12_000), 'no-such-customer'];
    const res = await post('/v1/models/credit-propensity/batch-score', SCORER, { ids });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/x-ndjson');
    const lines = res.body.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const results = lines.filter((l) => 'id' in l) as Array<{ id: string; score: number | null; status: string }>;
    expect(results).toHaveLength(ids.length);
    expect(lines.filter((l) => 'progress' in l).map((l) => l.progress)).toEqual([{ done: 10_000, total: 12_001 }, { done: 12_001, total: 12_001 }]);
    const online = (await post('/v1/models/credit-propensity/score', SCORER, { ids: ids.slice(10_000) })).json().results as Array<{ score: number | null }>;
    expect(results.slice(10_000).map((r) => r.score)).toEqual(online.map((r) => r.score));
    expect(results.at(-1)?.status).toBe('unscorable');
    const csv = await post('/v1/models/credit-propensity/batch-score', SCORER, { ids: ids.slice(0, 3), format: 'csv' });
    expect(csv.body.split('\n')[0]).toBe('id,score,decile,status');
    expect(csv.body.trim().split('\n')).toHaveLength(4);
  });

  it('batch-scores every matched customer into a file at the guest, and returns only where it is', async () => {
    const res = await post('/v1/models/credit-propensity/batch-score', SCORER, { all: true });
    expect(res.statusCode).toBe(200);
    const { rows, writtenAt } = res.json() as { rows: number; writtenAt: { party: string; path: string } };
    expect(rows).toBe(30_000);
    expect(writtenAt.party).toBe('bank');
    expect(writtenAt.path.startsWith(join(dir, 'bank'))).toBe(true);
    const lines = (await readFile(writtenAt.path, 'utf8')).trim().split('\n');
    expect(lines[0]).toBe('id,score,decile');
    expect(lines).toHaveLength(30_001);
    const [id, score] = (lines[1] as string).split(',');
    const online = (await post('/v1/models/credit-propensity/score', SCORER, { ids: [id] })).json().results[0];
    expect(Math.abs(Number(score) - online.score)).toBeLessThan(1e-12);
    const both = await post('/v1/models/credit-propensity/batch-score', SCORER, { all: true, ids: ['1'] });
    expect(both.statusCode).toBe(400);
  });

  it('answers 400 naming the field for a malformed request', async () => {
    const bad = await post('/v1/models/credit-propensity/score', SCORER, { ids: 'all' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toContain('ids');
    const empty = await post('/v1/models/credit-propensity/score', SCORER, { ids: [] });
    expect(empty.statusCode).toBe(400);
  });

  it('answers 503 naming a party that is offline, and recovers when it returns', async () => {
    children.get('insurer')?.kill('SIGKILL');
    await until(() => !c.links.isOnline('insurer'), 20_000, 'insurer offline');
    const down = await post('/v1/models/credit-propensity/score', SCORER, { ids: ['1'] });
    expect(down.statusCode).toBe(503);
    expect(down.json().message).toContain('party insurer is not connected');
    expect(Number(down.headers['retry-after'])).toBeGreaterThan(0);
    await startParty('insurer');
    const up = await post('/v1/models/credit-propensity/score', SCORER, { ids: ['25115'] });
    expect(up.statusCode).toBe(200);
    expect(up.json().results[0].status).toBe('ok');
  });
});
