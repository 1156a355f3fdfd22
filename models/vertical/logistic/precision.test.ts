import { describe, expect, it } from 'vitest';
import { logistic } from './index.ts';

describe('logistic regression: the precision of the rows a party holds', () => {
  it('is float32 for standardised columns, float64 when the job cuts them into bins (a scorecard)', () => {
    expect(logistic.rowPrecision({})).toBe('float32');
    expect(logistic.rowPrecision({ training: { binning: { method: 'quantile', bins: 10 } } })).toBe('float64');
  });
});
