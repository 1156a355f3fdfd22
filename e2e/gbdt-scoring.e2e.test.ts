// Scoring a gradient-boosted tree model against real party processes: train on breast (bank the
// guest, insurer the host), publish, score by ID online and in batch. The guest walks the trees
// with the host's split decisions, which travel sealed for the guest under a request nonce it
// issued: the coordinator's frames (tapped here) carry the host's decisions as ciphertext only, and
// a sealed blob replayed into another request, or a nonce used twice, is refused by the guest.
import { type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret, newSecret } from '../protocol/auth/tokens.ts';
import type { VerticalJobSpec } from '../protocol/messages/jobSpec.ts';
import { linkCodec, type LinkFrame } from '../protocol/messages/index.ts';
import { encodeIds } from '../protocol/messages/score.ts';
import { packBlobs, readFloat64 } from '../protocol/peer/blobs.ts';
import { sealedFlagsBytes } from '../protocol/peer/sealedFlags.ts';
import { coordinatorConfig } from '../coordinator/config.ts';
import { startCoordinator, type Coordinator } from '../coordinator/server.ts';
import { pinIdentities } from '../coordinator/simulate.ts';
import { readVerticalPart } from '../party-node/scoring/vertical.ts';
import { contributions, rowIndex } from '../party-node/scoring/partial.ts';
import { loadDataset } from '../party-node/data/dataset.ts';
import type { GbdtTraining } from '../models/vertical/gbdt/settings.ts';
import { referenceOptions } from '../models/vertical/gbdt/settings.ts';
import { predictGbdt, trainGbdt } from '../models/vertical/gbdt/trainer.ts';
import { readVertical } from '../data/fate.ts';
import { validationMask } from '../models/split/hashSplit.ts';
import { maskIndices, selectRows } from '../models/matrix.ts';
import { fate, FATE_DIR } from '../data/sets.ts';
import { spawnParty, tempDir } from './fixtures.ts';

/** Parties start on a loaded 2-core machine: one may take long to connect. */
const CONNECT_MS = 90_000;
const SCIENTIST = newSecret('fmk');
const SCORER = newSecret('fmk');
const tokens = { bank: newSecret('fmp'), insurer: newSecret('fmp') };
const TRAINING: GbdtTraining = {
  trees: 4, maxDepth: 3, learningRate: 0.3, bins: 32, lambda: 1, minChildWeight: 1, minGain: 0, subsample: 1, seed: 42, maxCategories: 64,
  completeSecureFirstTree: false, hiddenRows: false,
};
const MODEL = 'breast-trees';
let dir: string;
let c: Coordinator;
const children = new Map<string, ChildProcess>();
let job: string;
/** Every frame between the coordinator and a party, decoded. */
const frames: Array<{ direction: 'in' | 'out'; party: string; frame: LinkFrame }> = [];

async function startParty(id: 'bank' | 'insurer'): Promise<void> {
  children.set(id, await spawnParty({ dir, id, coordinator: c, token: tokens[id], pins: pinIdentities(dir, Object.keys(tokens)), extra: { dataRoots: [FATE_DIR] }, connectMs: CONNECT_MS }));
}

const post = (url: string, key: string, payload: unknown) =>
  c.app.inject({ method: 'POST', url, payload: payload as object, headers: { authorization: `Bearer ${key}` } });

/** The plaintext reference's logits (same split, same settings), by ID. */
function referenceLogits(): Map<string, number> {
  const d = readVertical('breast');
  const tr = maskIndices(validationMask(d.ids, 0.3, TRAINING.seed), 0);
  const model = trainGbdt([d.guest, d.host].map((x) => ({ x: selectRows(x, tr) })), Uint8Array.from(tr, (i) => d.y[i] as number), referenceOptions(TRAINING));
  const margins = predictGbdt(model, [d.guest, d.host]);
  return new Map(d.ids.map((id, i) => [id, margins[i] as number]));
}

const logit = (p: number) => Math.log(p / (1 - p));

