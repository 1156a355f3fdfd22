import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../random.ts';
import { countByCuts, populationStabilityIndex } from './stability.ts';

describe('populationStabilityIndex', () => {
  it('is 0 for the same distribution and matches a hand computation for a shifted one', () => {
    expect(populationStabilityIndex([10, 20, 30, 40], [20, 40, 60, 80])).toBeCloseTo(0, 12);
    const e = [0.25, 0.25, 0.25, 0.25];
    const a = [0.1, 0.2, 0.3, 0.4];
    const hand = a.reduce((s, ai, i) => s + (ai - e[i]!) * Math.log(ai / e[i]!), 0);
    expect(populationStabilityIndex([25, 25, 25, 25], [10, 20, 30, 40])).toBeCloseTo(hand, 12);
  });

  it('stays small for a fresh sample of the same scores and grows past 0.25 for shifted scores', () => {
    const next = mulberry32(3);
    const draw = (shift: number) => Float64Array.from({ length: 5000 }, () => Math.min(1, Math.max(0, next() / 2 ** 32 + shift)));
    const reference = draw(0);
    const cuts = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1];
    const base = countByCuts(reference, cuts);
    expect(base).toHaveLength(10);
    expect(populationStabilityIndex(base, countByCuts(draw(0), cuts))).toBeLessThan(0.02);
    expect(populationStabilityIndex(base, countByCuts(draw(0.3), cuts))).toBeGreaterThan(0.25);
  });

  it('refuses bin counts that do not line up, naming them', () => {
    expect(() => populationStabilityIndex([1, 2, 3], [1, 2])).toThrow(/actual/);
    expect(() => populationStabilityIndex([1, -2], [1, 2])).toThrow(/expected\[1\]/);
  });
});
