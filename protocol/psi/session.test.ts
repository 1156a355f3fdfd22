import { afterAll, describe, expect, it } from 'vitest';
import { BlindingPool } from './pool.ts';
import { PsiGuest, PsiHost, type PsiContext } from './session.ts';
import { psiCodec } from './messages.ts';

const pool = new BlindingPool({ threads: 2 });
afterAll(() => pool.close());

/** Wires a guest and hosts together in memory, delivering asynchronously and in order like a relay. */
function run(guestIds: string[], hostIds: Record<string, string[]>, chunkSize = 100) {
  const parties = new Map<string, PsiGuest | PsiHost>();
  const ctx = (self: string): PsiContext => ({
    job: 'job-test',
    pool,
    chunkSize,
    send: (peer, frame) => setImmediate(() => parties.get(peer)?.receive(self, frame)),
  });
  const guest = new PsiGuest(ctx('guest'), guestIds, Object.keys(hostIds));
  parties.set('guest', guest);
  const hosts = Object.entries(hostIds).map(([id, ids]) => {
    const host = new PsiHost(ctx(id), ids, 'guest');
    parties.set(id, host);
    return host;
  });
  return Promise.all([guest.start(), ...hosts.map((h) => h.start())]);
}

const ids = (prefix: string, from: number, to: number) => Array.from({ length: to - from }, (_, i) => `${prefix}${from + i}`);

describe('ECDH-PSI session', () => {
  it('finds exactly the common IDs, in the same order at guest and host', async () => {
    const guestIds = ids('c', 0, 1000);
    const hostIds = ids('c', 600, 1500).reverse();
    const [guestRows, hostRows] = await run(guestIds, { h1: hostIds });
    const guestSide = Array.from(guestRows as Uint32Array, (r) => guestIds[r]);
    const hostSide = Array.from(hostRows as Uint32Array, (r) => hostIds[r]);
    expect(guestSide).toEqual(hostSide);
    expect(new Set(guestSide)).toEqual(new Set(ids('c', 600, 1000)));
  });

  it('intersects across several hosts', async () => {
    const guestIds = ids('x', 0, 500);
    const h1 = ids('x', 100, 700);
    const h2 = ids('x', 0, 300).concat(ids('y', 0, 50));
    const [g, r1, r2] = await run(guestIds, { h1, h2 }, 64);
    const expected = new Set(ids('x', 100, 300));
    const gs = Array.from(g as Uint32Array, (r) => guestIds[r]);
    expect(new Set(gs)).toEqual(expected);
    expect(Array.from(r1 as Uint32Array, (r) => h1[r])).toEqual(gs);
    expect(Array.from(r2 as Uint32Array, (r) => h2[r])).toEqual(gs);
  });

  it('handles an empty side and disjoint sets', async () => {
    const [g, h] = await run([], { h1: ids('a', 0, 10) });
    expect(g?.length).toBe(0);
    expect(h?.length).toBe(0);
    const [g2] = await run(ids('a', 0, 10), { h1: ids('b', 0, 10) });
    expect(g2?.length).toBe(0);
  });

  it('fails on a chunk of the wrong size and on an out-of-range result', async () => {
    const host = new PsiHost({ job: 'j', pool, send: () => undefined }, ids('a', 0, 5), 'guest');
    void host.start();
    host.receive('guest', psiCodec.encode('psi.hello', 0, { rows: 3, chunkSize: 10 }));
    host.receive('guest', psiCodec.encode('psi.guest-blinded', 0, { chunk: 0 }, { payload: new Uint8Array(64) }));
    await expect(host.result).rejects.toThrow(/chunk 0 has 64 bytes, expected 96/);

    const other = new PsiHost({ job: 'j', pool, send: () => undefined }, ids('a', 0, 5), 'guest');
    void other.start();
    other.receive('guest', psiCodec.encode('psi.result', 0, { size: 1 }, { payload: new Uint8Array(Uint32Array.of(7).buffer) }));
    await expect(other.result).rejects.toThrow(/position 7 is out of range/);
  });
});
