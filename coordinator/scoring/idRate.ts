// The per-ID scoring limit: how often one customer ID may be asked for in a clock hour, whatever
// the key, so no caller can hammer one customer (e.g. to follow a person's score across versions
// or to probe it) by spreading calls over keys or into batches. Counted in a count-min sketch of
// keyed hashes (16 MiB): memory stays fixed however many IDs pass, no ID is kept, and a collision can only
// over-count (refuse early), never let an ID through past its limit.
import sodium from 'sodium-native';
import { FedmarkError } from '../../errors/table.ts';
import { normalizeId } from '../../protocol/ids.ts';

const HOUR_MS = 60 * 60_000;
const WIDTH = 1 << 20;
const DEPTH = 4;

export class IdRateLimit {
  private readonly limit: number;
  private readonly now: () => number;
  private readonly key = Buffer.alloc(sodium.crypto_generichash_KEYBYTES);
  private readonly hash = Buffer.alloc(4 * DEPTH);
  private readonly counts = new Uint32Array(WIDTH * DEPTH);
  private window = -1;

  constructor(limit: number, now: () => number = Date.now) {
    this.limit = limit;
    this.now = now;
    sodium.randombytes_buf(this.key);
  }

  /** Counts each of `ids` once, or refuses all of them (counting none) if one would pass its limit this hour. */
  admit(ids: readonly string[]): void {
    const now = this.now();
    const window = Math.floor(now / HOUR_MS);
    if (window !== this.window) {
      this.window = window;
      this.counts.fill(0);
    }
    // Counted as they come, so duplicates within one request count together; undone on refusal.
    const cells = new Uint32Array(ids.length * DEPTH);
    for (let i = 0; i < ids.length; i++) {
      this.cellsOf(ids[i] as string, cells, i * DEPTH);
      let seen = Infinity;
      for (let d = 0; d < DEPTH; d++) seen = Math.min(seen, this.counts[cells[i * DEPTH + d] as number] as number);
      if (seen >= this.limit) {
        for (let k = 0; k < i * DEPTH; k++) this.bump(cells[k] as number, -1);
        throw new FedmarkError('FM_ERR_SCORE_ID_RATE', { index: i, limit: this.limit, seconds: Math.ceil(((window + 1) * HOUR_MS - now) / 1000) });
      }
      for (let d = 0; d < DEPTH; d++) this.bump(cells[i * DEPTH + d] as number, 1);
    }
  }

  private bump(cell: number, by: number): void {
    this.counts[cell] = (this.counts[cell] as number) + by;
  }

  /** One counter per row, from a keyed hash of the ID as the parties would normalise it (case-folded: stricter, never looser). */
  private cellsOf(id: string, into: Uint32Array, at: number): void {
    sodium.crypto_generichash(this.hash, Buffer.from(normalizeId(id, false), 'utf8'), this.key);
    for (let d = 0; d < DEPTH; d++) into[at + d] = d * WIDTH + (this.hash.readUInt32LE(d * 4) % WIDTH);
  }
}