beforeAll(async () => {
  dir = await tempDir('gbdt-scoring');
  c = await startCoordinator(coordinatorConfig({
    port: 0, store: ':memory:', logLevel: 'silent',
    parties: Object.entries(tokens).map(([id, t]) => ({ id, tokenSha256: hashSecret(t) })),
    apiKeys: [{ id: 'alice', role: 'scientist', keySha256: hashSecret(SCIENTIST) }, { id: 'crm', role: 'scorer', keySha256: hashSecret(SCORER) }],
  }, 'test'), {
    tap: ({ direction, party, bytes }) => {
      const frame = linkCodec.decode(bytes, Number.MAX_SAFE_INTEGER);
      if (frame.kind.startsWith('score.')) frames.push({ direction, party, frame });
    },
  });
  await Promise.all([startParty('bank'), startParty('insurer')]);
  const spec: VerticalJobSpec = {
    name: MODEL, kind: 'vertical', model: 'gbdt', training: TRAINING, validation: { fraction: 0.3 },
    parties: [
      { id: 'bank', role: 'guest', data: { path: fate('breast_hetero_guest'), idColumn: 'id', labelColumn: 'y' } },
      { id: 'insurer', role: 'host', data: { path: fate('breast_hetero_host'), idColumn: 'id' } },
    ],
  };
  job = c.runner.submit(spec);
  expect((await c.runner.waitFor(job)).state).toBe('succeeded');
  expect((await post(`/v1/models/${MODEL}/versions/1/publish`, SCIENTIST, {})).statusCode).toBe(200);
}, 600_000);

afterAll(async () => {
  for (const child of children.values()) child.kill('SIGKILL');
  await c?.close();
});

type Result = { id: string; score: number | null; decile: number | null; status: string };

