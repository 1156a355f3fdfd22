import { describe, expect, it } from 'vitest';
import { PartyRequests, type RequestLink } from './partyRequests.ts';
import type { LinkFrame, MessageKind } from '../protocol/messages/index.ts';

const done = (job: string): LinkFrame => ({ kind: 'job.done', job, seq: 1, body: { psi: { intersectionSize: 3 } } });

/** A link that records what was sent and lets a test take parties off line. */
function link(): RequestLink & { sent: Array<{ party: string; kind: MessageKind; request?: number }>; offline: Set<string> } {
  const sent: Array<{ party: string; kind: MessageKind; request?: number }> = [];
  const offline = new Set<string>();
  return {
    sent,
    offline,
    isOnline: (party) => !offline.has(party),
    send: (party, kind, _body, opts = {}) => void sent.push({ party, kind, ...(opts.request === undefined ? {} : { request: opts.request }) }),
  };
}

describe('party requests: asking a party', () => {
  it('numbers each request and settles it with the reply of the kind that answers it, from the party asked', async () => {
    const l = link();
    const requests = new PartyRequests(l);
    const listing = requests.ask('bank', 'datasets.list', {}, { what: 'dataset listing', timeoutMs: 1000 });
    const key = requests.ask('bank', 'seeds.key', {}, { what: 'seed upload', timeoutMs: 1000 });
    expect(l.sent).toEqual([{ party: 'bank', kind: 'datasets.list', request: 0 }, { party: 'bank', kind: 'seeds.key', request: 1 }]);
    // Routed by kind and party as well as number: the wrong kind, or the right number from another party, settles nothing.
    expect(requests.settle('bank', { kind: 'seeds.keyed', seq: 1, request: 0, body: { endorsement: { identity: 'a'.repeat(64), signature: 'b'.repeat(128) } } })).toBe(true);
    expect(requests.settle('insurer', { kind: 'datasets.listed', seq: 1, request: 0, body: { datasets: [] } })).toBe(true);
    expect(requests.settle('bank', { kind: 'datasets.listed', seq: 2, request: 0, body: { datasets: [{ name: 'crm' }] } })).toBe(true);
    await expect(listing).resolves.toMatchObject({ kind: 'datasets.listed', body: { datasets: [{ name: 'crm' }] } });
    requests.settle('bank', { kind: 'seeds.keyed', seq: 3, request: 1, error: { code: 'FM_ERR_POLICY_REFUSED', message: 'refused by policy' } });
    await expect(key).rejects.toMatchObject({ code: 'FM_ERR_POLICY_REFUSED', message: 'refused by policy' });
    // A frame that is no reply is left to the job it belongs to.
    expect(requests.settle('bank', done('j1'))).toBe(false);
  });

  it('times out naming what was asked and the party, and fails what an offline or departing party was asked', async () => {
    const l = link();
    const requests = new PartyRequests(l);
    await expect(requests.ask('bank', 'datasets.list', {}, { what: 'dataset listing', timeoutMs: 50 })).rejects.toThrow(/dataset listing: no answer from bank/);
    l.offline.add('insurer');
    await expect(requests.ask('insurer', 'datasets.list', {}, { what: 'dataset listing', timeoutMs: 1000 })).rejects.toMatchObject({ code: 'FM_ERR_JOB_PARTY_OFFLINE' });
    const pending = requests.ask('bank', 'score.all', { model: 'm', modelJob: 'j' }, { what: 'scoring m', timeoutMs: 10_000 });
    requests.partyGone('bank');
    await expect(pending).rejects.toMatchObject({ code: 'FM_ERR_JOB_PARTY_OFFLINE' });
    // Its late reply is dropped.
    expect(requests.settle('bank', { kind: 'score.reply', seq: 9, request: 3, body: { width: 1, unscorable: [] } })).toBe(true);
  });
});

describe('party requests: waiting within a job', () => {
  it('hands over a frame that arrived before the wait, and one that arrives after', async () => {
    const box = new PartyRequests(link());
    box.deliver('bank', done('j1'));
    await expect(box.wait('j1', 'bank', ['job.done'], 1000)).resolves.toMatchObject({ kind: 'job.done' });
    const later = box.wait('j2', 'bank', ['job.done'], 1000);
    box.deliver('bank', done('j2'));
    await expect(later).resolves.toMatchObject({ job: 'j2' });
  });

  it('times out naming the job and party, unless progress extends the deadline', async () => {
    const box = new PartyRequests(link());
    const slow = box.wait('j3', 'insurer', ['job.done'], 150);
    const kept = setInterval(() => box.extend('j3'), 50);
    await new Promise((r) => setTimeout(r, 400));
    clearInterval(kept);
    box.deliver('insurer', done('j3'));
    await expect(slow).resolves.toMatchObject({ job: 'j3' });
    await expect(box.wait('j4', 'insurer', ['job.done'], 50)).rejects.toThrow(/job j4: no answer from insurer/);
  });

  it('fails the waits of a party that drops its link, and those of a cancelled job', async () => {
    const box = new PartyRequests(link());
    const waiting = box.wait('j5', 'bank', ['job.ready'], 10_000);
    box.partyGone('bank');
    await expect(waiting).rejects.toMatchObject({ code: 'FM_ERR_JOB_PARTY_OFFLINE' });
    const cancelled = box.wait('j7', 'bank', ['job.done'], 10_000);
    box.abort('j7', new Error('cancelled'));
    await expect(cancelled).rejects.toThrow('cancelled');
    await expect(box.wait('j7', 'insurer', ['job.done'], 10_000)).rejects.toThrow('cancelled');
  });

  it('ends an abandoned attempt: its queued frames go and an open wait no longer holds a timer over the next one', async () => {
    const box = new PartyRequests(link());
    const stale = box.wait('j6', 'bank', ['job.done'], 100);
    box.deliver('partner', done('j6'));
    box.forget('j6');
    await expect(stale).rejects.toMatchObject({ code: 'FM_ERR_INTERNAL' });
    const next = box.wait('j6', 'bank', ['job.done'], 10_000);
    await new Promise((r) => setTimeout(r, 200));
    box.deliver('bank', done('j6'));
    await expect(next).resolves.toMatchObject({ job: 'j6' });
    await expect(box.wait('j6', 'partner', ['job.done'], 50)).rejects.toMatchObject({ code: 'FM_ERR_JOB_TIMEOUT' });
  });
});
