// The Dataset the loader builds: customer IDs in a compact column (idColumn.ts), labels as bytes,
// each feature column as the smallest typed array that holds its values exactly — Float32Array
// for a numeric column whose every value a float32 represents exactly (integers below 2^24, halves,
// quarters, …), Float64Array otherwise, and one small integer code per row for a categorical
// column (its one-hot block is written only when rows are asked for). Models read Float64Array
// rows (selectRows, or `features` for all of them), and get exactly the values a float64 parse
// gave: storage never rounds.

import { FedmarkError } from '../../errors/table.ts';
import { normalizeId } from '../../protocol/ids.ts';
import type { IdList } from '../../protocol/psi/session.ts';
import type { IdColumn } from './idColumn.ts';
import type { Dataset, DatasetStats } from './types.ts';

export type StoredColumn =
  | { kind: 'numeric'; values: Float32Array | Float64Array }
  /** codes[r] = 1 + the category's index in `categories`; 0 = missing (an all-zero block). */
  | { kind: 'categorical'; codes: Uint8Array | Uint16Array | Uint32Array; categories: readonly string[] };

export interface TableDatasetParts {
  party: string;
  file: string;
  rawIds: IdColumn;
  idCaseSensitive: boolean;
  withoutConsent: Set<string>;
  labels?: Uint8Array;
  columns: StoredColumn[];
  featureNames: string[];
  stats: DatasetStats;
  encodings: Record<string, string[]>;
}

export class TableDataset implements Dataset {
  readonly party: string;
  readonly file: string;
  readonly withoutConsent: Set<string>;
  readonly labels?: Uint8Array;
  readonly featureNames: string[];
  readonly rows: number;
  readonly stats: DatasetStats;
  readonly encodings: Record<string, string[]>;
  readonly idList: IdList;
  private readonly rawIdColumn: IdColumn;
  private readonly idCaseSensitive: boolean;
  private columns: readonly StoredColumn[] | undefined;
  private madeIds: string[] | undefined;
  private madeRawIds: string[] | undefined;
  private madeFeatures: Float64Array | undefined;

  constructor(parts: TableDatasetParts) {
    this.party = parts.party;
    this.file = parts.file;
    this.rawIdColumn = parts.rawIds;
    this.idCaseSensitive = parts.idCaseSensitive;
    this.withoutConsent = parts.withoutConsent;
    if (parts.labels) this.labels = parts.labels;
    this.columns = parts.columns;
    this.featureNames = parts.featureNames;
    this.rows = parts.rawIds.length;
    this.stats = parts.stats;
    this.encodings = parts.encodings;
    const raw = parts.rawIds;
    const caseSensitive = parts.idCaseSensitive;
    this.idList = {
      length: raw.length,
      at: (row: number) => {
        const id = raw.at(row);
        return id === undefined ? undefined : normalizeId(id, caseSensitive);
      },
    };
  }

  get ids(): string[] {
    this.madeIds ??= Array.from({ length: this.rows }, (_, r) => normalizeId(this.rawId(r), this.idCaseSensitive));
    return this.madeIds;
  }

  get rawIds(): string[] {
    this.madeRawIds ??= Array.from({ length: this.rows }, (_, r) => this.rawId(r));
    return this.madeRawIds;
  }

  rawId(row: number): string {
    const id = this.rawIdColumn.at(row);
    if (id === undefined) throw new RangeError(`row ${row} is outside the ${this.rows} rows of ${this.file}`);
    return id;
  }

  rawIdBytes(row: number): Uint8Array {
    const bytes = this.rawIdColumn.bytesAt(row);
    if (bytes === undefined) throw new RangeError(`row ${row} is outside the ${this.rows} rows of ${this.file}`);
    return bytes;
  }

  get features(): Float64Array {
    this.madeFeatures ??= this.fill(this.rows, (k) => k);
    return this.madeFeatures;
  }

  selectRows(rows: ArrayLike<number>): Float64Array {
    this.checkRows(rows);
    return this.fill(rows.length, (k) => rows[k]!);
  }

