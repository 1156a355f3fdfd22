// The coordinator's side of federated scoring with stand-in parties that speak the wire protocol:
// the guest maps IDs to handles, the host scores handles; sums, σ, deciles, one 'unscorable'
// status whichever party cannot score, and batch scoring of the whole intersection.
import { EventEmitter } from 'node:events';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { BodyOf, LinkFrame, MessageKind } from '../../protocol/messages/index.ts';
import { decodeIds } from '../../protocol/messages/score.ts';
import { float64Bytes, readFloat64 } from '../../protocol/peer/blobs.ts';
import type { ModelCard } from '../../protocol/messages/jobSpec.ts';
import type { PartyLinks } from '../links.ts';
import { Store } from '../store.ts';
import { ScoringService } from './service.ts';
import { PartyRequests } from '../partyRequests.ts';

/** The canonical PSI order of the stand-in job: row i is the same customer at both parties. */
const INTERSECTION = ['a', 'b', 'c', 'd'];
const handleOf = (row: number) => Buffer.alloc(16, row + 1);

/**
 * Stand-in parties. The guest holds `guest` (partial scores; null = no consent) and the
 * intersection above; the host holds `host`, keyed by ID, and is only ever asked by handle.
 */
function standIns(guest: Record<string, number | null>, host: Record<string, number>) {
  const emitter = new EventEmitter();
  const seenByHost: string[] = [];
  const saved: Float64Array[] = [];
  const send = ((party: string, kind: MessageKind, body: BodyOf<MessageKind>, opts: { payload?: Uint8Array; request?: number } = {}) => {
    const request = opts.request as number;
    const answer = (party: string, body: BodyOf<'score.reply'>, payload: Buffer) => {
      const frame: LinkFrame = { kind: 'score.reply', seq: 0, request, body, payload };
      setImmediate(() => emitter.emit('frame', party, frame));
    };
    if (kind === 'score.request' && party === 'bank') {
      const ids = decodeIds(opts.payload, (body as BodyOf<'score.request'>).count);
      const rows = ids.map((id) => INTERSECTION.indexOf(id));
      const scorable = ids.map((id, i) => (rows[i] as number) >= 0 && typeof guest[id] === 'number');
      const unscorable = scorable.flatMap((ok, i) => (ok ? [] : [i]));
      const scores = Float64Array.from(ids, (id, i) => (scorable[i] ? (guest[id] as number) : Number.NaN));
      const handles = Buffer.concat(rows.filter((_, i) => scorable[i]).map(handleOf));
      answer(party, { width: 1, unscorable, hosts: ['insurer'] }, Buffer.concat([float64Bytes(scores), handles]));
    } else if (kind === 'score.handles' && party === 'insurer') {
      const bytes = Buffer.from(opts.payload as Uint8Array);
      const ids = Array.from({ length: bytes.length / 16 }, (_, k) => INTERSECTION[INTERSECTION.findIndex((_, r) => handleOf(r).equals(bytes.subarray(k * 16, (k + 1) * 16)))] ?? '(no customer)');
      seenByHost.push(...ids);
      const unscorable = ids.flatMap((id, k) => (id in host ? [] : [k]));
      answer(party, { width: 1, unscorable }, float64Bytes(Float64Array.from(ids, (id) => host[id] ?? Number.NaN)));
    } else if (kind === 'score.all') {
      const table = party === 'bank' ? guest : host;
      const unscorable = INTERSECTION.flatMap((id, i) => (typeof table[id] === 'number' ? [] : [i]));
      answer(party, { width: 1, unscorable }, float64Bytes(Float64Array.from(INTERSECTION, (id) => table[id] ?? Number.NaN)));
    } else if (kind === 'score.save') {
      saved.push(readFloat64(opts.payload, INTERSECTION.length * 2, 'score.save'));
      setImmediate(() => emitter.emit('frame', party, { kind: 'score.saved', seq: 0, request, body: { path: '/bank/scores/m.csv', rows: INTERSECTION.length } }));
    } else {
      throw new Error(`stand-in ${party} got ${kind}`);
    }
  }) as PartyLinks['send'];
  const link = { isOnline: () => true, send };
  // The real tracker, as the links own one: it numbers the requests and settles them by reply.
  const requests = new PartyRequests(link);
  emitter.on('frame', (party: string, frame: LinkFrame) => requests.settle(party, frame));
  return { links: Object.assign(emitter, link, { requests }) as unknown as PartyLinks, seenByHost, saved };
}

