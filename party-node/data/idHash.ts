// A 32-bit hash of a customer ID, and an index from normalised ID to row built on it out of typed
// arrays: two Uint32Arrays of a power-of-two size at most three quarters full, 11 to 21 bytes per
// row, where a Map from ID strings to rows costs some 80 bytes per row. A hash match is confirmed
// by comparing the IDs themselves, so two IDs are never taken for one.
import type { IdList } from '../../protocol/psi/session.ts';
import { fmix32 } from '../../models/random.ts';

/** FNV-1a over the UTF-16 code units, then the murmur3 finaliser so the low bits spread. */
export function hashId(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return fmix32(h);
}

/** Normalised ID → row of a table's ID column (rows are unique: the loader refuses duplicates). */
export class IdRowIndex {
  private readonly ids: IdList;
  /** Row + 1 per slot, 0 = empty. */
  private readonly slots: Uint32Array;
  private readonly hashes: Uint32Array;

  constructor(ids: IdList) {
    this.ids = ids;
    let size = 1 << 4;
    while (4 * ids.length > 3 * size) size *= 2;
    this.slots = new Uint32Array(size);
    this.hashes = new Uint32Array(size);
    const mask = size - 1;
    for (let row = 0; row < ids.length; row++) {
      const hash = hashId(ids.at(row) as string);
      let slot = hash & mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
      this.slots[slot] = row + 1;
      this.hashes[slot] = hash;
    }
  }

  /** The row of a normalised ID, or undefined. */
  get(id: string): number | undefined {
    const hash = hashId(id);
    const mask = this.slots.length - 1;
    for (let slot = hash & mask, held = this.slots[slot]!; held !== 0; slot = (slot + 1) & mask, held = this.slots[slot]!) {
      if (this.hashes[slot] === hash && this.ids.at(held - 1) === id) return held - 1;
    }
    return undefined;
  }

  get byteLength(): number {
    return this.slots.byteLength + this.hashes.byteLength;
  }
}
