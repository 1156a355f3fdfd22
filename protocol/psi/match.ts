// Matching step of ECDH-PSI (Meadows 1986; Huberman, Franklin & Hogg 1999; design note
// protocols.md, section PSI, step 3), pure: the networked protocol only moves bytes.
// Input: my IDs double-blinded ab·H(x) in my order, the peer's ab·H(y) in its shuffled order.
// Output: the matching index pairs sorted by the double-blinded value (bytewise lexicographic),
// the canonical order both parties can reproduce, so that row i is the same customer at both.
// Parameters: none (values are 32-byte X25519 u-coordinates). What each role learns: the
// matcher learns which of its rows are in the intersection and the peer's shuffled positions
// of them, nothing about the peer's other IDs; it sends the peer those shuffled positions.
//
// Steps: 1. put theirsDouble in an open-addressing hash table indexed by its first 4 bytes;
// 2. look every value of mineDouble up; 3. sort the matches by value.
// The table indexes values without a keyed hash, which is sound because theirsDouble is the list
// *I* blinded last (a·(b·H(y))): pseudorandom to the peer, who cannot aim values at one bucket.
// mineDouble (b·(a·H(x)), blinded last by the peer) is only looked up, and a lookup stops at the
// first empty slot of a table at most two thirds full, whatever the value. Keep the roles this way round.
// Values must be distinct on each side: distinct IDs give distinct values (except with negligible
// probability), so a repeat means a faulty or cheating peer and is refused (FM_ERR_PSI_INPUT).

import { FedmarkError } from '../../errors/table.ts';
import { checkPoints, POINT_BYTES } from './check.ts';

export { applyPermutation, shuffle } from './shuffle.ts';

export interface IntersectionIndices {
  /** Index into mineDouble of each match, in canonical order. */
  mine: Uint32Array;
  /** Index into theirsDouble of the same match. */
  theirs: Uint32Array;
}

const TWO_32 = 2 ** 32;

/**
 * `width`: bytes compared per value, from the front (a multiple of 4, at least 8). The guest keeps
 * the first MATCH_BYTES of each double-blinded point only: two distinct points agree on 128 bits
 * with probability 2^-128 per pair, and the order of the prefixes is the order of the points.
 */
export function intersectIndices(mineDouble: Uint8Array, theirsDouble: Uint8Array, width = POINT_BYTES): IntersectionIndices {
  if (!Number.isInteger(width) || width < 8 || width > POINT_BYTES || width % 4 !== 0) {
    throw new FedmarkError('FM_ERR_PSI_INPUT', { param: 'width', expected: `a multiple of 4 from 8 to ${POINT_BYTES}`, got: String(width) });
  }
  const mineCount = checkValues('mineDouble', mineDouble, width);
  const theirsCount = checkValues('theirsDouble', theirsDouble, width);

  const mine = new DataView(mineDouble.buffer, mineDouble.byteOffset, mineDouble.byteLength);
  const theirs = new DataView(theirsDouble.buffer, theirsDouble.byteOffset, theirsDouble.byteLength);

  const equal = (i: number, j: number): boolean => {
    const a = i * width;
    const b = j * width;
    for (let w = 0; w < width; w += 4) if (mine.getUint32(a + w) !== theirs.getUint32(b + w)) return false;
    return true;
  };
  const equalTheirs = (i: number, j: number): boolean => {
    const a = i * width;
    const b = j * width;
    for (let w = 0; w < width; w += 4) if (theirs.getUint32(a + w) !== theirs.getUint32(b + w)) return false;
    return true;
  };

  // 1. Table of at least 1.5 times as many slots as values (at most 2/3 full: a few probes per
  //    lookup, and 6 to 11 bytes per value), power of two; slot holds index + 1.
  let size = 1;
  while (size < theirsCount + (theirsCount >>> 1) + 1) size *= 2;
  const mask = size - 1;
  const table = new Uint32Array(size);
  for (let j = 0; j < theirsCount; j++) {
    let slot = theirs.getUint32(j * width) & mask;
    for (let held = table[slot] as number; held !== 0; held = table[slot] as number) {
      if (equalTheirs(held - 1, j)) throw repeated('theirsDouble', j, held - 1, width);
      slot = (slot + 1) & mask;
    }
    table[slot] = j + 1;
  }

  // 2. Look mine up. matchedBy[j] = i + 1 once theirs j matched mine i (catches repeats in mine);
  //    the pairs are read back from it, so nothing else is allocated per match until step 3.
  const matchedBy = new Uint32Array(theirsCount);
  let matches = 0;
  for (let i = 0; i < mineCount; i++) {
    let slot = mine.getUint32(i * width) & mask;
    for (let held = table[slot] as number; held !== 0; held = table[slot] as number) {
      const j = held - 1;
      if (equal(i, j)) {
        const first = matchedBy[j] as number;
        if (first !== 0) throw repeated('mineDouble', i, first - 1, width);
        matchedBy[j] = i + 1;
        matches++;
        break;
      }
      slot = (slot + 1) & mask;
    }
  }

  // 3. Canonical order = bytewise lexicographic order of the values = order of their big-endian
  //    32-bit words. For speed, a native numeric sort of (top 21 bits of the value, their index)
  //    packed exactly into a double, then each run sharing those 21 bits sorted on the full value.
  //    Values are distinct, so there are no ties.
  const mineOf = (j: number): number => (matchedBy[j] as number) - 1;
  const head = (j: number): number => mine.getUint32(mineOf(j) * width) >>> 11;
  const compare = (x: number, y: number): number => {
    const a = mineOf(x) * width;
    const b = mineOf(y) * width;
    for (let w = 0; w < width; w += 4) {
      const d = mine.getUint32(a + w) - mine.getUint32(b + w);
      if (d !== 0) return d;
    }
    return 0;
  };
  const packed = new Float64Array(matches);
  for (let j = 0, k = 0; j < theirsCount; j++) if (matchedBy[j] !== 0) packed[k++] = head(j) * TWO_32 + j;
  packed.sort();
  const order = new Uint32Array(matches);
  for (let k = 0; k < matches; k++) order[k] = (packed[k] as number) % TWO_32;
  for (let start = 0; start < matches; ) {
    const h = head(order[start] as number);
    let end = start + 1;
    while (end < matches && head(order[end] as number) === h) end++;
    // Insertion sort: runs hold about one value each for pseudorandom values.
    for (let k = start + 1; k < end; k++) {
      const item = order[k] as number;
      let at = k;
      while (at > start && compare(order[at - 1] as number, item) > 0) {
        order[at] = order[at - 1] as number;
        at--;
      }
      order[at] = item;
    }
    start = end;
  }

  const outMine = new Uint32Array(matches);
  for (let k = 0; k < matches; k++) outMine[k] = mineOf(order[k] as number);
  return { mine: outMine, theirs: order };
}

function checkValues(param: string, values: Uint8Array, width: number): number {
  if (width === POINT_BYTES) return checkPoints(param, values);
  if (!(values instanceof Uint8Array) || values.length % width !== 0) {
    throw new FedmarkError('FM_ERR_PSI_INPUT', { param, expected: `a Uint8Array whose length is a multiple of ${width}`, got: values instanceof Uint8Array ? `${values.length} bytes` : typeof values });
  }
  return values.length / width;
}

function repeated(param: string, index: number, first: number, width: number): FedmarkError {
  return new FedmarkError('FM_ERR_PSI_INPUT', {
    param,
    expected: `distinct ${width}-byte values`,
    got: `value ${index} repeating value ${first}`,
  });
}
