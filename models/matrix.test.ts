import { describe, expect, it } from 'vitest';
import { expectInput } from './expectInput.fixture.ts';
import { concatColumns, maskIndices, matrix, selectRows } from './matrix.ts';

const m = (rows: number[][]) => matrix(Float64Array.from(rows.flat()), rows.length, rows[0]?.length ?? 0);

describe('matrix helpers', () => {
  it('selects rows in the order given', () => {
    const x = m([[1, 2], [3, 4], [5, 6]]);
    expect(selectRows(x, [2, 0])).toEqual(m([[5, 6], [1, 2]]));
    expectInput(() => selectRows(x, [3]), 'indices');
  });

  it('joins columns row by row', () => {
    expect(concatColumns(m([[1], [2]]), m([[3, 4], [5, 6]]))).toEqual(m([[1, 3, 4], [2, 5, 6]]));
    expectInput(() => concatColumns(m([[1]]), m([[1], [2]])), 'b.rows');
  });

  it('lists the indices of a mask value', () => {
    expect([...maskIndices(Uint8Array.from([0, 1, 1, 0]), 1)]).toEqual([1, 2]);
    expect([...maskIndices(Uint8Array.from([0, 1, 1, 0]), 0)]).toEqual([0, 3]);
  });

  it('checks the shape', () => {
    expectInput(() => matrix(new Float64Array(5), 2, 3), 'matrix.data');
    expectInput(() => matrix(new Float64Array(0), -1, 0), 'matrix.rows');
  });
});
