import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../random.ts';
import { newcombeDifference, relativeUplift, wilson } from './intervals.ts';

describe('wilson', () => {
  it('matches Newcombe (1998, Stat Med 17:857) for 81/263 and the zero-count row 0/20', () => {
    const a = wilson(81, 263);
    expect(a.lo).toBeCloseTo(0.2553, 4);
    expect(a.hi).toBeCloseTo(0.3662, 4);
    const b = wilson(0, 20);
    expect(b.lo).toBe(0);
    expect(b.hi).toBeCloseTo(0.1611, 4);
  });

  it('refuses counts that cannot be', () => {
    expect(() => wilson(5, 4)).toThrow(/wilson\.successes/);
    expect(() => wilson(1, -1)).toThrow(/wilson\.n/);
  });
});

describe('newcombeDifference', () => {
  it('matches Newcombe (1998, Stat Med 17:873), method 10, for 56/70 − 48/80', () => {
    const d = newcombeDifference(56, 70, 48, 80);
    expect(d.estimate).toBeCloseTo(0.2, 10);
    expect(d.lo).toBeCloseTo(0.0524, 4);
    expect(d.hi).toBeCloseTo(0.3339, 4);
  });
});

/** Binomial draw by summing Bernoulli trials: exact, fast enough for the sizes here. */
function binomial(n: number, p: number, next: () => number): number {
  let x = 0;
  for (let i = 0; i < n; i++) if (next() / 2 ** 32 < p) x++;
  return x;
}

describe('coverage on simulated campaigns with a known uplift', () => {
  // 100 campaigns of 1,500 treated and 1,500 control customers, rates 6% against 4%.
  const next = mulberry32(20261204);
  const runs = Array.from({ length: 100 }, () => ({ x1: binomial(1500, 0.06, next), x0: binomial(1500, 0.04, next) }));

  it('the 95% interval of the absolute uplift covers the true 0.02 in 90 to 99 of 100', () => {
    const covered = runs.filter(({ x1, x0 }) => {
      const d = newcombeDifference(x1, 1500, x0, 1500);
      return d.lo <= 0.02 && 0.02 <= d.hi;
    }).length;
    expect(covered / runs.length).toBeGreaterThanOrEqual(0.9);
    expect(covered / runs.length).toBeLessThanOrEqual(0.99);
  });

  it('the 95% interval of the relative uplift covers the true 0.5 in 90 to 99 of 100', () => {
    const covered = runs.filter(({ x1, x0 }) => {
      const r = relativeUplift(x1, 1500, x0, 1500);
      return r.lo <= 0.5 && 0.5 <= r.hi;
    }).length;
    expect(covered / runs.length).toBeGreaterThanOrEqual(0.9);
    expect(covered / runs.length).toBeLessThanOrEqual(0.99);
  });

  it('the Wilson interval of a rate covers the true 0.06 in 90 to 99 of 100', () => {
    const covered = runs.filter(({ x1 }) => {
      const w = wilson(x1, 1500);
      return w.lo <= 0.06 && 0.06 <= w.hi;
    }).length;
    expect(covered / runs.length).toBeGreaterThanOrEqual(0.9);
    expect(covered / runs.length).toBeLessThanOrEqual(0.99);
  });
});
