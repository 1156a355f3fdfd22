import { describe, expect, it } from 'vitest';
import { describeModel, formatModel, POINTS_TO_DOUBLE_ODDS } from './describeModel.ts';

// A host's binned part: income cut at 10 and 20 (3 bins), age with a bin for missing values (2 + 1).
const file = {
  job: 'job-1', kind: 'vertical', model: 'logistic', role: 'host', partners: 1,
  mapping: {
    version: 1, method: 'quantile', inputNames: ['income', 'age'],
    outputNames: ['income#bin0', 'income#bin1', 'income#bin2', 'age#bin0', 'age#bin1', 'age#nan'],
    bins: { edges: [[10, 20], [40]], nanBin: [false, true] },
  },
  weights: [Math.log(2), 0, -Math.log(2), 0.1, -0.1, 0],
  iv: [{ feature: 'income', iv: 0.25, bins: [] }],
};

describe('party model show', () => {
  it('gives points per bin at 20 points per doubling of the odds, and IV where the job computed it', () => {
    const m = describeModel('credit', file, 'file');
    expect(m.features[0]?.bins?.map((b) => [b.bin, b.points])).toEqual([['(-inf, 10]', expect.closeTo(POINTS_TO_DOUBLE_ODDS, 9)], ['(10, 20]', 0], ['(20, inf)', expect.closeTo(-20, 9)]]);
    expect(m.features[1]?.bins?.map((b) => b.bin)).toEqual(['(-inf, 40]', '(40, inf)', 'missing']);
    expect(m.features.map((f) => [f.feature, f.iv, f.strength])).toEqual([['income', 0.25, 'medium'], ['age', undefined, undefined]]);
    expect(m.otherParties).toBe(1);
    const text = formatModel(m, 'insurer');
    expect(text.split('\n')[0]).toBe('model credit, job job-1: party insurer holds the host\'s part of a logistic model');
    expect(text).toContain('1 other party holds the rest; its features, weights and information value stay at its premises');
    expect(text).toMatch(/^ {2}income +3 {2}0\.2500 \(medium\)$/m);
    expect(text).toMatch(/\(-inf, 10\] +0\.6931 +20\.0 points/);
  });

  it('gives coefficients for standardised features, the guest\'s intercept as base points, and refuses another shape naming the file', () => {
    const guest = describeModel('credit', { ...file, role: 'guest', intercept: -Math.log(4), weights: [0.5, -0.25], mapping: { version: 1, method: 'standardize', inputNames: ['a', 'b'], outputNames: ['a', 'b'], standardizer: { mean: [0, 0], std: [1, 1] } } }, 'file');
    expect(guest.features.map((f) => f.weight)).toEqual([0.5, -0.25]);
    expect(guest.intercept?.points).toBeCloseTo(-40, 9);
    expect(formatModel(guest, undefined)).toContain('no information value: the job did not ask for it');
    expect(() => describeModel('credit', { ...file, weights: [1] }, 'model file of credit at party insurer')).toThrow(/model file of credit at party insurer must be 6 weights \(got 1\)/);
    expect(() => describeModel('credit', { job: 'j' }, 'model file of credit')).toThrow(/model file of credit must be a vertical logistic model file/);
  });
});
