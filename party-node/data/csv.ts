// CSV as in RFC 4180, parsed from bytes in memory: a whole small file (parseCsv; offsets are
// 32-bit, so at most 4 GiB), or a table streamed in chunks (readHeader and scanRecords, driven by
// csvStream.ts), where only the chunk being parsed is held. The first record is the header.
//
// Accepted: delimiter `,` `;` `\t` or `|` (auto-detected from the header line, or any one
// ASCII character given); quoted fields with doubled quotes and delimiters or newlines
// inside, and spaces around them (dropped); CRLF or LF line ends; a leading UTF-8 BOM; empty
// lines at the end of the file.
// Rejected with FM_ERR_DATA_ROW: a record whose field count differs from the header's, text
// after a closing quote, a quote left open at the end of the file, and, before anything else is
// scanned, a header line with no LF in its first MAX_HEADER_BYTES (CR-only line ends, or a file
// that is one long line), which would otherwise parse as one huge header over "no data rows".
// A quote inside an unquoted field is kept as text.
//
// Row numbers in errors are 1-based data records: row 1 is the first record after the
// header, and a header problem is row 0. They count records, not lines, so a quoted newline
// does not shift them. The whole loader uses this convention.
//
// Why bytes and offsets rather than strings: a JS string per cell costs an allocation, and
// most cells are numbers that never need to be one. The table keeps each field's byte span;
// `field()` decodes on demand and numeric columns are parsed straight from the bytes.
// Scanning bytes is safe for UTF-8 because no byte of a multi-byte character is below 0x80,
// so it never looks like a quote, a line break or an ASCII delimiter.

import { Buffer } from 'node:buffer';
import { FedmarkError } from '../../errors/table.ts';
import type { Table } from './table.ts';
import { parseNumber, parseNumberBytes } from './values.ts';

/** Who is reading which file: every data error names both. `file` is a display name, never a host path. */
export interface DataSource {
  party: string;
  file: string;
}

export interface CsvOptions extends DataSource {
  /** One ASCII character; default: detected from the header line. */
  delimiter?: string;
}

export const DELIMITERS: readonly string[] = [',', ';', '\t', '|'];

const QUOTE = 0x22;
const SPACE = 0x20;
const LF = 0x0a;
const CR = 0x0d;
const MAX_BYTES = 0xffffffff;
/** Room for ~30,000 columns of 30-character names. */
export const MAX_HEADER_BYTES = 1 << 20;

export class CsvTable implements Table {
  readonly header: readonly string[];
  /** Data records, header excluded. */
  readonly rows: number;
  readonly delimiter: string;
  /** The parsed bytes; field k = r·width + c spans bytes[starts[k] .. ends[k]). */
  readonly bytes: Buffer;
  private readonly width: number;
  private readonly starts: Uint32Array;
  private readonly ends: Uint32Array;
  // Quoted fields with doubled quotes, already unescaped: their byte span still holds `""`.
  private readonly escaped: ReadonlyMap<number, string>;

  constructor(parts: {
    header: string[];
    rows: number;
    delimiter: string;
    bytes: Buffer;
    starts: Uint32Array;
    ends: Uint32Array;
    escaped: Map<number, string>;
  }) {
    this.header = parts.header;
    this.rows = parts.rows;
    this.delimiter = parts.delimiter;
    this.bytes = parts.bytes;
    this.width = parts.header.length;
    this.starts = parts.starts;
    this.ends = parts.ends;
    this.escaped = parts.escaped;
  }

  /** The field's text, unquoted and unescaped but not trimmed. `row` is 0-based here. */
  field(row: number, column: number): string {
    const k = row * this.width + column;
    return this.escaped.get(k) ?? this.bytes.toString('utf8', this.starts[k], this.ends[k]);
  }

  /** The byte fast path covers plain decimals; anything else is decoded and judged as text. */
  number(row: number, column: number): number | undefined {
    const k = row * this.width + column;
    if (this.escaped.has(k)) return parseNumber(this.escaped.get(k)!);
    return parseNumberBytes(this.bytes, this.starts[k]!, this.ends[k]!) ?? parseNumber(this.field(row, column));
  }

  /** Every field of one column, decoded: convenient, but allocates a string per row. */
  column(column: number): string[] {
    return Array.from({ length: this.rows }, (_, r) => this.field(r, column));
  }
}

export function parseCsv(input: string | Uint8Array, options: CsvOptions): CsvTable {
  const source: DataSource = { party: options.party, file: options.file };
  const bytes = typeof input === 'string'
    ? Buffer.from(input, 'utf8')
    : Buffer.from(input.buffer, input.byteOffset, input.byteLength); // a view, not a copy
  if (bytes.length > MAX_BYTES) {
    throw new FedmarkError('FM_ERR_DATA_FILE', { ...source, reason: 'it is larger than 4 GiB' });
  }
  const head = readHeader(bytes, options, true);
  if (head === undefined) throw new Error('unreachable: a final header scan always completes');
  return scanRecords(bytes, { ...head, source, firstRow: 0, final: true }).table;
}

