import { describe, expect, it } from 'vitest';
import { matrix } from '../../matrix.ts';
import { refusal } from '../refusal.fixture.ts';
import { logistic } from './index.ts';

const NaN_ = Number.NaN;
const table = (role: 'guest' | 'host', values: number[], names: string[]) => ({
  party: 'insurer', file: 'host.csv', role, x: matrix(Float64Array.from(values), values.length / names.length, names.length), names, categorical: {},
});

describe('logistic regression checks a host\'s table before anything is exchanged', () => {
  it('refuses a host whose every column is constant or missing, naming party, file and columns', () => {
    // Columns: c = 1 everywhere; m = missing everywhere; z = 0 or missing.
    const x = [1, NaN_, 0, 1, NaN_, NaN_, 1, NaN_, 0];
    expect(refusal('FM_ERR_DATA_MODEL', () => logistic.check(table('host', x, ['c', 'm', 'z'])))).toBe(
      'party insurer: host.csv, column "c, m, z": no usable feature: every column is the same or missing on every row, so this host would add nothing to the model',
    );
  });

  it('accepts a host with one column of two values, even beside constant ones and with gaps', () => {
    expect(refusal('FM_ERR_DATA_MODEL', () => logistic.check(table('host', [1, NaN_, 1, 2, 1, 3], ['c', 'v'])))).toBe('accepted');
    // -0 and 0 are one value: a column of signed zeros is constant.
    expect(refusal('FM_ERR_DATA_MODEL', () => logistic.check(table('host', [0, -0, 0], ['z'])))).toMatch(/no usable feature/);
  });

  it('leaves the guest alone: its intercept still learns the base rate', () => {
    expect(refusal('FM_ERR_DATA_MODEL', () => logistic.check(table('guest', [1, 1, 1], ['c'])))).toBe('accepted');
  });
});

describe('the check reads a table given in blocks', () => {
  it('finds a column that varies only across blocks, and refuses when none does', () => {
    const names = ['a', 'b'];
    const block = (values: number[]) => matrix(Float64Array.from(values), values.length / 2, 2);
    const inBlocks = (blocks: number[][]) => ({
      party: 'insurer', file: 'host.csv', role: 'host' as const, names, categorical: {},
      get x(): never {
        throw new Error('the whole table was made');
      },
      blocks: () => blocks.map(block),
    });
    // b is 5 in the first block and 6 in the second; within each block every column is constant.
    expect(refusal('FM_ERR_DATA_MODEL', () => logistic.check(inBlocks([[1, 5, 1, 5], [1, 6]])))).toBe('accepted');
    expect(refusal('FM_ERR_DATA_MODEL', () => logistic.check(inBlocks([[1, 5, NaN_, 5], [1, NaN_]])))).toMatch(/column "a, b": no usable feature/);
  });
});
