import { describe, expect, it } from 'vitest';
import { idShapes } from './idShapes.ts';

const list = (ids: string[]) => ({ length: ids.length, at: (i: number) => ids[i] });

describe('idShapes', () => {
  it('counts IDs a spreadsheet or pandas rewrote as numbers, and digit IDs with leading zeros', () => {
    const shapes = idShapes(list(['1.23457e+11', '2.0e3', '123.0', '-4.00', '00123', '0', '123', 'c-001', '1.5', 'e5', '12e']));
    expect(shapes).toEqual({ sampled: 11, numericRewrite: 4, leadingZero: 1 });
  });

  it('looks at the first 10,000 IDs only', () => {
    const ids = { length: 1_000_000, at: (i: number) => `${i}.0` };
    expect(idShapes(ids)).toEqual({ sampled: 10_000, numericRewrite: 10_000, leadingZero: 0 });
  });
});
