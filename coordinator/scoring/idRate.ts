// The per-ID scoring limit: how often one customer ID may be asked for in a clock hour, whatever
// the key, so no caller can hammer one customer (e.g. to follow a person's score across versions
// or to probe it) by spreading calls over keys or into batches. Counted in a count-min sketch of
// keyed hashes: memory stays fixed however many IDs pass, no ID is kept, and a collision can only
// over-count (refuse early), never let an ID through past its limit.
import sodium from 'sodium-native';
import { FedmarkError } from '../../protocol/errors.ts';

const HOUR_MS = 60 * 60_000;
const WIDTH = 1 << 20;
const DEPTH = 4;

export class IdRateLimit {
  private readonly limit: number;
  private readonly now: () => number;
  private readonly key = Buffer.alloc(sodium.crypto_generichash_KEYBYTES);
  private readonly counts = new Uint16Array(WIDTH * DEPTH);
  private window = -1;

  constructor(limit: number, now: () => number = Date.now) {
    this.limit = Math.min(limit, 0xffff);
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
    const cells = ids.map((id) => this.cells(id));
    const pending = new Map<number, number>();
    cells.forEach((at, index) => {
      // Within one request, duplicates and colliding IDs count together.
      const seen = Math.min(...at.map((c) => (this.counts[c] as number) + (pending.get(c) ?? 0)));
      if (seen >= this.limit) {
        throw new FedmarkError('FM_ERR_SCORE_ID_RATE', { index, limit: this.limit, seconds: Math.ceil(((window + 1) * HOUR_MS - now) / 1000) });
      }
      for (const c of at) pending.set(c, (pending.get(c) ?? 0) + 1);
    });
    for (const [c, n] of pending) this.counts[c] = Math.min(0xffff, (this.counts[c] as number) + n);
  }

  /** One counter per row, from a keyed hash of the ID as the parties would normalise it (case-folded: stricter, never looser). */
  private cells(id: string): number[] {
    const hash = Buffer.alloc(16);
    sodium.crypto_generichash(hash, Buffer.from(id.trim().normalize('NFC').toLowerCase(), 'utf8'), this.key);
    return Array.from({ length: DEPTH }, (_, row) => row * WIDTH + (hash.readUInt32LE(row * 4) % WIDTH));
  }
}
