// Turns the chosen feature columns of the consenting rows into one row-major Float64Array.
//
// Numeric columns: one feature each; a missing cell is NaN, anything unparseable an error.
// Categorical columns: one 0/1 feature per category seen among consenting rows, named
// `column=category`, categories sorted by code unit so every run gives the same layout.
// A missing categorical cell (empty, NA, NaN, null, ?) gets no category of its own: its row
// is all zeros in that column's block, which models read as "none of the known values"
// without inventing a `<missing>` category that could collide with a real value.

import { FedmarkError } from '../../errors/table.ts';
import type { FeatureColumn } from './columns.ts';
import type { DataSource } from './csv.ts';
import type { Table } from './table.ts';
import { isMissing } from './values.ts';

export interface EncodedFeatures {
  names: string[];
  matrix: Float64Array;
  encodings: Record<string, string[]>;
  missingRate: Record<string, number>;
}

/** `kept` holds the 0-based data-row indexes of the consenting rows, in file order. */
export function encodeFeatures(
  table: Table,
  features: readonly FeatureColumn[],
  kept: Uint32Array,
  source: DataSource,
): EncodedFeatures {
  // Pass 1: the width of each column's block.
  const categories = new Map<string, Map<string, number>>();
  const names: string[] = [];
  for (const f of features) {
    if (!f.categorical) {
      names.push(f.name);
      continue;
    }
    const sorted = distinctValues(table, f.index, kept).sort();
    categories.set(f.name, new Map(sorted.map((c, i) => [c, i])));
    for (const c of sorted) names.push(`${f.name}=${c}`);
  }

  // Pass 2: fill. Typed arrays start zeroed, so one-hot blocks only need their 1s.
  const width = names.length;
  const matrix = new Float64Array(kept.length * width);
  const missing = new Map<string, number>();
  let offset = 0;
  for (const f of features) {
    const codes = categories.get(f.name);
    const block = { matrix, width, offset, kept };
    const missingCount = codes === undefined
      ? fillNumeric(table, f, block, source)
      : fillOneHot(table, f.index, codes, block);
    missing.set(f.name, kept.length === 0 ? 0 : missingCount / kept.length);
    offset += codes === undefined ? 1 : codes.size;
  }

  // fromEntries defines own properties, so a column named __proto__ stays a plain key.
  const encodings = Object.fromEntries([...categories].map(([name, codes]) => [name, [...codes.keys()]]));
  return { names, matrix, encodings, missingRate: Object.fromEntries(missing) };
}

function distinctValues(table: Table, column: number, kept: Uint32Array): string[] {
  const seen = new Set<string>();
  for (let k = 0; k < kept.length; k++) {
    const value = table.field(kept[k]!, column).trim();
    if (!isMissing(value)) seen.add(value);
  }
  return [...seen];
}

/** Where one source column's features go: columns offset.. of a row-major matrix `width` wide. */
interface Block {
  matrix: Float64Array;
  width: number;
  offset: number;
  kept: Uint32Array;
}

/** Fills one numeric column; returns how many cells were missing. */
function fillNumeric(table: Table, f: FeatureColumn, block: Block, source: DataSource): number {
  const { matrix, width, offset, kept } = block;
  let missing = 0;
  for (let k = 0; k < kept.length; k++) {
    const row = kept[k]!;
    const value = table.number(row, f.index);
    if (value === undefined) {
      throw new FedmarkError('FM_ERR_DATA_NUMBER', {
        ...source,
        row: row + 1,
        column: f.name,
      });
    }
    if (Number.isNaN(value)) missing++;
    matrix[k * width + offset] = value;
  }
  return missing;
}

/** Sets the 1 of each row's category in one categorical column; returns how many cells were missing. */
function fillOneHot(table: Table, column: number, codes: ReadonlyMap<string, number>, block: Block): number {
  const { matrix, width, offset, kept } = block;
  let missing = 0;
  for (let k = 0; k < kept.length; k++) {
    const code = codes.get(table.field(kept[k]!, column).trim());
    if (code === undefined) missing++; // only missing tokens have no code: the map holds every other value
    else matrix[k * width + offset + code] = 1;
  }
  return missing;
}
