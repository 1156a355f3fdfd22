// Seeded, deterministic randomness for training: every party derives the same mini-batches from
// the public `training.seed`, so the batch order is never sent. Not for secrets: use the OS CSPRNG
// (protocol/psi/random.ts) for keys, masks and PSI shuffles.
// Generator: mulberry32 (Tommy Ettinger, 2017), a 32-bit state, period 2^32 per seed; outputs are
// pinned by known-answer values in random.test.ts. Per-epoch streams: seed and epoch are mixed
// with the MurmurHash3 32-bit finaliser (fmix32, Appleby 2011).
// Permutations: Fisher–Yates (Durstenfeld 1964) with unbiased integers by rejection sampling.

import { checkInteger } from './check.ts';

const TWO_32 = 2 ** 32;
const MAX_UINT32 = TWO_32 - 1;

/** Returns the next uint32 of a deterministic stream. */
export type Uint32Source = () => number;

/** mulberry32 seeded with a uint32: successive calls give uint32 values. */
export function mulberry32(seed: number): Uint32Source {
  let a = checkInteger('seed', seed, 0, MAX_UINT32) | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** MurmurHash3's 32-bit finaliser: a bijection on uint32 that spreads every input bit. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A seed for sub-stream `stream` (e.g. an epoch) of `seed`; distinct streams give unrelated seeds. */
export function deriveSeed(seed: number, stream: number): number {
  checkInteger('seed', seed, 0, MAX_UINT32);
  checkInteger('stream', stream, 0, MAX_UINT32);
  return fmix32((seed ^ fmix32((stream + 0x9e3779b9) >>> 0)) >>> 0);
}

/** An unbiased integer in [0, bound) for 1 <= bound <= 2^32, by rejection. */
export function uniformInt(next: Uint32Source, bound: number): number {
  const limit = TWO_32 - (TWO_32 % bound);
  let r = next();
  while (r >= limit) r = next();
  return r % bound;
}

/** A permutation of 0..n-1 determined by `seed` (Fisher–Yates, i from n-1 down to 1). */
export function permutation(n: number, seed: number): Uint32Array {
  checkInteger('n', n, 0, MAX_UINT32);
  const next = mulberry32(seed);
  const perm = new Uint32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let i = n - 1; i >= 1; i--) {
    const j = uniformInt(next, i + 1);
    const t = perm[i] as number;
    perm[i] = perm[j] as number;
    perm[j] = t;
  }
  return perm;
}

/**
 * The mini-batches of one epoch: the rows 0..rows-1 in the order permutation(rows,
 * deriveSeed(seed, epoch)), cut into consecutive batches of `batchSize` (the last may be
 * smaller), each batch then sorted ascending. A batch is a set of rows (its update does not
 * depend on their order), so sorting only makes the representation canonical and lets every
 * party read its rows front to back. batchSize >= rows gives one batch, the whole epoch. Every
 * batch is a view on one shared buffer; copy before mutating.
 */
export function batchOrder(rows: number, batchSize: number, seed: number, epoch: number): Uint32Array[] {
  checkInteger('rows', rows, 0, MAX_UINT32);
  checkInteger('batchSize', batchSize, 1);
  checkInteger('epoch', epoch, 0, MAX_UINT32);
  const perm = permutation(rows, deriveSeed(seed, epoch));
  const batches: Uint32Array[] = [];
  for (let start = 0; start < rows; start += batchSize) batches.push(perm.subarray(start, Math.min(rows, start + batchSize)).sort());
  return batches;
}