/** What the first record of a CSV gives the records after it. */
export interface CsvHeader {
  header: string[];
  delimiter: string;
  /** Where the first data record starts. */
  next: number;
}

/**
 * The header record of `bytes`, checked; undefined when `final` is false and the bytes end inside
 * it (the caller reads more and asks again). An empty input has an empty header.
 */
export function readHeader(bytes: Buffer, options: CsvOptions, final: boolean): CsvHeader | undefined {
  const source: DataSource = { party: options.party, file: options.file };
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  if (!final && !bytes.subarray(start, start + MAX_HEADER_BYTES + 1).includes(LF) && bytes.length - start <= MAX_HEADER_BYTES) return undefined;
  checkHeaderLine(bytes, start, source);
  const delimiter = options.delimiter ?? detectDelimiter(bytes, start);
  checkDelimiter(delimiter, source);
  const scanner = new Scanner(bytes, start, delimiter.charCodeAt(0), source, final);
  const width = scanner.record(0);
  if (width === INCOMPLETE) return undefined;
  const header = Array.from({ length: Math.max(width, 0) }, (_, c) => scanner.decode(c));
  return { header, delimiter, next: scanner.position };
}

/**
 * The whole records of `bytes` from `next` on, as a table whose row r is data record firstRow + r
 * (0-based; errors count from 1). With `final` false it stops before a record the bytes end inside
 * and says where that record starts, so a stream can carry it over to its next chunk.
 */
export function scanRecords(
  bytes: Buffer,
  at: CsvHeader & { source: DataSource; firstRow: number; final: boolean },
): { table: CsvTable; next: number } {
  const { header, delimiter, source, firstRow } = at;
  const width = header.length;
  const scanner = new Scanner(bytes, at.next, delimiter.charCodeAt(0), source, at.final);
  let rows = 0;
  if (width > 0) {
    for (let fields = scanner.record(firstRow + 1); fields >= 0; fields = scanner.record(firstRow + rows + 1)) {
      rows++;
      if (fields !== width) {
        throw new FedmarkError('FM_ERR_DATA_ROW', {
          ...source,
          row: firstRow + rows,
          reason: `has ${fields} field${fields === 1 ? '' : 's'}, the header has ${width}`,
        });
      }
    }
  }
  return { table: new CsvTable({ header, rows, delimiter, bytes, ...scanner.cells() }), next: scanner.position };
}

/** The header line must end in LF (or CRLF) within MAX_HEADER_BYTES; only that much is looked at. */
function checkHeaderLine(bytes: Buffer, start: number, source: DataSource): void {
  const head = bytes.subarray(start, start + MAX_HEADER_BYTES + 1);
  if (head.includes(LF)) return;
  const fail = (reason: string): never => {
    throw new FedmarkError('FM_ERR_DATA_ROW', { ...source, row: '0 (the header)', reason });
  };
  // A CR with more text after it, and no LF anywhere: the records are there, split by CR alone.
  for (let i = head.indexOf(CR); i !== -1 && i + 1 < head.length; i = head.indexOf(CR, i + 1)) {
    if (head[i + 1] !== CR) fail('the lines end in CR alone (an old Mac export); save the file with LF or CRLF line ends');
  }
  if (head.length > MAX_HEADER_BYTES) fail(`no line break in the first ${MAX_HEADER_BYTES} bytes: the file is not CSV with a header line, or its header is too long`);
}

/** The candidate seen most often outside quotes on the header line; ties go to the earlier candidate, none to `,`. */
export function detectDelimiter(bytes: Uint8Array, start = 0): string {
  const codes = DELIMITERS.map((d) => d.charCodeAt(0));
  const counts = codes.map(() => 0);
  let quoted = false;
  for (let i = start; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === QUOTE) quoted = !quoted; // a doubled quote toggles twice: net unchanged
    else if (quoted) continue;
    else if (b === LF) break;
    else {
      const k = codes.indexOf(b);
      if (k !== -1) counts[k]!++;
    }
  }
  let best = 0;
  for (let k = 1; k < counts.length; k++) if (counts[k]! > counts[best]!) best = k;
  return DELIMITERS[best]!;
}

function checkDelimiter(delimiter: string, source: DataSource): void {
  const code = delimiter.charCodeAt(0);
  if (delimiter.length !== 1 || code >= 0x80 || code === QUOTE || code === CR || code === LF) {
    throw new FedmarkError('FM_ERR_DATA_SPEC', {
      ...source,
      field: 'delimiter',
      reason: `expected one ASCII character other than a quote or line break, got ${JSON.stringify(delimiter.slice(0, 10))}`,
    });
  }
}

/** Scanner.record()'s answer when the bytes end inside a record that more bytes may complete. */
const INCOMPLETE = -2;

/**
 * Walks the bytes one record at a time, appending each field's span to growing offset arrays.
 * Not `final`: the bytes are a stream's chunk, so running out inside a record (or on a CR or a
 * quote whose meaning the next byte decides) is INCOMPLETE rather than the end of the file.
 */
