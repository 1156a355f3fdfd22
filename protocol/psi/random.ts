// Injectable randomness for the PSI primitives (noble-curves style): every function that needs
// random bytes takes a `random(n)` argument defaulting to the OS CSPRNG (libsodium randombytes_buf),
// so tests and published vectors can replay a fixed byte stream.
// Parameters: none. Roles: local only; nothing here crosses a process boundary.

import { FedmarkError } from '../../errors/table.ts';
import { sodium } from './sodium.ts';

/** Returns `length` fresh random bytes. Callers treat successive calls as one byte stream. */
export type RandomBytes = (length: number) => Uint8Array;

export const randomBytes: RandomBytes = (length) => {
  const out = new Uint8Array(length);
  sodium.randombytes_buf(out);
  return out;
};

/** Calls `random(length)` and checks it kept its contract. */
export function drawBytes(random: RandomBytes, length: number): Uint8Array {
  const bytes: unknown = random(length);
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw new FedmarkError('FM_ERR_PSI_INPUT', {
      param: 'random',
      expected: `a function returning a Uint8Array of the requested ${length} bytes`,
      got: bytes instanceof Uint8Array ? `${bytes.length} bytes` : typeof bytes,
    });
  }
  return bytes;
}
