// The order training rows are batched in, computed by every party alone from the aligned IDs:
// ascending H("order:<seed>:<id>") (the first 53 bits of SHA-256, as in hashSplit.ts, in its own
// domain so the order says nothing about the split). The PSI's canonical order depends on the
// blinding scalars of the run; this order depends only on the IDs and the seed, so every run of a
// job (a fresh one, or a resumed one that had to redo PSI) gives the same mini-batches.
// Pure: the IDs never leave this function.

import { createHash } from 'node:crypto';
import { checkInteger, describeValue, inputError } from '../check.ts';

/** Positions into `normalisedIds`, ordered by the seeded hash of each ID (ties, i.e. equal IDs, by position). */
export function hashOrder(normalisedIds: readonly string[], seed: number): Uint32Array {
  if (!Array.isArray(normalisedIds)) throw inputError('normalisedIds', 'an array of strings', describeValue(normalisedIds));
  checkInteger('seed', seed, 0);
  const keys = normalisedIds.map((id, i) => {
    if (typeof id !== 'string') throw inputError(`normalisedIds[${i}]`, 'a string', describeValue(id));
    return hashOrderKey(seed, id);
  });
  return orderByKeys(keys);
}

/** The key hashOrder sorts an ID by: 53 bits of SHA-256("order:<seed>:<id>"). */
export function hashOrderKey(seed: number, id: string): number {
  const digest = createHash('sha256').update(`order:${seed}:${id}`, 'utf8').digest();
  return digest.readUInt32BE(0) * 2 ** 21 + (digest.readUInt32BE(4) >>> 11);
}

/** Positions ordered by key, ties by position: hashOrder from keys computed elsewhere (e.g. a block at a time). */
export function orderByKeys(keys: ArrayLike<number>): Uint32Array {
  const order = Uint32Array.from({ length: keys.length }, (_, i) => i);
  return order.sort((a, b) => (keys[a] as number) - (keys[b] as number) || a - b);
}
