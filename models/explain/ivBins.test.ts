import { describe, expect, it } from 'vitest';
import { FedmarkError } from '../../errors/table.ts';
import { matrix } from '../matrix.ts';
import { fitIvBins, ivTable, positivesPerBin } from './ivBins.ts';
import { weightOfEvidence } from './woe.ts';

const column = (values: number[]) => matrix(Float64Array.from(values), values.length, 1);

describe('bins for information value', () => {
  it('cuts at quantiles and counts rows per bin (hand-worked: 1…8 in 4 bins)', () => {
    const b = fitIvBins(column([5, 1, 8, 2, 7, 3, 6, 4]), ['age'], 4, 1, 'bank');
    expect(b.features).toEqual([{ feature: 'age', edges: [2, 4, 6], nanBin: false, rows: [2, 2, 2, 2] }]);
    expect(Array.from(b.indicators.data.subarray(0, 4))).toEqual([0, 0, 1, 0]); // 5 is in (4, 6]
  });

  it('merges a bin below the minimum cell size into the next, and a small last bin into the one before', () => {
    // 1…10 in 10 bins: one row each. minCell 3: 3 | 3 | 3, and the last row joins the third bin.
    const x = column([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(fitIvBins(x, ['n'], 10, 3, 'bank').features[0]).toMatchObject({ edges: [3, 6], rows: [3, 3, 4] });
    expect(fitIvBins(x, ['n'], 10, 5, 'bank').features[0]).toMatchObject({ edges: [5], rows: [5, 5] });
  });

  it('refuses, naming the party and the feature, a column that cannot form two bins of minCell rows or too few missing values', () => {
    const refusal = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        if (err instanceof FedmarkError) return [err.code, err.message];
        throw err;
      }
      return undefined;
    };
    const [code, message] = refusal(() => fitIvBins(column([1, 2, 3, 4, 5, 6]), ['income'], 3, 4, 'insurer')) ?? [];
    expect(code).toBe('FM_ERR_DATA_CELL');
    expect(message).toBe('party insurer: feature "income": its 6 values cannot form two bins of at least the minimum cell size (explain.minCell is 4); lower explain.bins or explain.minCell, or leave the column out');
    expect(refusal(() => fitIvBins(column([1, 2, 3, 4, Number.NaN]), ['x'], 2, 2, 'insurer'))?.[1]).toMatch(/its 1 missing values would form a bin below/);
  });

  it('gives a constant column no bins and IV 0, and missing values their own bin', () => {
    const b = fitIvBins(matrix(Float64Array.from([7, 1, 7, 2, 7, Number.NaN, 7, Number.NaN]), 4, 2), ['c', 'm'], 2, 1, 'bank');
    expect(b.features[0]).toMatchObject({ edges: [], rows: [] });
    expect(b.features[1]).toMatchObject({ edges: [1], nanBin: true, rows: [1, 1, 2] });
    expect(b.indicators.cols).toBe(3);
    const table = ivTable(b.features, positivesPerBin(b.indicators, [1, 0, 1, 0]));
    expect(table[0]).toEqual({ feature: 'c', iv: 0, bins: [] });
    expect(table[1]?.bins.map((x) => [x.bin, x.rows, x.positives])).toEqual([['(-inf, 1]', 1, 1], ['(1, inf)', 1, 0], ['missing', 2, 1]]);
  });

  it('gives the IV of woe.ts on the counts of the bins', () => {
    const x = column([1, 2, 3, 4, 5, 6, 7, 8]);
    const y = [0, 0, 1, 0, 1, 1, 0, 1];
    const b = fitIvBins(x, ['s'], 2, 1, 'bank');
    const [f] = ivTable(b.features, positivesPerBin(b.indicators, y));
    expect(f?.bins.map((c) => [c.positives, c.negatives])).toEqual([[1, 3], [3, 1]]);
    expect(f?.iv).toBe(weightOfEvidence([{ positives: 1, negatives: 3 }, { positives: 3, negatives: 1 }]).iv);
    // By hand: WOE = ln((3/4)/(1/4)) = ln 3 and −ln 3; IV = 2·(½)·ln 3.
    expect(f?.iv).toBeCloseTo(Math.log(3), 12);
  });
});
