// The coordinator's side of federated scoring with stand-in parties: sums, σ, deciles, and the
// per-ID status when one party does not hold an ID or holds it without consent.
import { EventEmitter } from 'node:events';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { BodyOf, LinkFrame } from '../../protocol/messages/index.ts';
import { decodeIds } from '../../protocol/messages/train.ts';
import { float64Bytes } from '../../protocol/vertical/messages.ts';
import type { ModelCard } from '../../protocol/messages/jobSpec.ts';
import type { PartyLinks } from '../links.ts';
import { Store } from '../store.ts';
import { ScoringService } from './service.ts';

/** Parties that answer score requests from a table of partial scores (NaN = not held, null = no consent). */
function fakeLinks(tables: Record<string, Record<string, number | null>>): PartyLinks {
  const links = new EventEmitter() as EventEmitter & { send: PartyLinks['send']; isOnline: PartyLinks['isOnline'] };
  links.isOnline = (party) => party in tables;
  links.send = ((party: string, kind: string, body: unknown, opts: { payload?: Uint8Array } = {}) => {
    if (kind !== 'score.request') return;
    const b = body as BodyOf<'score.request'>;
    const ids = decodeIds(opts.payload, b.count);
    const table = tables[party] as Record<string, number | null>;
    const unknown: number[] = [];
    const noConsent: number[] = [];
    const scores = Float64Array.from(ids, (id, i) => {
      if (!(id in table)) unknown.push(i);
      else if (table[id] === null) noConsent.push(i);
      return table[id] ?? Number.NaN;
    });
    const frame: LinkFrame = { kind: 'score.reply', seq: 0, body: { request: b.request, unknown, noConsent }, payload: float64Bytes(scores) };
    setImmediate(() => links.emit('frame', party, frame));
  }) as PartyLinks['send'];
  return links as unknown as PartyLinks;
}

describe('federated scoring at the coordinator', () => {
  it('sums partial scores, applies σ and deciles, and reports unknown and no-consent IDs', async () => {
    const store = new Store(':memory:');
    store.createJob('job-1', { name: 'm', kind: 'vertical', parties: [
      { id: 'bank', role: 'guest', data: { path: '/a.csv', idColumn: 'id' } },
      { id: 'insurer', role: 'host', data: { path: '/b.csv', idColumn: 'id' } },
    ] });
    const card = { job: 'job-1', kind: 'vertical', intersectionSize: 3, trainRows: 2, evalRows: 1, featuresByParty: {}, metrics: {}, lift: [], history: [],
      deciles: [2, 1.5, 1, 0.5, 0, -0.5, -1, -1.5, -2], training: { epochs: 1, batchSize: 1, learningRate: 1, l2: 0, seed: 1 } } as ModelCard;
    store.addModel('m', 'job-1', card);
    store.setModelStatus('m', 1, 'published');
    const links = fakeLinks({ bank: { a: 0.5, b: -3, c: 1, d: 0 }, insurer: { a: 0.25, b: 0.5, c: null } });
    const scoring = new ScoringService(store, links, pino({ level: 'silent' }));
    const results = await scoring.score(scoring.resolve('m'), ['a', 'b', 'c', 'd', 'zz']);
    expect(results[0]).toEqual({ id: 'a', score: 1 / (1 + Math.exp(-0.75)), decile: 4, status: 'ok' });
    expect(results[1]).toEqual({ id: 'b', score: 1 / (1 + Math.exp(2.5)), decile: 10, status: 'ok' });
    expect(results[2]).toMatchObject({ id: 'c', score: null, status: 'no-consent' });
    expect(results[3]).toMatchObject({ id: 'd', score: null, status: 'unknown' });
    expect(results[4]).toMatchObject({ id: 'zz', status: 'unknown' });
  });
});
