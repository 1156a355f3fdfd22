import { describe, expect, it } from 'vitest';
import { expectInput } from '../../expectInput.fixture.ts';
import { matrix } from '../../matrix.ts';
import { applyPartyBinning, checkPartyBinning, fitPartyBinning, NO_BIN } from './binning.ts';

describe('per-party binning for trees', () => {
  // Column 0 numeric: 1 … 8 and a NaN; column 1 categorical: indices 0 … 2 and a NaN.
  const x = matrix(Float64Array.from([1, 0, 2, 1, 3, 2, 4, 0, 5, 1, 6, 2, 7, 0, 8, NaN, NaN, 1]), 9, 2);

  it('fits quantile edges on numeric columns and a category count on categorical ones', () => {
    const b = fitPartyBinning(x, { bins: 4, categorical: [1], names: ['income', 'region'] });
    // 8 non-missing values, bins = 4: edges v[1], v[3], v[5] = 2, 4, 6.
    expect(b).toEqual({ version: 1, names: ['income', 'region'], columns: [{ kind: 'numeric', edges: [2, 4, 6] }, { kind: 'categorical', categories: 3 }] });
  });

  it('codes right-closed bins, category indices, and NO_BIN for missing values and unseen categories', () => {
    const b = fitPartyBinning(x, { bins: 4, categorical: [1] });
    const binned = applyPartyBinning(b, x);
    expect(Array.from(binned.binCounts)).toEqual([4, 3]);
    expect(Array.from(binned.categorical)).toEqual([0, 1]);
    // Rows (value, category): (1,0) (2,1) (3,2) (4,0) (5,1) (6,2) (7,0) (8,NaN) (NaN,1).
    expect(Array.from(binned.codes)).toEqual([0, 0, 0, 1, 1, 2, 1, 0, 2, 1, 2, 2, 3, 0, 3, NO_BIN, NO_BIN, 1]);
    const later = applyPartyBinning(b, matrix(Float64Array.from([100, 3, -5, 7, 2.5, 1.5]), 3, 2));
    // 100 → top bin; category 3 was never seen → NO_BIN; 7 and 1.5 are not category indices → NO_BIN.
    expect(Array.from(later.codes)).toEqual([3, NO_BIN, 0, NO_BIN, 1, NO_BIN]);
  });

  it('refuses a categorical column over the level cap, naming the column', () => {
    const many = matrix(Float64Array.from({ length: 40 }, (_, i) => i), 40, 1);
    expectInput(() => fitPartyBinning(many, { categorical: [0], maxCategories: 32, names: ['job'] }), 'x column "job"');
    expect(() => fitPartyBinning(many, { categorical: [0], maxCategories: 32, names: ['job'] })).toThrow('x column "job" must be a categorical column with at most maxCategories = 32 categories (got 40 categories)');
    expect(fitPartyBinning(many, { categorical: [0], maxCategories: 40 }).columns).toEqual([{ kind: 'categorical', categories: 40 }]);
    expectInput(() => fitPartyBinning(matrix(Float64Array.from([0, 1.5]), 2, 1), { categorical: [0], names: ['job'] }), 'x column "job"');
  });

  it('checks its options and a stored binning', () => {
    expectInput(() => fitPartyBinning(x, { bins: 1 }), 'options.bins');
    expectInput(() => fitPartyBinning(x, { bins: 255 }), 'options.bins');
    expectInput(() => fitPartyBinning(x, { categorical: [2] }), 'options.categorical[0]');
    expectInput(() => fitPartyBinning(x, { names: ['a'] }), 'options.names');
    expectInput(() => checkPartyBinning('stored', { version: 1, names: ['a'], columns: [{ kind: 'numeric', edges: [2, 1] }] }), 'stored.columns[0]');
    expectInput(() => applyPartyBinning(fitPartyBinning(x), matrix(new Float64Array(3), 3, 1)), 'x.cols');
  });
});
