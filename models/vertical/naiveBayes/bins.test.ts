import { describe, expect, it } from 'vitest';
import { expectInput } from '../../expectInput.fixture.ts';
import { matrix } from '../../matrix.ts';
import { binName, binsOf, blockOffsets, countedColumns, fitNaiveBayesBins, indicatorsOf } from './bins.ts';

// 13 rows: income 1 … 10 and three missing; region one-hot (north, south, east), rows 0–5 north,
// 6–10 south, 11 east, 12 none set (missing).
const NAMES = ['income', 'region=north', 'region=south', 'region=east'];
const CATEGORICAL = { region: ['north', 'south', 'east'] };
const income = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, NaN, NaN, NaN];
const region = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, -1];
const TABLE = matrix(Float64Array.from(income.flatMap((v, i) => [v, ...[0, 1, 2].map((c) => (region[i] === c ? 1 : 0))])), 13, 4);

describe('naive Bayes bins, each party its own', () => {
  it('merges quantile bins up to minCell rows, gives categories a bin each and missing values their own', () => {
    // 10 values, 4 bins: candidates v[2], v[4], v[7] = 3, 5, 8 with 3, 2, 3, 2 rows. minCell 3:
    // (≤3) holds 3 → kept; (3,5] holds 2 → open; with (5,8] 5 → kept at edge 8; (>8) holds 2,
    // below minCell, so it merges back into the one before: edges [3].
    const b = fitNaiveBayesBins(TABLE, NAMES, CATEGORICAL, 4, 3);
    expect(b.features).toEqual([
      { name: 'income', edges: [3], rows: [3, 7, 3], counted: [true, true, true] },
      // east (1 row) and missing (1 row) are below minCell: not counted.
      { name: 'region', categories: ['north', 'south', 'east'], edges: [], rows: [6, 5, 1, 1], counted: [true, true, false, false] },
    ]);
    // minCell 4: (≤3) 3 open, (3,5] → 5 kept at edge 5, (5,8] 3 open, (>8) → 5 closes the last bin; 3 missing are too few.
    expect(fitNaiveBayesBins(TABLE, NAMES, CATEGORICAL, 4, 4).features[0]).toEqual({ name: 'income', edges: [5], rows: [5, 5, 3], counted: [true, true, false] });
  });

  it('counts no bin of a column with fewer than two bins of minCell rows, nor of a constant column', () => {
    const b = fitNaiveBayesBins(TABLE, NAMES, CATEGORICAL, 4, 6);
    // income: 10 values make one bin of 6 and 4 left, merged back: one bin; region: north only.
    expect(b.features.map((f) => f.counted)).toEqual([[false, false], [false, false, false, false]]);
    const constant = fitNaiveBayesBins(matrix(new Float64Array(10).fill(7), 10, 1), ['flat'], {}, 10, 1);
    expect(constant.features).toEqual([{ name: 'flat', edges: [], rows: [10, 0], counted: [false, false] }]);
    expect(countedColumns(constant)).toEqual([]);
  });

  it('puts rows in right-closed bins, missing values and unset categories in the last bin', () => {
    const b = fitNaiveBayesBins(TABLE, NAMES, CATEGORICAL, 4, 3);
    expect(Array.from(binsOf(b, TABLE))).toEqual([0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 2, 2, 2, 3]);
    // A later row: far above every edge, in a category the loader did not know (none set).
    expect(Array.from(binsOf(b, matrix(Float64Array.from([1000, 0, 0, 0]), 1, 4)))).toEqual([1, 3]);
    const ind = indicatorsOf(b, TABLE);
    expect(blockOffsets(b)).toEqual([0, 3, 7]);
    expect([ind.rows, ind.cols]).toEqual([13, 7]);
    expect(Array.from(ind.data.subarray(0, 7))).toEqual([1, 0, 0, 1, 0, 0, 0]);
    expect(Array.from(ind.data.subarray(12 * 7))).toEqual([0, 0, 1, 0, 0, 0, 1]);
    expect(countedColumns(b)).toEqual([0, 1, 2, 3, 4]);
    expect(b.features.flatMap((f) => f.rows.map((_, k) => binName(f, k)))).toEqual([
      'income=(-inf, 3]', 'income=(3, inf)', 'income=missing', 'region=north', 'region=south', 'region=east', 'region=missing',
    ]);
  });

  it('refuses names that do not match the columns, and rows of another width', () => {
    expectInput(() => fitNaiveBayesBins(TABLE, NAMES.slice(1), CATEGORICAL, 4, 3), 'names');
    expectInput(() => fitNaiveBayesBins(TABLE, NAMES, CATEGORICAL, 1, 3), 'bins');
    const b = fitNaiveBayesBins(TABLE, NAMES, CATEGORICAL, 4, 3);
    expectInput(() => binsOf(b, matrix(new Float64Array(3), 1, 3)), 'x');
  });
});
