import { describe, expect, it } from 'vitest';
import { expectInput } from '../expectInput.fixture.ts';
import { matrix } from '../matrix.ts';
import { applyStandardizer, fitStandardizer } from './standardize.ts';

// Columns: a = [1, 3, NaN, 5]; b = [2, 2, 2, 2] (constant); c = all NaN.
const x = matrix(Float64Array.from([1, 2, NaN, 3, 2, NaN, NaN, 2, NaN, 5, 2, NaN]), 4, 3);

describe('fitStandardizer', () => {
  it('ignores NaN, uses the population std, and keeps std 1 for constant or empty columns', () => {
    const s = fitStandardizer(x);
    // a: mean (1 + 3 + 5) / 3 = 3; variance (4 + 0 + 4) / 3 = 8/3.
    expect(s.mean).toEqual([3, 2, 0]);
    expect(s.std[0]).toBeCloseTo(Math.sqrt(8 / 3), 15);
    expect(s.std.slice(1)).toEqual([1, 1]);
  });
});

describe('applyStandardizer', () => {
  it('fits columns of huge values without overflow: 1e300s give a finite std and z-scores of ±1', () => {
    // Columns [1e300, 3e300] (mean 2e300, std 1e300) and [-1.5e308, 1.5e308] (mean 0, std 1.5e308):
    // unscaled, (1e300)² and the sum 1.5e308 + 1.5e308 are Infinity, and so was the std.
    const huge = matrix(Float64Array.from([1e300, -1.5e308, 3e300, 1.5e308]), 2, 2);
    const s = fitStandardizer(huge);
    expect(s.mean[0]! / 2e300).toBeCloseTo(1, 12);
    expect(s.std[0]! / 1e300).toBeCloseTo(1, 12);
    expect(s.mean[1]).toBe(0);
    expect(s.std[1]! / 1.5e308).toBeCloseTo(1, 12);
    const z = Array.from(applyStandardizer(s, huge).data);
    z.forEach((v, k) => expect(v).toBeCloseTo([-1, -1, 1, 1][k]!, 12));
  });

  it('standardises and imputes NaN with the mean (→ 0)', () => {
    const z = applyStandardizer(fitStandardizer(x), x);
    const k = 1 / Math.sqrt(8 / 3); // 0.6123724…
    const expected = [-2 * k, 0, 0, 0, 0, 0, 0, 0, 0, 2 * k, 0, 0];
    expected.forEach((v, i) => expect(z.data[i]).toBeCloseTo(v, 14));
    expect(z.data[0]).toBeCloseTo(-1.224744871391589, 14);
  });

  it('applies training statistics to new rows', () => {
    const s = { mean: [10], std: [2] };
    expect([...applyStandardizer(s, matrix(Float64Array.from([14, 7, NaN]), 3, 1)).data]).toEqual([2, -1.5, 0]);
  });

  it('rejects infinities and a standardizer of the wrong width', () => {
    expectInput(() => fitStandardizer(matrix(Float64Array.from([1, Infinity]), 2, 1)), 'x');
    expectInput(() => applyStandardizer({ mean: [0, 0], std: [1, 1] }, matrix(new Float64Array(3), 3, 1)), 'standardizer');
    expectInput(() => applyStandardizer({ mean: [0], std: [0] }, matrix(new Float64Array(3), 3, 1)), 'standardizer');
  });
});
