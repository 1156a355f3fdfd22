import { afterAll, describe, expect, it } from 'vitest';
import { FedmarkError } from '../../errors/table.ts';
import { blindPoints, hashAndBlind, newScalar } from './ecdh.ts';
import { hashIdsToPoints } from './hash.ts';
import { BlindingPool } from './pool.ts';
import { hex } from './testing.fixture.ts';

async function rejection(promise: Promise<unknown>): Promise<FedmarkError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof FedmarkError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('BlindingPool', () => {
  const pool = new BlindingPool({ threads: 2 });
  afterAll(() => pool.close());

  const ids = Array.from({ length: 10_000 }, (_, i) => `customer-${i}`);
  const scalar = newScalar();

  it('starts its workers from worker.ts inside vitest', async () => {
    await pool.ready();
    expect(pool.size).toBe(2);
  });

  it('hashAndBlind gives the single-thread bytes for 10,000 IDs, in order', async () => {
    const expected = hashAndBlind(ids, 'job-1', scalar);
    const got = await pool.hashAndBlind(ids, 'job-1', scalar);
    expect(got.length).toBe(ids.length * 32);
    expect(hex(got)).toBe(hex(expected));
  });

  it('blind gives the single-thread bytes for 10,000 points and leaves the input intact', async () => {
    const points = hashIdsToPoints(ids, 'job-1');
    const before = hex(points);
    const got = await pool.blind(points, scalar);
    expect(hex(points)).toBe(before);
    expect(points.buffer.byteLength).toBe(ids.length * 32); // not detached by a transfer
    expect(hex(got)).toBe(hex(blindPoints(points, scalar)));
  });

  it('cuts big calls into more slices than threads and still keeps the order', async () => {
    const many = Array.from({ length: 33_000 }, (_, i) => `row-${i}`); // 3 slices of at most 16,384
    const got = await pool.hashAndBlind(many, 'job-big', scalar);
    expect(hex(got)).toBe(hex(hashAndBlind(many, 'job-big', scalar)));
  });

  it('does not detach a Node Buffer passed in (Buffer#slice is a view)', async () => {
    const points = Buffer.from(hashIdsToPoints(ids.slice(0, 300), 'job-1'));
    const got = await pool.blind(points, Buffer.from(scalar));
    expect(points.length).toBe(300 * 32);
    expect(hex(got)).toBe(hex(blindPoints(points, scalar)));
  });

  it('runs concurrent calls without mixing their slices', async () => {
    const other = newScalar();
    const [a, b, c] = await Promise.all([
      pool.hashAndBlind(ids.slice(0, 1000), 'job-1', scalar),
      pool.hashAndBlind(ids.slice(0, 1000), 'job-2', other),
      pool.blind(hashIdsToPoints(ids.slice(500, 700), 'job-3'), other),
    ]);
    expect(hex(a)).toBe(hex(hashAndBlind(ids.slice(0, 1000), 'job-1', scalar)));
    expect(hex(b)).toBe(hex(hashAndBlind(ids.slice(0, 1000), 'job-2', other)));
    expect(hex(c)).toBe(hex(hashAndBlind(ids.slice(500, 700), 'job-3', other)));
  });

  it('handles empty and tiny inputs', async () => {
    expect((await pool.blind(new Uint8Array(0), scalar)).length).toBe(0);
    expect((await pool.hashAndBlind([], 'job-1', scalar)).length).toBe(0);
    expect(hex(await pool.hashAndBlind(['one'], 'job-1', scalar))).toBe(hex(hashAndBlind(['one'], 'job-1', scalar)));
  });

  it('rejects with the low-order point numbered as in the caller input, then keeps working', async () => {
    const points = hashIdsToPoints(ids, 'job-1');
    points.fill(0, 7000 * 32, 7001 * 32); // in the second slice
    const e = await rejection(pool.blind(points, scalar));
    expect(e.code).toBe('FM_ERR_PSI_POINT');
    expect(e.message).toBe('point 7000 is invalid (low order)');
    expect(hex(await pool.hashAndBlind(ids.slice(0, 200), 'job-1', scalar))).toBe(hex(hashAndBlind(ids.slice(0, 200), 'job-1', scalar)));
  });

  it('rejects (does not throw) on bad inputs, naming the parameter', async () => {
    const call = pool.blind(new Uint8Array(40), scalar);
    expect(call).toBeInstanceOf(Promise);
    expect((await rejection(call)).message).toContain('points must be');
    expect((await rejection(pool.blind(new Uint8Array(64), new Uint8Array(8)))).message).toContain('scalar must be');
    expect((await rejection(pool.hashAndBlind(['a', '\uDC00'], 'job-1', scalar))).message).toContain('ids[1] must be');
    expect((await rejection(pool.hashAndBlind(['a'], '', scalar))).message).toContain('jobId must be');
  });
});