  async takeRows(lists: readonly ArrayLike<number>[], options: { between?: () => Promise<unknown>; float32?: boolean } = {}): Promise<Array<Float64Array | Float32Array>> {
    for (const rows of lists) this.checkRows(rows);
    const columns: Array<StoredColumn | undefined> = [...this.stored()];
    this.columns = undefined;
    this.madeFeatures = undefined;
    // A row-major copy is resident from its first column on (writing one column touches every
    // page), while the columns go one at a time: for float32 copies the float64 columns are
    // narrowed first, one by one, so that columns and copies together take 8 bytes per value, not 12.
    if (options.float32) {
      for (let c = 0; c < columns.length; c++) {
        const column = columns[c]!;
        if (column.kind !== 'numeric' || column.values instanceof Float32Array) continue;
        columns[c] = { kind: 'numeric', values: Float32Array.from(column.values) };
        free(column.values);
        if (c % 16 === 15) await options.between?.();
      }
    }
    const width = this.featureNames.length;
    const outs = lists.map((rows) => (options.float32 ? new Float32Array(rows.length * width) : new Float64Array(rows.length * width)));
    let offset = 0;
    for (let c = 0; c < columns.length; c++) {
      const column = columns[c]!;
      lists.forEach((rows, n) => writeColumn(outs[n]!, width, offset, column, rows.length, (k) => rows[k]!));
      offset += column.kind === 'numeric' ? 1 : column.categories.length;
      columns[c] = undefined;
      free(column.kind === 'numeric' ? column.values : column.codes);
      await options.between?.();
    }
    return outs;
  }

  private checkRows(rows: ArrayLike<number>): void {
    for (let k = 0; k < rows.length; k++) {
      const r = rows[k]!;
      if (!(r >= 0 && r < this.rows && Number.isInteger(r))) throw new RangeError(`row ${r} is outside the ${this.rows} rows of ${this.file}`);
    }
  }

  private stored(): readonly StoredColumn[] {
    if (!this.columns) throw new FedmarkError('FM_ERR_INTERNAL', { reason: `the feature columns of ${this.file} were released after their rows were copied; load the table again` });
    return this.columns;
  }

  get byteLength(): number {
    let total = this.rawIdColumn.byteLength + (this.labels?.byteLength ?? 0) + (this.madeFeatures?.byteLength ?? 0);
    for (const c of this.columns ?? []) total += c.kind === 'numeric' ? c.values.byteLength : c.codes.byteLength;
    return total;
  }

  /** Row-major float64 rows: output row k is stored row rowAt(k). */
  private fill(count: number, rowAt: (k: number) => number): Float64Array {
    const width = this.featureNames.length;
    const out = new Float64Array(count * width);
    let offset = 0;
    for (const column of this.stored()) {
      writeColumn(out, width, offset, column, count, rowAt);
      offset += column.kind === 'numeric' ? 1 : column.categories.length;
    }
    return out;
  }
}

/**
 * Frees a copied column's memory now: a collected ArrayBuffer is returned only at the next major
 * garbage collection, which at 1M × 300 came ~15 s after the copies were made. Detaching (transfer
 * to length 0) frees the backing store at once. Only a view that owns its whole buffer, and a big
 * one, is detached, so that no other view (nor Node's pool of small Buffers) loses its bytes.
 */
function free(view: ArrayBufferView): void {
  const { buffer } = view;
  if (buffer instanceof ArrayBuffer && view.byteOffset === 0 && view.byteLength === buffer.byteLength && buffer.byteLength >= 1 << 16) buffer.transfer(0);
}

/** Writes one stored column (one cell, or its one-hot block) into row-major rows of `width` at `offset`. */
function writeColumn(out: Float64Array | Float32Array, width: number, offset: number, column: StoredColumn, count: number, rowAt: (k: number) => number): void {
  if (column.kind === 'numeric') {
    const { values } = column;
    for (let k = 0; k < count; k++) out[k * width + offset] = values[rowAt(k)]!;
    return;
  }
  const { codes } = column;
  for (let k = 0; k < count; k++) {
    const code = codes[rowAt(k)]!;
    if (code !== 0) out[k * width + offset + code - 1] = 1;
  }
}
