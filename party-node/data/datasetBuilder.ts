// Builds one party's Dataset from a table's rows, batch by batch (a CSV file's chunks, a Parquet
// row group, a database's COPY stream), keeping only what the jobs use: the consenting rows' IDs
// (compactly), labels and feature columns, never the source's text. Memory grows with those.
//
// Each row is checked as it goes by, and every kind of problem remembers its first row; the error
// reported is the one the whole-table order of checks gives, which the loader has always used:
//   1. consent, on every row: non-consenting rows are dropped from everything after step 2;
//   2. IDs, on every row: an empty or duplicate ID is an error even on a non-consenting row,
//      because the ID column is the table's key and a clash means the export is wrong;
//   3. labels, then each feature column in turn, on consenting rows only: the other rows are
//      never used, so a bad cell there must not stop the party (and their values never enter
//      any statistic).
// Row numbers in errors are 1-based data records (row 1 = first record after the header).
//
// With a memory limit (the party's maxTableBytes), the bytes held are counted after every batch
// and the load stops at the batch that crosses it, before the rest of the table is read.
//
// Duplicate IDs are found with an open-addressing table of row numbers keyed by a 32-bit hash of
// the normalised ID (11 to 21 bytes per row while loading, none after); a hash match is confirmed by
// comparing the IDs themselves, so two different IDs are never reported as one.

import { FedmarkError } from '../../errors/table.ts';
import { normalizeId } from '../../protocol/ids.ts';
import { planColumns, type ColumnPlan } from './columns.ts';
import type { DataSource } from './csv.ts';
import { GrowingColumn } from './growingColumn.ts';
import { IdColumnBuilder } from './idColumn.ts';
import { hashId } from './idHash.ts';
import type { ColumnType, Table } from './table.ts';
import { TableDataset, type StoredColumn } from './tableDataset.ts';
import type { Dataset, TableSpec } from './types.ts';
import { isMissing, parseBinary, parseConsent } from './values.ts';

// A typed source declares what a column holds: a numeric feature stored as text or as a date is
// refused by its type before any cell is read, naming the column rather than its first bad row.
const NUMERIC: ReadonlySet<string> = new Set(['integer', 'number', 'boolean']);
const BINARY: ReadonlySet<string> = new Set(['integer', 'number', 'boolean', 'text']);

export class DatasetBuilder {
  private readonly spec: TableSpec;
  private readonly source: DataSource;
  private readonly header: readonly string[];
  private readonly plan: ColumnPlan;
  private readonly caseSensitive: boolean;
  private readonly rawIds = new IdColumnBuilder();
  private readonly ids = new IdTable();
  /** Global row of each kept row, when a consent column drops some (else kept row k is row k). */
  private readonly keptRows: number[] | undefined;
  /** Normalised IDs of the rows without consent, by global row. */
  private readonly dropped = new Map<number, string>();
  private readonly labels: Uint8Array[] = [];
  private readonly numeric: GrowingColumn[];
  private readonly codes: Uint32Array[][];
  /** Per categorical feature: category -> 1 + order of first appearance. */
  private readonly dictionaries: Array<Map<string, number> | undefined>;
  private readonly missing: number[];
  private totalRows = 0;
  private consentError: { row: number } | undefined;
  private idError: FedmarkError | undefined;
  private labelError: { row: number } | undefined;
  private readonly numberErrors: Array<number | undefined>;
  private readonly maxBytes: number | undefined;
  /** Bytes of the label and feature parts read so far. */
  private columnBytes = 0;

