import { describe, expect, it } from 'vitest';
import { IdColumnBuilder } from './idColumn.ts';
import { TableDataset, type StoredColumn } from './tableDataset.ts';

function table(columns: StoredColumn[], names: string[], rows: number): TableDataset {
  const ids = new IdColumnBuilder();
  for (let i = 0; i < rows; i++) ids.push(`c${i}`);
  return new TableDataset({
    party: 'bank', file: 'crm.csv', rawIds: ids.build(), idCaseSensitive: false, withoutConsent: new Set(), columns, featureNames: names,
    stats: { totalRows: rows, consentingRows: rows, droppedWithoutConsent: 0, features: names.length, missingRate: {} }, encodings: {},
  });
}

describe('TableDataset.takeRows', () => {
  it('frees each big column it owns once copied, and leaves alone a column that shares its buffer', async () => {
    const rows = 20_000;
    const big = Float64Array.from({ length: rows }, (_, i) => i / 3);
    // Two small columns over one buffer that something else still reads.
    const shared = new Float32Array(2 * rows);
    shared.forEach((_, i) => (shared[i] = i));
    const left = shared.subarray(0, rows);
    const right = shared.subarray(rows);
    const codes = Uint8Array.from({ length: rows }, (_, i) => i % 3);
    const d = table([
      { kind: 'numeric', values: big },
      { kind: 'numeric', values: left },
      { kind: 'numeric', values: right },
      { kind: 'categorical', codes, categories: ['a', 'b'] },
    ], ['big', 'left', 'right', 'seg=a', 'seg=b'], rows);
    const before = d.selectRows([0, 7, rows - 1]);
    const [picked, float32] = await d.takeRows([[0, 7, rows - 1], [7]], {});
    expect(Array.from(picked!)).toEqual(Array.from(before));
    expect(big.buffer.detached).toBe(true);
    expect(shared.buffer.detached).toBe(false);
    expect(shared[rows + 5]).toBe(rows + 5);
    // The codes are 20 kB: below the size worth detaching.
    expect(codes.buffer.detached).toBe(false);
    expect(float32?.length).toBe(5);
  });

  it('rounds to float32 when asked, and otherwise gives the loaded values exactly', async () => {
    const values = Float64Array.from([0.1, 1 / 3, 2 ** 40 + 1]);
    const exact = await table([{ kind: 'numeric', values: values.slice() }], ['x'], 3).takeRows([[0, 1, 2]]);
    expect(Array.from(exact[0]!)).toEqual(Array.from(values));
    const halved = await table([{ kind: 'numeric', values: values.slice() }], ['x'], 3).takeRows([[0, 1, 2]], { float32: true });
    expect(halved[0]).toBeInstanceOf(Float32Array);
    expect(Array.from(halved[0]!)).toEqual(Array.from(Float32Array.from(values)));
  });
});
