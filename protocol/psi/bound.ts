// The "hardware bound" for the PSI benchmark: how many X25519 scalar multiplications (RFC 7748)
// per second this machine does, one thread and all pool threads at once. ECDH-PSI (Meadows 1986;
// Huberman, Franklin & Hogg 1999) needs two per ID per party, so n IDs take at least
// 2n / perSecond seconds on each side.
// Parameters: threads (default os.availableParallelism()), seconds per measurement.
// What each role learns: nothing; local measurement with throw-away scalars.

import { BlindingPool } from './pool.ts';

export { scalarMultRate } from './rate.ts';

export interface HardwareBound {
  threads: number;
  seconds: number;
  /** Aggregate X25519 multiplications per second with every thread busy. */
  perSecond: number;
  /** Each thread's own rate during the same interval. */
  perThread: number[];
}

/** Starts a pool of `threads` workers, runs the multiplication loop on all at once, then closes it. */
export async function measureBound(options: { threads?: number; seconds?: number } = {}): Promise<HardwareBound> {
  const seconds = options.seconds ?? 2;
  const pool = new BlindingPool(options.threads === undefined ? {} : { threads: options.threads });
  try {
    const perThread = await pool.scalarMultRates(seconds);
    return { threads: pool.size, seconds, perSecond: perThread.reduce((a, b) => a + b, 0), perThread };
  } finally {
    await pool.close();
  }
}
