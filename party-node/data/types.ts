// The dataset loader's public shapes, kept apart so the helper modules can share them
// without importing the loader itself. dataset.ts re-exports them.

import type { IdList } from '../../protocol/psi/session.ts';

export interface DatasetSpec {
  /** Absolute path; the caller resolves relative paths against its own roots. */
  path: string;
  idColumn: string;
  /** Binary label: 0/1 (or a decimal equal to one: 1.0), yes/no, true/false, y/n (case-insensitive, trimmed). */
  labelColumn?: string;
  /** Rows whose consent is N/no/0/false/empty (or a missing token) are dropped before anything else. */
  consentColumn?: string;
  /** Default: every column except the id, label and consent columns, in header order. */
  features?: string[];
  /** Feature columns one-hot encoded locally; the encoding stays at the party. */
  categorical?: string[];
  /** One character; default: detected from the header line among , ; tab |. */
  delimiter?: string;
  /** Default false: IDs are trimmed, NFC-normalised and lower-cased for matching. */
  idCaseSensitive?: boolean;
}

/** The column settings of a table, whatever its source. */
export type TableSpec = Omit<DatasetSpec, 'path' | 'delimiter'>;

export interface Dataset {
  party: string;
  /** Display name used in messages: never a host directory. */
  file: string;
  /**
   * Normalised IDs of the consenting rows, in file order. Made on first use (one string per row)
   * and kept: code that walks the IDs of a large table reads `idList` instead.
   */
  readonly ids: string[];
  /** The same IDs as written in the file (trimmed), same order; made on first use like `ids`. */
  readonly rawIds: string[];
  /** The normalised IDs one at a time, from the compact column (what PSI streams from). */
  readonly idList: IdList;
  /** Row `row`'s ID as written (trimmed). */
  rawId(row: number): string;
  /** The same as UTF-8 bytes, without making a string (a view: do not change it). */
  rawIdBytes(row: number): Uint8Array;
  /**
   * Normalised IDs of the rows without consent: never used for anything but saying so (the party's
   * own log counts scoring requests for such customers apart from unknown ones). Stays at the party.
   */
  withoutConsent: Set<string>;
  /** 0/1 per consenting row, when labelColumn is set. */
  labels?: Uint8Array;
  /** After one-hot expansion, e.g. `job=admin.`. */
  featureNames: string[];
  /**
   * Row-major, rows × featureNames.length; a missing numeric value is NaN. Made from the columns
   * on first use and kept: code that needs some rows only calls selectRows.
   */
  readonly features: Float64Array;
  /** Row-major rows × featureNames.length of the given rows, in the order given: the values of `features`. */
  selectRows(rows: ArrayLike<number>): Float64Array;
  /**
   * The rows of each list (row-major, as selectRows), copied column by column, each column let go
   * once copied: afterwards the table holds IDs, labels and stats only (asking for rows throws), and at no point are the columns and
   * the copies held whole together. `between` runs after each column (a turn of the event loop);
   * `float32`: the copies round to float32 (half the memory, for a model that allows it).
   */
  takeRows(lists: readonly ArrayLike<number>[], options?: { between?: () => Promise<unknown>; float32?: boolean }): Promise<Array<Float64Array | Float32Array>>;
  /** Bytes the table holds (IDs, labels, feature columns and `features` once made): what a memory report counts. */
  readonly byteLength: number;
  /** Consenting rows. */
  rows: number;
  /** Aggregates only: safe to send to the coordinator. */
  stats: DatasetStats;
  /** Categorical column -> its categories in one-hot order. Stays at the party. */
  encodings: Record<string, string[]>;
}

export interface DatasetStats {
  totalRows: number;
  consentingRows: number;
  droppedWithoutConsent: number;
  /** featureNames.length */
  features: number;
  labelPositives?: number;
  /** Per source (pre-one-hot) feature column: share of consenting rows with a missing value; 0 when there are none. */
  missingRate: Record<string, number>;
}
