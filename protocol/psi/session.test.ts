import { afterAll, describe, expect, it } from 'vitest';
import { BlindingPool } from './pool.ts';
import { PsiGuest, PsiHost, type IdList, type PsiContext } from './session.ts';
import { psiCodec } from './messages.ts';
import type { PairState, ReuseStore } from './reuse.ts';

const pool = new BlindingPool({ threads: 2 });
afterAll(() => pool.close());

/** A reuse store in memory; `stale` swaps in an older state to play a partner whose file went back. */
class MemoryStore implements ReuseStore {
  state: PairState | undefined;
  saved: PairState[] = [];
  async load(): Promise<PairState | undefined> {
    return this.state && structuredClone(this.state);
  }
  async save(state: PairState): Promise<void> {
    this.state = structuredClone(state);
    this.saved.push(this.state);
  }
}

interface Run {
  rows: Uint32Array[];
  /** Blinded items each party streamed (own IDs hashed and blinded, not re-blindings). */
  streamed: Record<string, number>;
}

/** Wires a guest and hosts together in memory, delivering asynchronously and in order like a relay. */
async function run(guestIds: IdList, hostIds: Record<string, IdList>, o: { chunkSize?: number; chunkSizes?: Record<string, number>; job?: string; stores?: Record<string, Record<string, MemoryStore>>; pools?: Record<string, BlindingPool>; tap?: (from: string, to: string, frame: ReturnType<typeof psiCodec.decode>) => void } = {}): Promise<Run> {
  const parties = new Map<string, PsiGuest | PsiHost>();
  const streamed: Record<string, number> = {};
  const ctx = (self: string): PsiContext => ({
    job: o.job ?? 'job-test',
    pool: o.pools?.[self] ?? pool,
    chunkSize: o.chunkSizes?.[self] ?? o.chunkSize ?? 100,
    send: (peer, frame) => {
      const f = psiCodec.decode(frame);
      if (f.kind === 'psi.guest-blinded' || f.kind === 'psi.host-blinded') streamed[self] = (streamed[self] ?? 0) + (f.payload?.length ?? 0) / 32;
      o.tap?.(self, peer, f);
      setImmediate(() => parties.get(peer)?.receive(self, frame));
    },
    ...(o.stores?.[self] ? { reuse: (peer: string) => o.stores?.[self]?.[peer] } : {}),
  });
  const guest = new PsiGuest(ctx('guest'), guestIds, Object.keys(hostIds));
  parties.set('guest', guest);
  const hosts = Object.entries(hostIds).map(([id, ids]) => {
    const host = new PsiHost(ctx(id), ids, 'guest');
    parties.set(id, host);
    return host;
  });
  const rows = await Promise.all([guest.start(), ...hosts.map((h) => h.start())]);
  return { rows, streamed };
}

const ids = (prefix: string, from: number, to: number) => Array.from({ length: to - from }, (_, i) => `${prefix}${from + i}`);
const at = (list: string[], rows: Uint32Array | undefined) => Array.from(rows as Uint32Array, (r) => list[r]);