  constructor(spec: TableSpec, table: { header: readonly string[]; types?: readonly ColumnType[] | undefined }, source: DataSource, limits: LoadLimits = {}) {
    if (typeof spec.idColumn !== 'string' || spec.idColumn.trim() === '') {
      throw new FedmarkError('FM_ERR_DATA_SPEC', { ...source, field: 'idColumn', reason: 'expected a column name' });
    }
    this.spec = spec;
    this.source = source;
    this.header = table.header;
    this.plan = planColumns(spec, table.header, source);
    checkTypes(table.header, table.types, this.plan, source);
    this.caseSensitive = spec.idCaseSensitive ?? false;
    this.keptRows = this.plan.consent === undefined ? undefined : [];
    const features = this.plan.features;
    this.numeric = features.map(() => new GrowingColumn());
    this.codes = features.map(() => []);
    this.dictionaries = features.map((f) => (f.categorical ? new Map<string, number>() : undefined));
    this.missing = features.map(() => 0);
    this.numberErrors = features.map(() => undefined);
    this.maxBytes = limits.maxBytes;
  }

  /** Rows of `batch`, whose row 0 is data row `firstRow` (0-based) of the table. */
  add(batch: Table, firstRow: number): void {
    const { plan } = this;
    const kept: number[] = [];
    for (let r = 0; r < batch.rows; r++) {
      const row = firstRow + r;
      let consent = true;
      if (plan.consent !== undefined) {
        const parsed = parseConsent(batch.field(r, plan.consent));
        if (parsed === undefined) this.consentError ??= { row };
        consent = parsed === true;
      }
      const text = batch.field(r, plan.id);
      const id = this.checkId(text, row);
      if (consent) {
        kept.push(r);
        this.keptRows?.push(row);
        this.rawIds.push(text.trim());
      } else if (id !== '') this.dropped.set(row, id);
    }
    this.totalRows += batch.rows;
    if (plan.label !== undefined) this.labels.push(this.readLabels(batch, plan.label, kept, firstRow));
    plan.features.forEach((f, j) => {
      if (f.categorical) this.codes[j]!.push(this.readCodes(batch, j, kept));
      else this.readNumbers(batch, j, kept, firstRow);
    });
    this.columnBytes += kept.length * ((plan.label === undefined ? 0 : 1) + plan.features.reduce((n, f) => n + (f.categorical ? 4 : 8), 0));
    this.checkMemory(firstRow + batch.rows);
  }

  /** Bytes held while loading: IDs, the duplicate check's table, labels and feature columns. */
  get byteLength(): number {
    return this.rawIds.byteLength + this.ids.byteLength + this.columnBytes;
  }

  private checkMemory(rowsRead: number): void {
    if (this.maxBytes === undefined || this.byteLength <= this.maxBytes) return;
    throw new FedmarkError('FM_ERR_DATA_TOO_LARGE', { ...this.source, limit: this.maxBytes, row: rowsRead });
  }

  finish(): Dataset {
    const { plan, source } = this;
    if (this.totalRows === 0) throw new FedmarkError('FM_ERR_DATA_EMPTY', { ...source });
    const column = (index: number) => this.header[index]!.trim();
    if (this.consentError) throw new FedmarkError('FM_ERR_DATA_CONSENT', { ...source, row: this.consentError.row + 1, column: column(plan.consent!) });
    if (this.idError) throw this.idError;
    if (this.labelError) throw new FedmarkError('FM_ERR_DATA_LABEL', { ...source, row: this.labelError.row + 1, column: column(plan.label!) });
    const bad = this.numberErrors.findIndex((row) => row !== undefined);
    if (bad >= 0) throw new FedmarkError('FM_ERR_DATA_NUMBER', { ...source, row: this.numberErrors[bad]! + 1, column: plan.features[bad]!.name });

    const rows = this.rawIds.length;
    const columns: StoredColumn[] = [];
    const featureNames: string[] = [];
    const encodings: Record<string, string[]> = {};
    const missingRate: Record<string, number> = {};
    plan.features.forEach((f, j) => {
      const dictionary = this.dictionaries[j];
      if (dictionary === undefined) {
        columns.push({ kind: 'numeric', values: exactColumn(this.numeric[j]!.finish()) });
        featureNames.push(f.name);
      } else {
        const { codes, categories } = sortedCodes(dictionary, this.codes[j]!, rows);
        columns.push({ kind: 'categorical', codes, categories });
        for (const c of categories) featureNames.push(`${f.name}=${c}`);
        // defineProperty semantics, so a column named __proto__ stays a plain key.
        Object.defineProperty(encodings, f.name, { value: categories, enumerable: true, writable: true, configurable: true });
      }
      Object.defineProperty(missingRate, f.name, { value: rows === 0 ? 0 : this.missing[j]! / rows, enumerable: true, writable: true, configurable: true });
    });
    const labels = plan.label === undefined ? undefined : concat(this.labels, rows, Uint8Array);
    const withoutConsent = new Set(this.dropped.values());
    return new TableDataset({
      party: source.party,
      file: source.file,
      rawIds: this.rawIds.build(),
      idCaseSensitive: this.caseSensitive,
      withoutConsent,
      ...(labels ? { labels } : {}),
      columns,
      featureNames,
      encodings,
      stats: {
        totalRows: this.totalRows,
        consentingRows: rows,
        droppedWithoutConsent: this.totalRows - rows,
        features: featureNames.length,
        missingRate,
        ...(labels ? { labelPositives: labels.reduce((sum, y) => sum + y, 0) } : {}),
      },
    });
  }