describe('scoring gradient-boosted trees: the guest walks, the hosts\' decisions sealed for it', () => {
  it('online: the plaintext reference\'s scores for the IDs asked, deciles, and one status for IDs it cannot score', async () => {
    const guest = await loadDataset({ path: fate('breast_hetero_guest'), idColumn: 'id', labelColumn: 'y' }, { party: 'bank' });
    const sample = guest.rawIds.slice(0, 200);
    const ids = [...sample, 'no-such-customer'];
    frames.length = 0;
    const res = await post(`/v1/models/${MODEL}/score`, SCORER, { ids });
    expect(res.statusCode).toBe(200);
    const results = (res.json() as { results: Result[] }).results;
    expect(results.at(-1)).toEqual({ id: 'no-such-customer', score: null, decile: null, status: 'unscorable' });
    const reference = referenceLogits();
    for (const [i, id] of sample.entries()) expect(Math.abs(logit(results[i]?.score as number) - (reference.get(id) as number))).toBeLessThan(1e-9);
    expect(new Set(results.slice(0, -1).map((r) => r.decile)).size).toBeGreaterThan(3);
    expect(results.slice(0, -1).every((r) => r.status === 'ok' && Number.isInteger(r.decile) && (r.decile as number) >= 1 && (r.decile as number) <= 10)).toBe(true);

    // What the coordinator saw of the host: one reply, sealed, as long as a sealed blob of 200 rows of its split count, no flag in clear.
    const host = (await readVerticalPart(join(dir, 'insurer'), MODEL, job, 'insurer')).scorer;
    const hostTable = await loadDataset({ path: fate('breast_hetero_host'), idColumn: 'id' }, { party: 'insurer' });
    const flags = contributions(host, hostTable, rowIndex(hostTable), sample, false).scores;
    const fromHost = frames.filter((f) => f.direction === 'in' && f.party === 'insurer');
    expect(fromHost.map((f) => f.frame.kind)).toEqual(['score.reply']);
    const reply = fromHost[0]?.frame as Extract<LinkFrame, { kind: 'score.reply' }>;
    expect(reply.body).toMatchObject({ width: 0, sealed: true, unscorable: [] });
    const sealed = Buffer.from(reply.payload ?? new Uint8Array(0));
    expect(sealed.length).toBe(sealedFlagsBytes(sample.length, host.width));
    const packed = Buffer.alloc(Math.ceil(flags.length / 8));
    flags.forEach((f, k) => f && (packed[k >> 3]! |= 1 << (k & 7)));
    expect(host.width).toBeGreaterThan(0);
    expect(flags.some((f) => f === 1) && flags.some((f) => f === 0)).toBe(true);
    expect(sealed.includes(packed.subarray(0, 16))).toBe(false);
    expect(sealed.includes(packed.subarray(packed.length - 16))).toBe(false);
    // The coordinator forwarded the sealed bytes to the guest unread, and got logits back only.
    const combine = frames.filter((f) => f.direction === 'out' && f.frame.kind === 'score.combine');
    expect(combine.map((f) => f.party)).toEqual(['bank']);
    expect(Buffer.from(combine[0]?.frame.payload ?? new Uint8Array(0))).toEqual(packBlobs([sealed]));
  }, 120_000);

  it('a sealed blob replayed into another request, or decisions for other customers than the guest named, are refused; a nonce serves once', async () => {
    const ask = <K extends 'score.request' | 'score.handles' | 'score.combine'>(party: string, kind: K, body: Parameters<Coordinator['links']['requests']['ask']>[2] & object, payload: Uint8Array) =>
      c.links.requests.ask(party, kind, body as never, { what: 'test', timeoutMs: 60_000, payload });
    const guestAsk = async (ids: string[]) => {
      const reply = await ask('bank', 'score.request', { kind: 'vertical' as const, model: MODEL, modelJob: job, count: ids.length }, encodeIds(ids));
      return { nonce: (reply.body as { nonce: string }).nonce, handles: reply.payload as Uint8Array };
    };
    const hostSeal = async (nonce: string, handles: Uint8Array) =>
      (await ask('insurer', 'score.handles', { model: MODEL, modelJob: job, count: handles.length / 16, nonce }, handles)).payload as Uint8Array;
    const combine = (nonce: string, sealed: Uint8Array) => ask('bank', 'score.combine', { model: MODEL, modelJob: job, nonce, hosts: ['insurer'] }, packBlobs([sealed]));
    const ids = ['0', '1', '2'];
    const first = await guestAsk(ids);
    const sealed1 = await hostSeal(first.nonce, first.handles);
    // The first request's sealed decisions replayed into a second request: refused.
    const second = await guestAsk(['3', '4', '5']);
    expect(second.nonce).not.toBe(first.nonce);
    await expect(combine(second.nonce, sealed1)).rejects.toMatchObject({ code: 'FM_ERR_WIRE_DECRYPT' });
    // The host asked, under a fresh nonce, for other customers than the guest named: refused.
    const third = await guestAsk(['3', '4', '5']);
    await expect(combine(third.nonce, await hostSeal(third.nonce, first.handles))).rejects.toMatchObject({ code: 'FM_ERR_WIRE_DECRYPT' });
    // The honest route still works, once.
    const logits = await combine(first.nonce, sealed1);
    const reference = referenceLogits();
    expect(Array.from(readFloat64(logits.payload, 3, 'logits')).map((u, i) => Math.abs(u - (reference.get(ids[i] as string) as number)) < 1e-9)).toEqual([true, true, true]);
    await expect(combine(first.nonce, sealed1)).rejects.toMatchObject({ code: 'FM_ERR_WIRE_UNEXPECTED' });
    // A host asked for a model combined at the guest without the guest's nonce refuses.
    await expect(ask('insurer', 'score.handles', { model: MODEL, modelJob: job, count: ids.length }, first.handles)).rejects.toMatchObject({ code: 'FM_ERR_WIRE_REQUEST' });
  }, 120_000);

  it('batch: every customer of the intersection into a file at the guest, equal to online scores; the host sealed its decisions', async () => {
    frames.length = 0;
    const res = await post(`/v1/models/${MODEL}/batch-score`, SCORER, { all: true });
    expect(res.statusCode).toBe(200);
    const { rows, writtenAt } = res.json() as { rows: number; writtenAt: { party: string; path: string } };
    expect(rows).toBe(569);
    expect(writtenAt.party).toBe('bank');
    const lines = (await readFile(writtenAt.path, 'utf8')).trim().split('\n');
    expect(lines[0]).toBe('id,score,decile');
    const byId = new Map(lines.slice(1).map((l) => l.split(',')).map(([id, score, decile]) => [id as string, { score: Number(score), decile: Number(decile) }]));
    expect(byId.size).toBe(569);
    const reference = referenceLogits();
    for (const [id, { score }] of byId) expect(Math.abs(logit(score) - (reference.get(id) as number))).toBeLessThan(1e-9);
    const some = [...byId.keys()].slice(0, 50);
    const online = (await post(`/v1/models/${MODEL}/score`, SCORER, { ids: some })).json().results as Result[];
    expect(online.map((r) => [r.score, r.decile])).toEqual(some.map((id) => [byId.get(id)?.score, byId.get(id)?.decile]));
    const fromHost = frames.filter((f) => f.direction === 'in' && f.party === 'insurer' && f.frame.kind === 'score.reply');
    expect(fromHost.length).toBeGreaterThan(0);
    for (const f of fromHost) expect(f.frame.body).toMatchObject({ width: 0, sealed: true });
  }, 120_000);
});