describe('ECDH-PSI session', () => {
  it('finds exactly the common IDs, in the same order at guest and host', async () => {
    const guestIds = ids('c', 0, 1000);
    const hostIds = ids('c', 600, 1500).reverse();
    const { rows: [guestRows, hostRows] } = await run(guestIds, { h1: hostIds });
    const guestSide = at(guestIds, guestRows);
    expect(guestSide).toEqual(at(hostIds, hostRows));
    expect(new Set(guestSide)).toEqual(new Set(ids('c', 600, 1000)));
  });

  it('intersects across several hosts', async () => {
    const guestIds = ids('x', 0, 500);
    const h1 = ids('x', 100, 700);
    const h2 = ids('x', 0, 300).concat(ids('y', 0, 50));
    const { rows: [g, r1, r2] } = await run(guestIds, { h1, h2 }, { chunkSize: 64 });
    const gs = at(guestIds, g);
    expect(new Set(gs)).toEqual(new Set(ids('x', 100, 300)));
    expect(at(h1, r1)).toEqual(gs);
    expect(at(h2, r2)).toEqual(gs);
  });

  it('matches only once every host chunk is blinded, however late the pool answers', async () => {
    // The guest's blinding of h1's last chunk is held on the pool until h2's last chunk has been
    // handled, and h2 sends that chunk only after h1's is in: the match must wait for h1's values,
    // not run on an array with a gap of zeros.
    const gate = () => {
      let open!: () => void;
      return { opened: new Promise<void>((resolve) => (open = resolve)), open };
    };
    const h1LastIn = gate();
    const h2LastDone = gate();
    /** A pool that holds calls of one size until `wait` settles. */
    const holding = (o: { blinds?: number; hashes?: number; wait: Promise<void>; onHold?: () => void }) => new (class extends BlindingPool {
      override async blind(p: Uint8Array, scalar: Uint8Array): Promise<Uint8Array> {
        if (p.length === (o.blinds ?? -1) * 32) {
          o.onHold?.();
          await o.wait;
        }
        return super.blind(p, scalar);
      }
      override async hashAndBlind(list: readonly string[], job: string, scalar: Uint8Array): Promise<Uint8Array> {
        if (list.length === o.hashes) await o.wait;
        return super.hashAndBlind(list, job, scalar);
      }
    })({ threads: 1 });
    // h1 has 600 IDs (last chunk 24), h2 350 (last chunk 30, index 5), in chunks of 64.
    const guestPool = holding({ blinds: 24, wait: h2LastDone.opened, onHold: h1LastIn.open });
    const h2Pool = holding({ hashes: 30, wait: h1LastIn.opened });
    try {
      const guestIds = ids('x', 0, 64);
      const h1 = ids('x', 10, 610);
      const h2 = ids('x', 0, 320).concat(ids('y', 0, 30));
      const { rows: [g, r1, r2] } = await run(guestIds, { h1, h2 }, {
        chunkSize: 64,
        pools: { guest: guestPool, h2: h2Pool },
        tap: (from, to, f) => {
          if (from === 'guest' && to === 'h2' && f.kind === 'psi.ack' && f.body.chunk === 5) setTimeout(h2LastDone.open, 20);
        },
      });
      const gs = at(guestIds, g);
      expect(new Set(gs)).toEqual(new Set(ids('x', 10, 64)));
      expect(at(h1, r1)).toEqual(gs);
      expect(at(h2, r2)).toEqual(gs);
    } finally {
      await Promise.all([guestPool.close(), h2Pool.close()]);
    }
  });

  it('works when each side cuts its streams into chunks of its own size', async () => {
    const s = { guest: { h1: new MemoryStore() }, h1: { guest: new MemoryStore() } };
    const guestIds = ids('c', 0, 700);
    const hostIds = ids('c', 300, 1000);
    for (const job of ['job-1', 'job-2']) {
      const { rows: [g, h] } = await run(guestIds, { h1: hostIds }, { job, chunkSizes: { guest: 64, h1: 150 }, stores: s });
      expect(at(guestIds, g)).toEqual(at(hostIds, h));
      expect(g?.length).toBe(400);
    }
  });

  it('reads IDs from any list with at(), not only arrays', async () => {
    const list = (prefix: string, n: number): IdList => ({ length: n, at: (i) => (i >= 0 && i < n ? `${prefix}${i}` : undefined) });
    const { rows: [g, h] } = await run(list('k', 300), { h1: list('k', 200) }, { chunkSize: 32 });
    expect(g?.length).toBe(200);
    expect(Array.from(g!, (r) => `k${r}`)).toEqual(Array.from(h!, (r) => `k${r}`));
  });

  it('handles an empty side and disjoint sets', async () => {
    const { rows: [g, h] } = await run([], { h1: ids('a', 0, 10) });
    expect(g?.length).toBe(0);
    expect(h?.length).toBe(0);
    const { rows: [g2] } = await run(ids('a', 0, 10), { h1: ids('b', 0, 10) });
    expect(g2?.length).toBe(0);
  });

  it('fails on a chunk of the wrong size, a chunk out of order and an out-of-range or repeated result', async () => {
    const host = (): PsiHost => {
      const h = new PsiHost({ job: 'j', pool, send: () => undefined }, ids('a', 0, 5), 'guest');
      void h.start();
      h.receive('guest', psiCodec.encode('psi.hello', 0, { rows: 3, chunkSize: 10 }));
      return h;
    };
    const wrongSize = host();
    wrongSize.receive('guest', psiCodec.encode('psi.items', 0, { items: 3, base: 0, removed: 0 }));
    wrongSize.receive('guest', psiCodec.encode('psi.guest-blinded', 0, { chunk: 0 }, { payload: new Uint8Array(64) }));
    await expect(wrongSize.result).rejects.toThrow(/chunk 0 has 64 bytes, expected 96/);

    const early = host();
    early.receive('guest', psiCodec.encode('psi.guest-blinded', 0, { chunk: 0 }, { payload: new Uint8Array(96) }));
    await expect(early.result).rejects.toThrow(/chunk before items/);

    const outOfRange = host();
    outOfRange.receive('guest', psiCodec.encode('psi.result', 0, { size: 1, chunk: 0 }, { payload: new Uint8Array(Uint32Array.of(7).buffer) }));
    await expect(outOfRange.result).rejects.toThrow(/position 7 is out of range/);

    const repeated = host();
    repeated.receive('guest', psiCodec.encode('psi.result', 0, { size: 2, chunk: 0 }, { payload: new Uint8Array(Uint32Array.of(1, 1).buffer) }));
    await expect(repeated.result).rejects.toThrow(/position 1 is out of range or repeated/);
  });
});

