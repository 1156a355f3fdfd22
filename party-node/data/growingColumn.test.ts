import { describe, expect, it } from 'vitest';
import { GrowingColumn } from './growingColumn.ts';

describe('GrowingColumn', () => {
  it('keeps every batch in order across growth, and finishes as a plain array of the exact length', () => {
    const column = new GrowingColumn();
    const sizes = [5000, 0, 3193, 20_000, 1];
    let next = 0;
    for (const size of sizes) {
      const view = column.append(size);
      expect(view.length).toBe(size);
      for (let i = 0; i < size; i++) view[i] = next++ * 0.5;
    }
    const values = column.finish();
    expect(values.length).toBe(next);
    expect(values.buffer.byteLength).toBe(next * 8);
    expect(values.buffer instanceof ArrayBuffer && values.buffer.resizable).toBe(false);
    expect(values.every((v, i) => v === i * 0.5)).toBe(true);
  });

  it('gives zeros where a batch wrote nothing (a cell the loader refused) and cannot grow after finish', () => {
    const column = new GrowingColumn();
    column.append(3)[1] = 7;
    expect(Array.from(column.finish())).toEqual([0, 7, 0]);
    expect(() => column.append(1)).toThrow(TypeError);
  });
});
