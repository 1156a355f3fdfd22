// The one shape every connector hands the loader, for one batch of rows: a header, a row count,
// and each cell as text or as a number. CSV (and PostgreSQL's COPY output) keeps bytes and parses
// on demand; Parquet keeps the typed values its reader decoded. The loader (datasetBuilder.ts)
// reads only through this interface, so PSI and training see the same Dataset whatever the source.

import { parseNumber } from './values.ts';

/** A column's type as a scientist sees it in a listing, and as the loader checks it. */
export type ColumnType = 'integer' | 'number' | 'boolean' | 'text' | 'date' | 'other';

export interface Table {
  readonly header: readonly string[];
  /** Data rows, header excluded. */
  readonly rows: number;
  /** Declared column types, in header order; absent for CSV, whose cells are all text. */
  readonly types?: readonly ColumnType[];
  /** The cell as text, not trimmed; a null is ''. `row` is 0-based. */
  field(row: number, column: number): string;
  /** The cell as a number, NaN when it is missing, undefined when it is not a number. */
  number(row: number, column: number): number | undefined;
}

export type Cell = string | number | bigint | boolean | Date | null | undefined;

export interface TypedColumn {
  name: string;
  type: ColumnType;
  values: ArrayLike<Cell>;
}

/** A table of typed columns, as a Parquet reader or a database client returns them. */
export class ColumnTable implements Table {
  readonly header: readonly string[];
  readonly rows: number;
  readonly types: readonly ColumnType[];
  private readonly values: ReadonlyArray<ArrayLike<Cell>>;

  constructor(columns: readonly TypedColumn[], rows: number) {
    this.header = columns.map((c) => c.name);
    this.types = columns.map((c) => c.type);
    this.values = columns.map((c) => c.values);
    this.rows = rows;
  }

  field(row: number, column: number): string {
    const v = this.values[column]![row];
    if (v === null || v === undefined) return '';
    if (v instanceof Date) return v.toISOString();
    return String(v);
  }

  number(row: number, column: number): number | undefined {
    const v = this.values[column]![row];
    if (v === null || v === undefined) return Number.NaN;
    if (typeof v === 'number') return Number.isFinite(v) || Number.isNaN(v) ? v : undefined;
    if (typeof v === 'bigint') return Number(v);
    if (typeof v === 'boolean') return v ? 1 : 0;
    if (v instanceof Date) return undefined;
    return parseNumber(v);
  }
}
