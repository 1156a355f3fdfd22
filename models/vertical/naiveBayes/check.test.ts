import { describe, expect, it } from 'vitest';
import { matrix } from '../../matrix.ts';
import { refusal } from '../refusal.fixture.ts';
import { naiveBayes } from './index.ts';

const rows = 200;
const varying = matrix(Float64Array.from({ length: rows }, (_, i) => i % 40), rows, 1);
const table = (role: 'guest' | 'host', x = varying, labels?: Uint8Array) => ({ party: 'insurer', file: 'host.csv', role, x, names: ['tenure'], categorical: {}, ...(labels ? { labels } : {}) });

describe('naive Bayes checks a party\'s table before anything is exchanged', () => {
  it('refuses a guest whose labels are all one class, naming the party, file and label', () => {
    expect(refusal('FM_ERR_DATA_MODEL', () => naiveBayes.check(table('guest', varying, new Uint8Array(rows)), {}))).toBe('party insurer: host.csv, column "(label)": all 200 labels are 0; naive Bayes needs both classes');
    expect(refusal('FM_ERR_DATA_MODEL', () => naiveBayes.check(table('guest', varying, Uint8Array.from({ length: rows }, (_, i) => i % 2)), {}))).toBe('accepted');
  });

  it('refuses a host none of whose columns forms two bins of minCell rows', () => {
    expect(refusal('FM_ERR_DATA_MODEL', () => naiveBayes.check(table('host'), {}))).toBe('accepted');
    // 200 rows cannot form two bins of 150.
    expect(refusal('FM_ERR_DATA_MODEL', () => naiveBayes.check(table('host'), { training: { minCell: 150 } }))).toMatch(/^party insurer: host\.csv, column "tenure": no column forms two bins of at least training\.minCell = 150 rows/);
    expect(refusal('FM_ERR_DATA_MODEL', () => naiveBayes.check(table('host', matrix(new Float64Array(rows).fill(3), rows, 1)), {}))).toMatch(/no column forms two bins/);
  });
});
