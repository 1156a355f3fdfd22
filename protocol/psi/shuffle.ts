// Uniform random permutation for ECDH-PSI step 2 (Meadows 1986; Huberman, Franklin & Hogg 1999;
// design note protocols.md, section PSI): B sends b·H(y) in shuffled order, so A learns which
// positions match but not which of B's rows they are.
// Algorithm: Fisher–Yates (Durstenfeld 1964, Knuth TAOCP vol. 2, Algorithm P) with unbiased
// integers by rejection sampling. Steps, for i = n-1 down to 1:
//   1. read r, the next big-endian uint32 of the random byte stream;
//   2. if r >= 2^32 - (2^32 mod (i+1)), discard it and go back to 1 (removes modulo bias);
//   3. j = r mod (i+1); swap perm[i] and perm[j].
// `random` is read as one byte stream, in blocks of whole uint32s, so a replayed stream gives the
// same permutation whatever the block sizes.
// Parameters: n <= 2^32 - 1. What each role learns: the shuffler keeps perm secret; the peer sees
// only the shuffled order.

import { FedmarkError } from '../../errors/table.ts';
import { checkPoints, POINT_BYTES } from './check.ts';
import { drawBytes, randomBytes, type RandomBytes } from './random.ts';

const MAX_BLOCK = 1 << 16;
const TWO_32 = 2 ** 32;

/**
 * A uniformly random permutation of 0..n-1. Apply it as out[k] = in[perm[k]] (applyPermutation);
 * the shuffler maps a shuffled position k back to its own row with perm[k].
 */
export function shuffle(n: number, random: RandomBytes = randomBytes): Uint32Array {
  if (!Number.isInteger(n) || n < 0 || n >= TWO_32) {
    throw new FedmarkError('FM_ERR_PSI_INPUT', { param: 'n', expected: 'an integer from 0 to 2^32 - 1', got: String(n) });
  }
  const perm = new Uint32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;

  let block: Uint8Array = new Uint8Array(0);
  let view = new DataView(block.buffer);
  let at = 0;
  const nextUint32 = (remaining: number): number => {
    if (at === block.length) {
      // Ask for about what the remaining swaps need (plus a little for rejections), capped.
      const words = Math.min(MAX_BLOCK / 4, remaining + 16);
      block = drawBytes(random, words * 4);
      view = new DataView(block.buffer, block.byteOffset, block.byteLength);
      at = 0;
    }
    const r = view.getUint32(at);
    at += 4;
    return r;
  };

  for (let i = n - 1; i >= 1; i--) {
    const bound = i + 1;
    const limit = TWO_32 - (TWO_32 % bound);
    let r = nextUint32(i);
    while (r >= limit) r = nextUint32(i);
    const j = r % bound;
    const t = perm[i] as number;
    perm[i] = perm[j] as number;
    perm[j] = t;
  }
  return perm;
}

/** out[k] = points[perm[k]] for packed 32-byte points; perm must be a permutation of 0..n-1. */
export function applyPermutation(points: Uint8Array, perm: Uint32Array): Uint8Array {
  const n = checkPoints('points', points);
  if (!(perm instanceof Uint32Array) || perm.length !== n) {
    throw new FedmarkError('FM_ERR_PSI_INPUT', {
      param: 'perm',
      expected: `a Uint32Array of ${n} indices (one per point)`,
      got: perm instanceof Uint32Array ? `${perm.length} indices` : typeof perm,
    });
  }
  const seen = new Uint8Array(n);
  const out = new Uint8Array(points.length);
  for (let k = 0; k < n; k++) {
    const from = perm[k] as number;
    if (from >= n || seen[from] === 1) {
      throw new FedmarkError('FM_ERR_PSI_INPUT', {
        param: 'perm',
        expected: `a permutation of 0..${n - 1}`,
        got: from >= n ? `index ${from} at position ${k}` : `index ${from} twice`,
      });
    }
    seen[from] = 1;
    out.set(points.subarray(from * POINT_BYTES, (from + 1) * POINT_BYTES), k * POINT_BYTES);
  }
  return out;
}
