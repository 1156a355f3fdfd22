// Train/validation split that every party computes alone from the aligned IDs: row i goes to
// validation when H(seed, id_i) < fraction, with H = the first 53 bits of
// SHA-256("<seed>:<id>") (UTF-8) read as a number in [0, 1). Depends only on the ID and the seed,
// not on row order or on the other rows, so parties holding the same intersection in any order
// agree without communication, and a customer stays on the same side across runs with one seed.
// The validation share is `fraction` in expectation, not exactly (binomial spread).
// Pure: hashing is not I/O. The seed is a public job setting; the IDs never leave this function.

import { createHash } from 'node:crypto';
import { checkInteger, checkNumber, describeValue, inputError } from '../check.ts';

const TWO_53 = 2 ** 53;

/** H(seed, id) in [0, 1): 53 bits of SHA-256("<seed>:<id>"). */
export function hashUnit(seed: number, id: string): number {
  const digest = createHash('sha256').update(`${seed}:${id}`, 'utf8').digest();
  // 32 high bits, then 21 more: an integer below 2^53, exact in a double.
  return (digest.readUInt32BE(0) * 2 ** 21 + (digest.readUInt32BE(4) >>> 11)) / TWO_53;
}

/** 1 for validation rows, 0 for training rows, one per ID in the given order. */
export function validationMask(normalisedIds: string[], fraction: number, seed: number): Uint8Array {
  if (!Array.isArray(normalisedIds)) throw inputError('normalisedIds', 'an array of strings', describeValue(normalisedIds));
  checkNumber('fraction', fraction, 0, 1);
  checkInteger('seed', seed, 0);
  const mask = new Uint8Array(normalisedIds.length);
  for (let i = 0; i < normalisedIds.length; i++) {
    const id = normalisedIds[i];
    if (typeof id !== 'string') throw inputError(`normalisedIds[${i}]`, 'a string', describeValue(id));
    mask[i] = hashUnit(seed, id) < fraction ? 1 : 0;
  }
  return mask;
}