  /** The row's normalised ID, after the empty and duplicate checks ('' for an empty one). */
  private checkId(text: string, row: number): string {
    const id = normalizeId(text, this.caseSensitive);
    const name = this.header[this.plan.id]!.trim();
    if (id === '') {
      this.idError ??= new FedmarkError('FM_ERR_DATA_EMPTY_ID', { ...this.source, row: row + 1, column: name });
      return id;
    }
    const first = this.ids.insert(id, row, (earlier) => this.idOf(earlier));
    if (first !== undefined) {
      this.idError ??= new FedmarkError('FM_ERR_DATA_DUPLICATE_ID', { ...this.source, row: row + 1, column: name, firstRow: first + 1 });
    }
    return id;
  }

  /** The normalised ID of an earlier row. */
  private idOf(row: number): string {
    const dropped = this.dropped.get(row);
    if (dropped !== undefined) return dropped;
    const kept = this.keptRows === undefined ? row : binarySearch(this.keptRows, row);
    return normalizeId(this.rawIds.at(kept) ?? '', this.caseSensitive);
  }

  private readLabels(batch: Table, column: number, kept: readonly number[], firstRow: number): Uint8Array {
    const labels = new Uint8Array(kept.length);
    for (let k = 0; k < kept.length; k++) {
      const y = parseBinary(batch.field(kept[k]!, column));
      if (y === undefined) this.labelError ??= { row: firstRow + kept[k]! };
      else labels[k] = y;
    }
    return labels;
  }

  private readNumbers(batch: Table, j: number, kept: readonly number[], firstRow: number): void {
    const index = this.plan.features[j]!.index;
    const values = this.numeric[j]!.append(kept.length);
    let missing = 0;
    for (let k = 0; k < kept.length; k++) {
      const value = batch.number(kept[k]!, index);
      if (value === undefined) {
        this.numberErrors[j] ??= firstRow + kept[k]!;
        continue;
      }
      if (Number.isNaN(value)) missing++;
      values[k] = value;
    }
    this.missing[j]! += missing;
  }

  private readCodes(batch: Table, j: number, kept: readonly number[]): Uint32Array {
    const index = this.plan.features[j]!.index;
    const dictionary = this.dictionaries[j]!;
    const codes = new Uint32Array(kept.length);
    let missing = 0;
    for (let k = 0; k < kept.length; k++) {
      const value = batch.field(kept[k]!, index).trim();
      if (isMissing(value)) {
        missing++;
        continue;
      }
      let code = dictionary.get(value);
      if (code === undefined) {
        code = dictionary.size + 1;
        dictionary.set(value, code);
      }
      codes[k] = code;
    }
    this.missing[j]! += missing;
    return codes;
  }
}

