import { describe, expect, it } from 'vitest';
import { matrix } from '../matrix.ts';
import { baselineOf, checkLinearReasons, columnMeans, featureTerms, topReasons } from './reasons.ts';

describe('reason codes of a linear part', () => {
  // Two input features: a standardised one (1 column) and a binned one (3 one-hot columns).
  const r = checkLinearReasons({ groups: [1, 3], weights: Float64Array.from([2, 0.5, -1, 0]), means: Float64Array.from([0.1, 0.2, 0.3, 0.5]), intercept: -1 });

  it('splits a contribution into the average customer\'s and one term per input feature (hand-worked)', () => {
    // baseline = −1 + 2·0.1 + 0.5·0.2 − 1·0.3 + 0 = −1.0
    expect(baselineOf(r)).toBeCloseTo(-1, 12);
    const x = matrix(Float64Array.from([1, 0, 1, 0, -1, 1, 0, 0]), 2, 4);
    const terms = featureTerms(r, x);
    // row 0: 2·(1 − 0.1) = 1.8; 0.5·(0 − 0.2) − 1·(1 − 0.3) + 0 = −0.8
    expect(Array.from(terms)).toEqual([expect.closeTo(1.8, 12), expect.closeTo(-0.8, 12), expect.closeTo(-2.2, 12), expect.closeTo(0.5 * 0.8 + 0.3, 12)]);
    // baseline + Σ terms = b + w·x, the contribution itself.
    for (let i = 0; i < 2; i++) {
      let u = r.intercept;
      for (let j = 0; j < 4; j++) u += (r.weights[j] as number) * (x.data[i * 4 + j] as number);
      expect(baselineOf(r) + (terms[2 * i] as number) + (terms[2 * i + 1] as number)).toBeCloseTo(u, 12);
    }
  });

  it('keeps the k largest terms in magnitude and sums the rest', () => {
    expect(topReasons([0.1, -3, 2, -0.5], ['a', 'b', 'c', 'd'], 2)).toEqual({ top: [{ feature: 'b', value: -3 }, { feature: 'c', value: 2 }], rest: expect.closeTo(-0.4, 12) });
    expect(topReasons([1, -1], ['a', 'b'], 5)).toEqual({ top: [{ feature: 'a', value: 1 }, { feature: 'b', value: -1 }], rest: 0 });
  });

  it('means of columns, and refuses groups or means that do not fit the weights', () => {
    expect(Array.from(columnMeans(matrix(Float64Array.from([1, 2, 3, 6]), 2, 2)))).toEqual([2, 4]);
    expect(() => checkLinearReasons({ groups: [2], weights: Float64Array.from([1]), means: Float64Array.from([0]), intercept: 0 })).toThrow(/groups must be prepared columns summing to 1/);
    expect(() => checkLinearReasons({ groups: [1], weights: Float64Array.from([1]), means: new Float64Array(0), intercept: 0 })).toThrow(/means must be 1 column means/);
  });
});
