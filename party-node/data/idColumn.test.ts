import { describe, expect, it } from 'vitest';
import { IdColumnBuilder } from './idColumn.ts';

describe('IdColumn', () => {
  it('gives back every ID as pushed, across page boundaries and in any script', () => {
    const builder = new IdColumnBuilder();
    const ids = Array.from({ length: 70_000 }, (_, i) => (i % 3 === 0 ? `Jos\u00e9-${i}` : i % 3 === 1 ? `客户-${i}` : `c${i}`));
    for (const id of ids) builder.push(id);
    expect(builder.at(69_999)).toBe(ids[69_999]);
    const column = builder.build();
    expect(column.length).toBe(ids.length);
    for (const i of [0, 1, 65_535, 65_536, 65_537, 69_999]) expect(column.at(i)).toBe(ids[i]);
    expect(Array.from({ length: ids.length }, (_, i) => column.at(i))).toEqual(ids);
    expect(column.at(70_000)).toBeUndefined();
    expect(column.at(-1)).toBeUndefined();
  });

  it('holds bytes and offsets only: about the UTF-8 length plus 4 bytes per ID', () => {
    const builder = new IdColumnBuilder();
    for (let i = 0; i < 100_000; i++) builder.push(`C-${String(i).padStart(24, '0')}`);
    const column = builder.build();
    expect(column.byteLength).toBe(100_000 * (26 + 4));
  });

  it('keeps an empty ID and a column of none', () => {
    const builder = new IdColumnBuilder();
    builder.push('');
    builder.push('x');
    const column = builder.build();
    expect([column.at(0), column.at(1)]).toEqual(['', 'x']);
    expect(new IdColumnBuilder().build().length).toBe(0);
  });
});