function checkTypes(header: readonly string[], types: readonly ColumnType[] | undefined, plan: ColumnPlan, source: DataSource): void {
  if (types === undefined) return;
  const wrong = (index: number, expected: string): never => {
    throw new FedmarkError('FM_ERR_DATA_TYPE', { ...source, column: header[index]!, type: types[index]!, expected });
  };
  for (const f of plan.features) {
    if (!f.categorical && !NUMERIC.has(types[f.index]!)) wrong(f.index, 'a numeric feature needs an integer, floating-point or boolean column (list it under categorical if it is one)');
  }
  if (plan.label !== undefined && !BINARY.has(types[plan.label]!)) wrong(plan.label, 'a label needs a 0/1, boolean or yes/no column');
  if (plan.consent !== undefined && !BINARY.has(types[plan.consent]!)) wrong(plan.consent, 'a consent column needs a 0/1, boolean or Y/N column');
}

export interface LoadLimits {
  /** Bytes the loaded table may hold (the party's maxTableBytes); no limit when absent. */
  maxBytes?: number | undefined;
}

type TypedArrayOf<T> = { new (length: number): T };

/** The parts end to end in one array; each part is let go once copied. */
function concat<T extends Uint8Array | Uint32Array>(parts: T[], length: number, Kind: TypedArrayOf<T>): T {
  const out = new Kind(length);
  let at = 0;
  for (let p = 0; p < parts.length; p++) {
    out.set(parts[p]! as never, at);
    at += parts[p]!.length;
  }
  parts.length = 0;
  return out;
}

/** Float32Array when every value (NaN included) survives the round trip exactly, else the float64 values. */
function exactColumn(values: Float64Array): Float32Array | Float64Array {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Math.fround(v) !== v && !Number.isNaN(v)) return values;
  }
  return Float32Array.from(values);
}

/** Codes renumbered so categories are in code-unit order, in the smallest array that holds them. */
function sortedCodes(dictionary: Map<string, number>, parts: Uint32Array[], rows: number): { codes: Uint8Array | Uint16Array | Uint32Array; categories: string[] } {
  const categories = [...dictionary.keys()].sort();
  const renumber = new Uint32Array(dictionary.size + 1);
  categories.forEach((c, i) => (renumber[dictionary.get(c)!] = i + 1));
  const codes = categories.length < 0xff ? new Uint8Array(rows) : categories.length < 0xffff ? new Uint16Array(rows) : new Uint32Array(rows);
  let at = 0;
  for (const part of parts) {
    for (let k = 0; k < part.length; k++) codes[at + k] = renumber[part[k]!]!;
    at += part.length;
  }
  parts.length = 0;
  return { codes, categories };
}

/** Index of `value` in the ascending `sorted`. */
function binarySearch(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid]!;
    if (v === value) return mid;
    if (v < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Open addressing over row numbers, keyed by a 32-bit hash of the ID; grows at three quarters full. */
class IdTable {
  private slots = new Uint32Array(1 << 16);
  private hashes = new Uint32Array(1 << 16);
  private count = 0;

  get byteLength(): number {
    return this.slots.byteLength + this.hashes.byteLength;
  }

  /** Adds the ID of `row`; returns the earlier row with the same ID, if any (and then adds nothing). */
  insert(id: string, row: number, idOf: (row: number) => string): number | undefined {
    if (4 * (this.count + 1) > 3 * this.slots.length) this.grow();
    const hash = hashId(id);
    const mask = this.slots.length - 1;
    let slot = hash & mask;
    for (let held = this.slots[slot]!; held !== 0; held = this.slots[slot]!) {
      if (this.hashes[slot] === hash && idOf(held - 1) === id) return held - 1;
      slot = (slot + 1) & mask;
    }
    this.slots[slot] = row + 1;
    this.hashes[slot] = hash;
    this.count++;
    return undefined;
  }

  private grow(): void {
    const slots = new Uint32Array(this.slots.length * 2);
    const hashes = new Uint32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let i = 0; i < this.slots.length; i++) {
      const held = this.slots[i]!;
      if (held === 0) continue;
      let slot = this.hashes[i]! & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = held;
      hashes[slot] = this.hashes[i]!;
    }
    this.slots = slots;
    this.hashes = hashes;
  }
}