class Scanner {
  private readonly bytes: Buffer;
  private readonly delimiter: number;
  private readonly source: DataSource;
  private readonly final: boolean;
  private pos: number;
  private count = 0;
  private starts = new Uint32Array(1024);
  private ends = new Uint32Array(1024);
  private escaped = new Map<number, string>();

  constructor(bytes: Buffer, start: number, delimiter: number, source: DataSource, final = true) {
    this.bytes = bytes;
    this.pos = start;
    this.delimiter = delimiter;
    this.source = source;
    this.final = final;
  }

  /** Where the next record starts. */
  get position(): number {
    return this.pos;
  }

  /**
   * Reads one record and returns its field count, -1 at the end (trailing empty lines included),
   * or INCOMPLETE (nothing consumed) when the bytes are not final and end inside it.
   */
  record(row: number): number {
    const { bytes, delimiter } = this;
    const n = bytes.length;
    let i = this.pos;
    if (i >= n || this.onlyLineBreaksFrom(i)) return this.final ? -1 : INCOMPLETE;
    const first = this.count;
    for (;;) {
      // One field per turn, starting at i. Spaces around a quoted field are padding, not text:
      // `1, "00123" ,x` holds the ID 00123 (strictly, RFC 4180 would keep ` "00123" ` quotes and all,
      // and the ID would silently match nothing).
      let open = i;
      if (delimiter !== SPACE) while (open < n && bytes[open] === SPACE) open++;
      if (open < n && bytes[open] === QUOTE) {
        i = this.quoted(open, row);
        if (i === INCOMPLETE) return this.rollback(first);
        if (delimiter !== SPACE) while (i < n && bytes[i] === SPACE) i++;
        const b = bytes[i];
        if (i >= n) return this.final ? this.endRecord(n, first) : this.rollback(first);
        if (b === delimiter) { i++; continue; }
        if (b === LF) return this.endRecord(i + 1, first);
        if (b === CR && i + 1 >= n && !this.final) return this.rollback(first);
        if (b === CR && (i + 1 >= n || bytes[i + 1] === LF)) return this.endRecord(i + 2, first);
        this.fail(row, `field ${this.count - first} has text after its closing quote`);
      }
      const start = i;
      while (i < n) {
        const b = bytes[i]!;
        if (b === delimiter || b === LF) break;
        i++;
      }
      if (i < n && bytes[i] === delimiter) {
        this.push(start, i);
        i++;
        continue;
      }
      if (i >= n && !this.final) return this.rollback(first);
      this.push(start, i > start && bytes[i - 1] === CR ? i - 1 : i);
      return this.endRecord(i + 1, first);
    }
  }

  /** Text of a field already read, by its index since the last reset. */
  decode(k: number): string {
    return this.escaped.get(k) ?? this.bytes.toString('utf8', this.starts[k], this.ends[k]);
  }

  cells(): { starts: Uint32Array; ends: Uint32Array; escaped: Map<number, string> } {
    return { starts: this.starts.subarray(0, this.count), ends: this.ends.subarray(0, this.count), escaped: this.escaped };
  }

  /** Reads the quoted field opening at `open`; returns the index just after its closing quote, or INCOMPLETE. */
  private quoted(open: number, row: number): number {
    let from = open + 1;
    let doubled = false;
    for (;;) {
      const q = this.bytes.indexOf(QUOTE, from);
      if (q === -1 && !this.final) return INCOMPLETE;
      if (q === -1) this.fail(row, 'a quoted field is never closed');
      // A quote on the last byte may be the first of a doubled pair: the next chunk decides.
      if (q + 1 >= this.bytes.length && !this.final) return INCOMPLETE;
      if (this.bytes[q + 1] === QUOTE) {
        doubled = true;
        from = q + 2;
        continue;
      }
      this.push(open + 1, q);
      if (doubled) this.escaped.set(this.count - 1, this.decode(this.count - 1).replaceAll('""', '"'));
      return q + 1;
    }
  }

  private push(start: number, end: number): void {
    if (this.count === this.starts.length) {
      const starts = new Uint32Array(this.count * 2);
      const ends = new Uint32Array(this.count * 2);
      starts.set(this.starts);
      ends.set(this.ends);
      this.starts = starts;
      this.ends = ends;
    }
    this.starts[this.count] = start;
    this.ends[this.count] = end;
    this.count++;
  }

  /** Forgets the fields of the record being read, so the next chunk reads it again whole. */
  private rollback(first: number): number {
    for (let k = first; k < this.count; k++) this.escaped.delete(k);
    this.count = first;
    return INCOMPLETE;
  }

  private endRecord(next: number, first: number): number {
    this.pos = next;
    return this.count - first;
  }

  private onlyLineBreaksFrom(start: number): boolean {
    const { bytes } = this;
    if (bytes[start] !== LF && bytes[start] !== CR) return false; // the common case: no scan at all
    for (let i = start; i < bytes.length; i++) if (bytes[i] !== LF && bytes[i] !== CR) return false;
    return true;
  }

  private fail(row: number, reason: string): never {
    throw new FedmarkError('FM_ERR_DATA_ROW', { ...this.source, row: row === 0 ? '0 (the header)' : row, reason });
  }
}