describe('ECDH-PSI session with reuse', () => {
  const stores = () => ({ guest: { h1: new MemoryStore() }, h1: { guest: new MemoryStore() } });
  // 2,000 IDs at the guest, 1,500 at the host, 1,000 shared.
  const guest1 = ids('c', 0, 2000);
  const host1 = ids('c', 1000, 2500).reverse();
  // Then 12 changes on each side: the guest drops 5 and adds 7 (3 of them the host holds), the host drops 4 (2 shared) and adds 8 (2 the guest holds).
  const guest2 = guest1.filter((id) => !['c3', 'c1001', 'c1500', 'c1999', 'c17'].includes(id)).concat(['c2001', 'c2002', 'c2003', 'n1', 'n2', 'n3', 'n4']);
  const host2 = host1.filter((id) => !['c1200', 'c1300', 'c2400', 'c2401'].includes(id)).concat(['c5', 'c6', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6']);
  const plain = (g: string[], h: string[]) => new Set(g.filter((id) => new Set(h).has(id)));

  it('a second job with a few changed IDs blinds only those and gives the intersection of a fresh PSI, in the same canonical order at both', async () => {
    const s = stores();
    const first = await run(guest1, { h1: host1 }, { job: 'job-1', stores: s });
    expect(first.streamed).toEqual({ guest: 2000, h1: 1500 });
    expect(new Set(at(guest1, first.rows[0]))).toEqual(plain(guest1, host1));

    const second = await run(guest2, { h1: host2 }, { job: 'job-2', stores: s });
    expect(second.streamed).toEqual({ guest: 7, h1: 8 });
    const atGuest = at(guest2, second.rows[0]);
    expect(atGuest).toEqual(at(host2, second.rows[1]));
    expect(new Set(atGuest)).toEqual(plain(guest2, host2));
    expect(atGuest).toHaveLength(1000 - 3 - 2 + 3 + 2); // minus c1001, c1500, c1999 (guest) and c1200, c1300 (host), plus c2001-3 and c5, c6

    // A fresh PSI (per-job keys, so another canonical order) finds the same customers.
    const fresh = await run(guest2, { h1: host2 }, { job: 'job-3' });
    expect(new Set(at(guest2, fresh.rows[0]))).toEqual(new Set(atGuest));
    expect(s.guest.h1.state?.generation).toBe(2);
    expect(s.h1.guest.state?.generation).toBe(2);
  });

  it('a rotated key on either side forces full blinding under new keys, then reuse again', async () => {
    const s = stores();
    await run(guest1, { h1: host1 }, { job: 'job-1', stores: s });
    const oldKey = s.h1.guest.state!.key;
    s.h1.guest.state = undefined; // the host's rotation: its store gives no state
    const rotated = await run(guest2, { h1: host2 }, { job: 'job-2', stores: s });
    expect(rotated.streamed).toEqual({ guest: guest2.length, h1: host2.length });
    expect(new Set(at(guest2, rotated.rows[0]))).toEqual(plain(guest2, host2));
    expect(s.h1.guest.state!.key).not.toEqual(oldKey);
    expect(s.guest.h1.state!.generation).toBe(1);
    const again = await run(guest1, { h1: host1 }, { job: 'job-3', stores: s });
    expect(again.streamed).toEqual({ guest: 5, h1: 4 });
    expect(new Set(at(guest1, again.rows[0]))).toEqual(plain(guest1, host1));
  });

  it('a partner state from another job (a restored old file) is detected: a full run, never a mix', async () => {
    const s = stores();
    await run(guest1, { h1: host1 }, { job: 'job-1', stores: s });
    const hostAfterJob1 = s.h1.guest.state;
    await run(guest2, { h1: host2 }, { job: 'job-2', stores: s });
    s.h1.guest.state = hostAfterJob1; // the host's file went back one job; the guest's did not
    const third = await run(guest2, { h1: host2 }, { job: 'job-3', stores: s });
    expect(third.streamed).toEqual({ guest: guest2.length, h1: host2.length });
    expect(new Set(at(guest2, third.rows[0]))).toEqual(plain(guest2, host2));
    expect(at(guest2, third.rows[0])).toEqual(at(host2, third.rows[1]));
  });

  it('reuses nothing unless both sides offer it', async () => {
    const s = { guest: { h1: new MemoryStore() } };
    const one = await run(guest1, { h1: host1 }, { job: 'job-1', stores: s });
    const two = await run(guest1, { h1: host1 }, { job: 'job-2', stores: s });
    expect(two.streamed).toEqual(one.streamed);
    expect(s.guest.h1.saved).toHaveLength(0);
  });

  it('fails when the host names a removed handle the guest does not hold', async () => {
    const s = stores();
    await run(guest1, { h1: host1 }, { job: 'job-1', stores: s });
    const parties = new Map<string, PsiGuest | PsiHost>();
    const tamper = (frame: Buffer): Buffer => {
      const f = psiCodec.decode(frame);
      return f.kind === 'psi.removed' ? psiCodec.encode('psi.removed', 0, f.body as { chunk: number }, { payload: new Uint8Array(Uint32Array.of(999_999).buffer) }) : frame;
    };
    const ctx = (self: string): PsiContext => ({
      job: 'job-2', pool, chunkSize: 100, reuse: (peer) => (s as Record<string, Record<string, MemoryStore>>)[self]?.[peer],
      send: (peer, frame) => setImmediate(() => parties.get(peer)?.receive(self, self === 'h1' ? tamper(frame) : frame)),
    });
    const guest = new PsiGuest(ctx('guest'), guest1, ['h1']);
    const host = new PsiHost(ctx('h1'), host1.slice(1), 'guest');
    parties.set('guest', guest).set('h1', host);
    const result = guest.start();
    void host.start();
    await expect(result).rejects.toThrow(/removed handle 999999 is not held/);
  });
});
