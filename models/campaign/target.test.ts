import { describe, expect, it } from 'vitest';
import { isTargeted, rankDeciles } from './target.ts';

describe('rankDeciles', () => {
  it('ranks the eligible customers best first and cuts deciles by rank, skipping the others', () => {
    const scores = Float64Array.from([0.1, 0.9, Number.NaN, 0.5, 0.7, 0.3, 0.2, 0.8, 0.6, 0.4, 0.05]);
    const eligible = Uint8Array.from([1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 0]);
    const r = rankDeciles(scores, eligible);
    expect(r.eligible).toBe(9);
    expect(Array.from(r.rank)).toEqual([8, 0, -1, 4, 2, 6, 7, 1, 3, 5, -1]);
    // 9 customers: rank r is in decile 1 + floor(10r/9).
    expect(Array.from(r.decile)).toEqual([9, 1, 0, 5, 3, 7, 8, 2, 4, 6, 0]);
  });
  it('refuses an eligible customer without a score, naming it', () => {
    expect(() => rankDeciles([1, Number.NaN], Uint8Array.from([1, 1]))).toThrow(/scores\[1\]/);
  });
});

describe('isTargeted', () => {
  const scores = Float64Array.from({ length: 100 }, (_, i) => i);
  const r = rankDeciles(scores, new Uint8Array(100).fill(1));
  it('takes the top k% by rank, rounding up', () => {
    const top = scores.map((_, i) => (isTargeted({ topPercent: 12.5 }, r, i) ? 1 : 0));
    expect(top.reduce((s, x) => s + x, 0)).toBe(13);
    expect(isTargeted({ topPercent: 12.5 }, r, 99)).toBe(true);
    expect(isTargeted({ topPercent: 12.5 }, r, 86)).toBe(false);
  });
  it('takes the named deciles', () => {
    expect(isTargeted({ deciles: [2] }, r, 85)).toBe(true);
    expect(isTargeted({ deciles: [2] }, r, 95)).toBe(false);
  });
});
