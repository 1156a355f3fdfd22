// Attack: online scoring as a membership oracle. A caller (or a coordinator deviating from the
// protocol) tries to learn, through scoring, which customers a party holds, or to show a host IDs
// it does not share. Real coordinator, real party processes at debug level, real sockets; the data
// are the breast tables with every ID made distinctive, some customers dropped from the host, and
// canary customers that only the guest, only the host, or no party holds.
import type { ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret, newSecret } from '../../protocol/auth/tokens.ts';
import type { LinkFrame } from '../../protocol/messages/index.ts';
import { encodeIds } from '../../protocol/messages/score.ts';
import type { JobSpec } from '../../protocol/messages/jobSpec.ts';
import { coordinatorConfig } from '../../coordinator/config.ts';
import { startCoordinator, type Coordinator } from '../../coordinator/server.ts';
import { pinIdentities, spawnParty, stopChild } from '../../coordinator/simulate.ts';
import { fate, readText } from '../../data/sets.ts';
import { tempDir, until } from '../fixtures.ts';

const GUEST_ONLY = 'canary-guest-only-4410';
const HOST_ONLY = 'canary-host-only-7731';
const NOBODY = 'canary-nobody-9120';
/** Breast customers the host's copy leaves out: the guest holds them, the host does not. */
const DROPPED_AT_HOST = ['cust-133', 'cust-411', 'cust-56'];

const tokens = { guest: newSecret('fmp'), host: newSecret('fmp') };
const SCORERS = [newSecret('fmk'), newSecret('fmk')];
let dir: string;
let c: Coordinator;
const children: ChildProcess[] = [];
/** Every frame the coordinator sent to the host, as bytes. */
const toHost: Buffer[] = [];
let model: string;

/** A copy of a breast table with IDs prefixed `cust-`, without `drop`, plus `extra` rows (features of row 1). */
async function copyTable(source: string, out: string, drop: readonly string[], extra: readonly string[]): Promise<void> {
  const lines = (await readText(source)).trim().split(/\r?\n/);
  const header = (lines[0] as string).split(',');
  const at = header.indexOf('id');
  const rows = lines.slice(1).map((l) => l.split(',')).map((f) => f.map((v, i) => (i === at ? `cust-${v}` : v)));
  const kept = rows.filter((f) => !drop.includes(f[at] as string));
  const added = extra.map((id) => (rows[0] as string[]).map((v, i) => (i === at ? id : v)));
  await writeFile(out, [header, ...kept, ...added].map((f) => f.join(',')).join('\n') + '\n');
}

const post = (url: string, key: string, payload: unknown) =>
  c.app.inject({ method: 'POST', url, payload: payload as object, headers: { authorization: `Bearer ${key}` } });

beforeAll(async () => {
  dir = await tempDir('adversary-scoring');
  const data = join(dir, 'data');
  await mkdir(join(dir, 'logs'), { recursive: true });
  await mkdir(data);
  await copyTable(fate('breast_hetero_guest'), join(data, 'guest.csv'), [], [GUEST_ONLY]);
  await copyTable(fate('breast_hetero_host'), join(data, 'host.csv'), DROPPED_AT_HOST, [HOST_ONLY]);
  c = await startCoordinator(coordinatorConfig({
    port: 0, store: ':memory:', logLevel: 'silent',
    parties: Object.entries(tokens).map(([id, t]) => ({ id, tokenSha256: hashSecret(t) })),
    apiKeys: SCORERS.map((k, i) => ({ id: `crm-${i}`, role: 'scorer', keySha256: hashSecret(k) })),
  }, 'test'), { tap: ({ direction, party, bytes }) => void (direction === 'out' && party === 'host' && toHost.push(Buffer.from(bytes))) });
  const spec: JobSpec = {
    name: 'oracle-propensity', kind: 'vertical', model: 'logistic',
    training: { epochs: 2, batchSize: 65_536, learningRate: 0.5, l2: 0.001, seed: 42 },
    validation: { fraction: 0.3 },
    parties: [
      { id: 'guest', role: 'guest', data: { path: join(data, 'guest.csv'), idColumn: 'id', labelColumn: 'y' } },
      { id: 'host', role: 'host', data: { path: join(data, 'host.csv'), idColumn: 'id' } },
    ],
  };
  const pins = pinIdentities(dir, spec.parties.map((p) => p.id));
  for (const party of spec.parties) children.push(await spawnParty(dir, c.url, party, tokens[party.id as 'guest' | 'host'], pins, 'debug', { threads: 1 }));
  await until(() => c.links.isOnline('guest') && c.links.isOnline('host'), 20_000, 'parties online');
  const view = await c.runner.waitFor(c.runner.submit(spec));
  expect(view.state).toBe('succeeded');
  model = spec.name;
  c.store.setModelStatus(model, 1, 'published');
});

afterAll(async () => {
  await Promise.all(children.map(stopChild));
  await c?.close();
});

