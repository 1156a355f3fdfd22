import { describe, expect, it } from 'vitest';
import { assignArms, largestRemainder } from './assignment.ts';

const key = new Uint8Array(32).fill(7);
const ids = Array.from({ length: 1000 }, (_, i) => `C${String(i).padStart(6, '0')}`);
const deciles = ids.map((_, i) => 1 + (i % 10));

describe('assignArms', () => {
  it('gives each decile its arms\' fractions up to one customer', () => {
    const arms = assignArms(ids, deciles, [0.45, 0.45, 0.1], key);
    for (let d = 1; d <= 10; d++) {
      const counts = [0, 0, 0];
      arms.forEach((arm, i) => {
        if (deciles[i] === d) counts[arm]!++;
      });
      expect(counts).toEqual([45, 45, 10]);
    }
  });

  it('is the same for the same key and audience whatever the order, and different under another key', () => {
    const a = assignArms(ids, deciles, [0.8, 0.2], key);
    const reversed = assignArms([...ids].reverse(), [...deciles].reverse(), [0.8, 0.2], key);
    expect([...reversed].reverse()).toEqual([...a]);
    const other = assignArms(ids, deciles, [0.8, 0.2], new Uint8Array(32).fill(8));
    const moved = a.filter((arm, i) => arm !== other[i]).length;
    expect(moved).toBeGreaterThan(100);
  });

  it('refuses fractions of 0 or 1 and fractions that do not sum to 1, naming them', () => {
    expect(() => assignArms(ids, deciles, [1, 0], key)).toThrow(/fractions.*each in \(0, 1\)/);
    expect(() => assignArms(ids, deciles, [0.5, 0.4], key)).toThrow(/fractions.*a sum of 1/);
  });
});

describe('largestRemainder', () => {
  it('sums to n exactly', () => {
    expect(largestRemainder(7, [1 / 3, 1 / 3, 1 / 3])).toEqual([3, 2, 2]);
    expect(largestRemainder(10, [0.55, 0.45])).toEqual([6, 4]);
  });
});