describe('BlindingPool lifecycle', () => {
  it('refuses a bad thread count', () => {
    expect(() => new BlindingPool({ threads: 0 })).toThrow('threads must be an integer');
    expect(() => new BlindingPool({ threads: 1.5 })).toThrow('threads must be an integer');
  });

  it('defaults to os.availableParallelism() threads', async () => {
    const { availableParallelism } = await import('node:os');
    const pool = new BlindingPool();
    expect(pool.size).toBe(availableParallelism());
    await pool.close();
  });

  it('rejects calls running or queued at close() and every call after it', async () => {
    const pool = new BlindingPool({ threads: 1 });
    const scalar = newScalar();
    const ids = Array.from({ length: 3000 }, (_, i) => `c${i}`);
    const running = rejection(pool.hashAndBlind(ids, 'job-1', scalar));
    const queued = rejection(pool.hashAndBlind(ids, 'job-2', scalar));
    await pool.ready();
    await pool.close();
    expect((await running).code).toBe('FM_ERR_PSI_POOL');
    expect((await queued).message).toBe('blinding pool: the pool is closed');
    expect((await rejection(pool.blind(new Uint8Array(32), scalar))).code).toBe('FM_ERR_PSI_POOL');
    await pool.close(); // idempotent
  });

  it('measures every worker at once', async () => {
    const pool = new BlindingPool({ threads: 2 });
    try {
      const rates = await pool.scalarMultRates(0.2);
      expect(rates).toHaveLength(2);
      for (const r of rates) expect(r).toBeGreaterThan(100);
    } finally {
      await pool.close();
    }
  });
});

describe('BlindingPool worker failures', () => {
  it('rejects the call whose worker crashed, and replaces the worker', async () => {
    const pool = new BlindingPool({ threads: 1, workerUrl: new URL('./crash.fixture.ts', import.meta.url) });
    try {
      const e = await rejection(pool.blind(new Uint8Array(64), newScalar()));
      expect(e.code).toBe('FM_ERR_PSI_POOL');
      expect(e.message).toBe('blinding pool: worker 0 exited with code 1: fixture worker crashed on purpose');
      await pool.ready(); // the replacement started
      expect((await rejection(pool.blind(new Uint8Array(64), newScalar()))).code).toBe('FM_ERR_PSI_POOL');
    } finally {
      await pool.close();
    }
  });

  it('fails every call when workers cannot start, instead of respawning forever', async () => {
    const pool = new BlindingPool({ threads: 2, workerUrl: new URL('./no-such-worker.ts', import.meta.url) });
    const call = rejection(pool.blind(new Uint8Array(64), newScalar()));
    const ready = rejection(pool.ready());
    const e = await call;
    expect(e.code).toBe('FM_ERR_PSI_POOL');
    expect(e.message).toContain('exited with code 1');
    expect((await ready).code).toBe('FM_ERR_PSI_POOL');
    expect((await rejection(pool.blind(new Uint8Array(64), newScalar()))).message).toBe(e.message);
    await pool.close();
  });
});