describe('online scoring is no membership oracle', () => {
  it('answers one "unscorable" for IDs only the guest, only the host or no party holds, and shows the host no ID', async () => {
    const shared = ['cust-273', 'cust-175'];
    const asked = [...shared, GUEST_ONLY, HOST_ONLY, NOBODY, ...DROPPED_AT_HOST];
    const sentBefore = toHost.length;
    const res = await post(`/v1/models/${model}/score`, SCORERS[0] as string, { ids: asked });
    expect(res.statusCode).toBe(200);
    const results = res.json().results as Array<{ id: string; score: number | null; decile: number | null; status: string }>;
    expect(results.slice(0, 2).map((r) => r.status)).toEqual(['ok', 'ok']);
    // Guest-only, host-only, nobody's and dropped-at-host customers look exactly alike.
    for (const r of results.slice(2)) expect(r).toEqual({ id: r.id, score: null, decile: null, status: 'unscorable' });

    // The host was asked (for the two shared customers), by handle: no frame it received holds an ID.
    const scoringFrames = Buffer.concat(toHost.slice(sentBefore));
    expect(scoringFrames.length).toBeGreaterThan(0);
    expect(scoringFrames.includes('score.handles')).toBe(true);
    const everything = Buffer.concat(toHost);
    for (const id of [...asked, 'cust-']) expect(everything.includes(id), `host received ${id}`).toBe(false);

    // Nor does its log (at debug level) or its audit ledger.
    const hostLog = await readFile(join(dir, 'logs', 'party-host.log'), 'utf8');
    const ledger = await readFile(join(dir, 'party-host', 'audit.db'));
    for (const id of [GUEST_ONLY, NOBODY, ...DROPPED_AT_HOST]) {
      expect(hostLog.includes(id), `host log holds ${id}`).toBe(false);
      expect(ledger.includes(id), `host ledger holds ${id}`).toBe(false);
    }
    // The reasons stay with the guest's operator, as counts.
    const guestLog = (await readFile(join(dir, 'logs', 'party-guest.log'), 'utf8')).split('\n').filter((l) => l.includes('IDs not scored'));
    expect(guestLog.map((l) => JSON.parse(l) as Record<string, unknown>)).toContainEqual(expect.objectContaining({ ids: asked.length, notHeld: 2, noConsent: 0, notShared: 4 }));
  });

  it('a coordinator that sends the host raw IDs gets a refusal, not an answer', async () => {
    const request = 900_001;
    const reply = new Promise<LinkFrame>((resolve) => {
      const on = (party: string, frame: LinkFrame) => {
        if (party === 'host' && frame.kind === 'score.reply' && frame.request === request) {
          c.links.off('frame', on);
          resolve(frame);
        }
      };
      c.links.on('frame', on);
    });
    c.links.send('host', 'score.request', { kind: 'vertical', model, modelJob: c.store.model(model, 1)?.job as string, count: 2 }, { request, payload: encodeIds([HOST_ONLY, 'cust-273']) });
    const frame = await reply;
    expect(frame.error?.code).toBe('FM_ERR_SCORE_BY_ID');
    // An error reply: no scores, no body.
    expect(frame.payload ?? new Uint8Array(0)).toHaveLength(0);
    expect(frame.body).toBeUndefined();
  });

  it('limits how often one ID is scored per hour, across keys', async () => {
    const id = 'cust-273';
    for (let i = 0; i < 19; i++) expect((await post(`/v1/models/${model}/score`, SCORERS[i % 2] as string, { ids: [id] })).statusCode).toBe(200);
    const over = await post(`/v1/models/${model}/score`, SCORERS[1] as string, { ids: ['cust-175', id] });
    expect(over.statusCode).toBe(429);
    expect(over.json()).toMatchObject({ code: 'FM_ERR_SCORE_ID_RATE' });
    expect(over.json().message).toContain('ids[1]');
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    // Another customer is not held back by it.
    expect((await post(`/v1/models/${model}/score`, SCORERS[0] as string, { ids: ['cust-175'] })).statusCode).toBe(200);
  });

  it('a shared customer the host no longer holds is unscorable, and batch scoring leaves its score and decile empty', async () => {
    const gone = 'cust-551';
    const hostTable = join(dir, 'data', 'host.csv');
    const lines = (await readFile(hostTable, 'utf8')).split('\n');
    await writeFile(hostTable, lines.filter((l) => !l.startsWith(`${gone},`)).join('\n'));
    const online = await post(`/v1/models/${model}/score`, SCORERS[0] as string, { ids: [gone, 'cust-175'] });
    expect(online.json().results.map((r: { status: string }) => r.status)).toEqual(['unscorable', 'ok']);
    const batch = await post(`/v1/models/${model}/batch-score`, SCORERS[0] as string, { all: true });
    expect(batch.statusCode).toBe(200);
    const rows = (await readFile(batch.json().writtenAt.path as string, 'utf8')).trim().split('\n').slice(1).map((l) => l.split(','));
    expect(rows).toHaveLength(566);
    expect(rows.filter((r) => r[1] === '')).toEqual([[gone, '', '']]);
    const deciles = rows.filter((r) => r[0] !== gone).map((r) => Number(r[2]));
    // The other 565 are spread over the ten deciles of the evaluation scores, not piled into one.
    expect(new Set(deciles).size).toBe(10);
  });
});
