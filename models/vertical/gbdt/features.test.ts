import { describe, expect, it } from 'vitest';
import { FedmarkError } from '../../../errors/table.ts';
import { matrix } from '../../matrix.ts';
import { checkGbdtTable, collapse, gbdtColumns, prepareGbdtRows } from './features.ts';
import { gbdtTrainingOf } from './settings.ts';

const t = gbdtTrainingOf({});

function code(fn: () => void): { code: string; message: string } | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof FedmarkError) return { code: err.code, message: err.message };
    throw err;
  }
  return undefined;
}

describe('GBDT columns at a party', () => {
  it('turns each one-hot group back into one column of category indices, NaN when none is set', () => {
    const names = ['age', 'job=admin', 'job=chef', 'job=pilot', 'balance'];
    const columns = gbdtColumns(names, { job: ['admin', 'chef', 'pilot'] });
    expect(columns).toEqual([
      { name: 'age', inputs: [0], categorical: false },
      { name: 'job', inputs: [1, 2, 3], categorical: true },
      { name: 'balance', inputs: [4], categorical: false },
    ]);
    const x = matrix(Float64Array.from([30, 0, 0, 1, 5, 41, 1, 0, 0, NaN, 52, 0, 0, 0, 7]), 3, 5);
    expect(Array.from(collapse(columns, x).data)).toEqual([30, 2, 5, 41, 0, NaN, 52, NaN, 7]);
    const prepared = prepareGbdtRows({ train: x, evaluation: x, names, categorical: { job: ['admin', 'chef', 'pilot'] } }, t);
    expect(prepared.rows.names).toEqual(['age', 'job', 'balance']);
    expect(prepared.rows.categorical).toEqual([1]);
    expect(prepared.mapping.binning.columns[1]).toEqual({ kind: 'categorical', categories: 3 });
  });

  it('refuses, before any exchange, too many categories, one label class and a host with nothing to split on', () => {
    const table = { party: 'insurer', file: 'contacts.csv', role: 'host' as const, names: ['h0', 'h1'], categorical: {}, x: matrix(Float64Array.from([3, NaN, 3, 1, 3, 1]), 3, 2) };
    expect(code(() => checkGbdtTable(table, t))).toEqual({ code: 'FM_ERR_DATA_MODEL', message: 'party insurer: contacts.csv, column "h0, h1": no usable feature: every column is the same or missing on every row, so this host could never split a node' });
    expect(code(() => checkGbdtTable({ ...table, x: matrix(Float64Array.from([3, NaN, 3, 1, 3, 2]), 3, 2) }, t))).toBeUndefined();
    const levels = Array.from({ length: 6 }, (_, i) => `c${i}`);
    expect(code(() => checkGbdtTable({ ...table, role: 'guest', names: levels.map((c) => `seg=${c}`), categorical: { seg: levels }, x: matrix(new Float64Array(18), 3, 6) }, { ...t, maxCategories: 5 }))?.message)
      .toBe('party insurer: contacts.csv, column "seg": 6 categories, more than training.maxCategories = 5 (gradient-boosted trees split a categorical column by category sets)');
    expect(code(() => checkGbdtTable({ ...table, role: 'guest', labels: Uint8Array.from([0, 0, 0]) }, t))?.message).toMatch(/column "\(label\)": all 3 labels are 0/);
  });
});
