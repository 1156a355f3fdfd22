// Shared by the PSI tests: hex helpers, a reproducible byte stream, and catching a FedmarkError as data.
import { createHash } from 'node:crypto';
import { FedmarkError } from '../../errors/table.ts';

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
export const unhex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));

/** Deterministic byte stream for tests (SHA-256 in counter mode; not a CSPRNG API). */
export function seeded(seed: string): (n: number) => Uint8Array {
  let counter = 0;
  return (n) => {
    const out = new Uint8Array(n);
    for (let at = 0; at < n; at += 32) {
      const block = createHash('sha256').update(`${seed}/${counter++}`).digest();
      out.set(block.subarray(0, Math.min(32, n - at)), at);
    }
    return out;
  };
}

export function psiError(fn: () => unknown): FedmarkError {
  try {
    fn();
  } catch (err) {
    if (err instanceof FedmarkError) return err;
    throw err;
  }
  throw new Error('expected a FedmarkError');
}
