// Injectable randomness for the HE masking step (noble-curves style): functions that draw masks or
// flooding noise take a `random(n)` argument, defaulting to the OS CSPRNG (node:crypto), so tests
// can replay a fixed byte stream. SEAL's own encryption randomness (its Blake2xb PRNG seeded from
// the OS through getentropy) is internal to the WebAssembly module and cannot be injected.
// Parameters: none. What each role learns: nothing; local only.

import { createHash, randomFillSync } from 'node:crypto';
import { inputError } from './check.ts';

/** Returns `length` fresh random bytes. Callers treat successive calls as one byte stream. */
export type RandomBytes = (length: number) => Uint8Array;

export const osRandom: RandomBytes = (length) => randomFillSync(new Uint8Array(length));

/** Calls `random(length)` and checks it kept its contract. */
export function drawBytes(random: RandomBytes, length: number): Uint8Array {
  const bytes: unknown = random(length);
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw inputError('random', `a function returning a Uint8Array of the requested ${length} bytes`,
      bytes instanceof Uint8Array ? `${bytes.length} bytes` : typeof bytes);
  }
  return bytes;
}

/** A deterministic byte stream for tests and known-answer vectors (SHA-256 in counter mode). */
export function seededRandom(seed: string): RandomBytes {
  let counter = 0;
  let pool: Uint8Array = new Uint8Array(0);
  let offset = 0;
  return (length) => {
    const out = new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      if (offset === pool.length) {
        pool = sha256(`${seed}/${counter++}`);
        offset = 0;
      }
      const take = Math.min(length - filled, pool.length - offset);
      out.set(pool.subarray(offset, offset + take), filled);
      filled += take;
      offset += take;
    }
    return out;
  };
}

function sha256(text: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(text).digest());
}
