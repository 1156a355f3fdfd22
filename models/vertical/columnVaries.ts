// Whether a party's table has a column worth training on (the models' checks before PSI): read a
// block of rows at a time (PartyTable.blocks) and stopped at the first column seen to take two
// values, so that a host of a million rows × 300 columns is neither copied whole nor read to the end.
import type { Matrix } from '../matrix.ts';
import type { PartyTable } from './model.ts';

/**
 * True when one of `count` columns takes two different values over the table's rows, missing (NaN)
 * ignored. `value(x, row, k)` is column k of row `row` of a block: an input column as loaded, or one
 * the model derives from several (a categorical column's level from its one-hot inputs).
 */
export function anyColumnVaries(table: PartyTable, count: number, value: (x: Matrix, row: number, k: number) => number): boolean {
  // first[k]: column k's first value seen (NaN: none yet).
  const first = new Float64Array(count).fill(Number.NaN);
  for (const block of table.blocks ? table.blocks() : [table.x]) {
    for (let i = 0; i < block.rows; i++) {
      for (let k = 0; k < count; k++) {
        const v = value(block, i, k);
        if (v !== v) continue;
        const f = first[k] as number;
        if (f !== f) first[k] = v;
        else if (v !== f) return true;
      }
    }
  }
  return false;
}
