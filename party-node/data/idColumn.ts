// A column of customer IDs held as UTF-8 bytes in pages of PAGE_ROWS rows, each page one buffer
// and a Uint32Array of where each ID ends: about (ID length + 4) bytes per row, where an array
// of JS strings costs some 40 bytes more per row (object header, pointer, padding). An ID is made
// a string only when asked for, one at a time; a PSI over ten million rows never holds them all.

import { Buffer } from 'node:buffer';

const PAGE_BITS = 16;
const PAGE_ROWS = 1 << PAGE_BITS;

interface Page {
  bytes: Buffer;
  /** ends[i] = end of row i's bytes; row i starts where row i - 1 ends (0 for the first). */
  ends: Uint32Array;
}

export class IdColumn {
  readonly length: number;
  private readonly pages: readonly Page[];

  constructor(pages: readonly Page[], length: number) {
    this.pages = pages;
    this.length = length;
  }

  /** The ID of `row` (0-based), undefined past the end, as Array.prototype.at for an index in range. */
  at(row: number): string | undefined {
    if (!(row >= 0 && row < this.length)) return undefined;
    const page = this.pages[row >>> PAGE_BITS]!;
    const i = row & (PAGE_ROWS - 1);
    return page.bytes.toString('utf8', i === 0 ? 0 : page.ends[i - 1], page.ends[i]);
  }

  /** The UTF-8 bytes of `row`'s ID: a view into the column, valid as long as the column is. */
  bytesAt(row: number): Uint8Array | undefined {
    if (!(row >= 0 && row < this.length)) return undefined;
    const page = this.pages[row >>> PAGE_BITS]!;
    const i = row & (PAGE_ROWS - 1);
    return page.bytes.subarray(i === 0 ? 0 : page.ends[i - 1], page.ends[i]);
  }

  /** Bytes held: what the column costs in memory. */
  get byteLength(): number {
    let total = 0;
    for (const p of this.pages) total += p.bytes.length + p.ends.byteLength;
    return total;
  }
}

/** Appends IDs one at a time; each page is trimmed to its content when it is full. */
export class IdColumnBuilder {
  private readonly pages: Page[] = [];
  private bytes = Buffer.allocUnsafe(PAGE_ROWS * 16);
  private ends = new Uint32Array(PAGE_ROWS);
  private used = 0;
  private inPage = 0;
  private count = 0;

  get length(): number {
    return this.count;
  }

  /** Bytes held so far, the page being filled included: what the loader's memory limit counts. */
  get byteLength(): number {
    let total = this.bytes.length + this.ends.byteLength;
    for (const p of this.pages) total += p.bytes.length + p.ends.byteLength;
    return total;
  }

  /** An ID pushed already (the loader compares a suspected duplicate with it). */
  at(row: number): string | undefined {
    if (!(row >= 0 && row < this.count)) return undefined;
    const page = row >>> PAGE_BITS;
    const i = row & (PAGE_ROWS - 1);
    const { bytes, ends } = page < this.pages.length ? this.pages[page]! : { bytes: this.bytes, ends: this.ends };
    return bytes.toString('utf8', i === 0 ? 0 : ends[i - 1], ends[i]);
  }

  push(id: string): void {
    // UTF-8 needs at most 3 bytes per UTF-16 code unit.
    const room = this.used + 3 * id.length;
    if (room > this.bytes.length) {
      const grown = Buffer.allocUnsafe(Math.max(room, this.bytes.length * 2));
      this.bytes.copy(grown, 0, 0, this.used);
      this.bytes = grown;
    }
    this.used += this.bytes.write(id, this.used, 'utf8');
    this.ends[this.inPage++] = this.used;
    this.count++;
    if (this.inPage === PAGE_ROWS) this.closePage();
  }

  build(): IdColumn {
    if (this.inPage > 0 || this.pages.length === 0) this.closePage();
    return new IdColumn(this.pages, this.count);
  }

  private closePage(): void {
    this.pages.push({ bytes: Buffer.from(this.bytes.subarray(0, this.used)), ends: this.ends.slice(0, this.inPage) });
    this.used = 0;
    this.inPage = 0;
    this.ends = new Uint32Array(PAGE_ROWS);
  }
}
