// Single-thread rate of native X25519 scalar multiplications (RFC 7748 via libsodium).
// ECDH-PSI (Meadows 1986; Huberman, Franklin & Hogg 1999) costs two multiplications per ID per
// party, so this rate bounds PSI throughput per core (design note protocols.md, section PSI).
// Parameters: seconds to run. What each role learns: nothing; local measurement with a throw-away
// scalar.

import { FedmarkError } from '../../errors/table.ts';
import { newScalar } from './ecdh.ts';
import { drawBytes, randomBytes, type RandomBytes } from './random.ts';
import { sodium } from './sodium.ts';

/** X25519 multiplications per second on the calling thread, measured for about `seconds`. */
export function scalarMultRate(seconds: number, random: RandomBytes = randomBytes): number {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) {
    throw new FedmarkError('FM_ERR_PSI_INPUT', { param: 'seconds', expected: 'a positive number', got: String(seconds) });
  }
  const scalar = newScalar(random);
  // Chain the multiplications (each output is the next input), as blinding does with fresh points.
  const point = new Uint8Array(drawBytes(random, 32));
  const out = new Uint8Array(32);
  const start = performance.now();
  const deadline = start + seconds * 1000;
  let count = 0;
  let now = start;
  do {
    for (let i = 0; i < 64; i++) {
      sodium.crypto_scalarmult(out, scalar, point);
      point.set(out);
    }
    count += 64;
    now = performance.now();
  } while (now < deadline);
  scalar.fill(0);
  return (count * 1000) / (now - start);
}