function publishedModel(): Store {
  const store = new Store(':memory:');
  store.createJob('job-1', { name: 'm', kind: 'vertical', parties: [
    { id: 'bank', role: 'guest', data: { path: '/a.csv', idColumn: 'id' } },
    { id: 'insurer', role: 'host', data: { path: '/b.csv', idColumn: 'id' } },
  ] });
  const card = { job: 'job-1', kind: 'vertical', intersectionSize: INTERSECTION.length, trainRows: 3, evalRows: 1, featuresByParty: {}, metrics: {}, lift: [], history: [],
    deciles: [2, 1.5, 1, 0.5, 0, -0.5, -1, -1.5, -2], training: { epochs: 1, batchSize: 1, learningRate: 1, l2: 0, seed: 1 } } as ModelCard;
  store.addModel('m', 'job-1', card);
  store.setModelStatus('m', 1, 'published');
  return store;
}

describe('federated scoring at the coordinator', () => {
  it('sums partial scores, applies σ and deciles, and answers one "unscorable" whichever party cannot score', async () => {
    // c: no consent at the guest; d: gone from the host; zz: at no party.
    const { links, seenByHost } = standIns({ a: 0.5, b: -3, c: null, d: 0 }, { a: 0.25, b: 0.5, c: 1 });
    const scoring = new ScoringService(publishedModel(), links, pino({ level: 'silent' }));
    const results = await scoring.score(scoring.resolve('m'), ['a', 'b', 'c', 'd', 'zz']);
    expect(results[0]).toEqual({ id: 'a', score: 1 / (1 + Math.exp(-0.75)), decile: 4, status: 'ok' });
    expect(results[1]).toEqual({ id: 'b', score: 1 / (1 + Math.exp(2.5)), decile: 10, status: 'ok' });
    for (const r of results.slice(2)) expect(r).toEqual({ id: r.id, score: null, decile: null, status: 'unscorable' });
    // The host was asked only for the customers the guest could score, by handle.
    expect(seenByHost).toEqual(['a', 'b', 'd']);
  });

  it('asks the host for one handle of no customer when the guest can score none of the IDs, so both cases take one round trip', async () => {
    const { links, seenByHost } = standIns({ a: 0.5 }, { a: 0.25 });
    const scoring = new ScoringService(publishedModel(), links, pino({ level: 'silent' }));
    expect((await scoring.score(scoring.resolve('m'), ['zz'])).map((r) => r.status)).toEqual(['unscorable']);
    expect(seenByHost).toEqual(['(no customer)']);
  });

  it('batch-scores the whole intersection with an empty score and decile, not decile 1, for a row a party cannot score', async () => {
    const { links, saved } = standIns({ a: 3, b: -3, c: null, d: 0 }, { a: 0, b: 0, c: 0 });
    const scoring = new ScoringService(publishedModel(), links, pino({ level: 'silent' }));
    expect(await scoring.scoreAll(scoring.resolve('m'))).toEqual({ party: 'bank', path: '/bank/scores/m.csv', rows: 4 });
    const [values] = saved as [Float64Array];
    expect([values[0], values[1]]).toEqual([1 / (1 + Math.exp(-3)), 1]);
    expect([values[2], values[3]]).toEqual([1 / (1 + Math.exp(3)), 10]);
    for (const row of [2, 3]) expect([values[2 * row], values[2 * row + 1]]).toEqual([Number.NaN, Number.NaN]);
  });

  it('refuses an ID asked for more often than its hourly limit, whoever asks, before any party sees it', async () => {
    const { links, seenByHost } = standIns({ a: 0.5, b: 0.5 }, { a: 0.25, b: 0.25 });
    const scoring = new ScoringService(publishedModel(), links, pino({ level: 'silent' }), { perIdPerHour: 2 });
    const model = scoring.resolve('m');
    await scoring.score(model, ['a']);
    await expect(scoring.score(model, ['b', 'a', 'a'])).rejects.toMatchObject({ code: 'FM_ERR_SCORE_ID_RATE', message: expect.stringContaining('ids[2]') });
    expect(seenByHost).toEqual(['a']);
    // The refused request counted nothing: b and a are still within their limits.
    expect((await scoring.score(model, ['b', 'a'])).map((r) => r.status)).toEqual(['ok', 'ok']);
    // Case and surrounding spaces do not make another ID.
    await expect(scoring.score(model, [' A '])).rejects.toMatchObject({ code: 'FM_ERR_SCORE_ID_RATE' });
  });
});

describe('what scoring tells monitoring', () => {
  it('hands over the deciles of every set of scores served, online and batch, NaN where unscorable', async () => {
    const { links } = standIns({ a: 3, b: -3, c: null, d: 0 }, { a: 0, b: 0, c: 0, d: 0 });
    const served: Array<{ version: number; deciles: number[] }> = [];
    const scoring = new ScoringService(publishedModel(), links, pino({ level: 'silent' }), { onServed: (model, deciles) => served.push({ version: model.version, deciles: [...deciles] }) });
    const model = scoring.resolve('m');
    await scoring.score(model, ['a', 'c', 'zz']);
    await scoring.scoreAll(model);
    expect(served).toEqual([{ version: 1, deciles: [1, Number.NaN, Number.NaN] }, { version: 1, deciles: [1, 10, Number.NaN, 5] }]);
  });
});
