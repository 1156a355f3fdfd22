import { describe, expect, it } from 'vitest';
import { measureBound, scalarMultRate } from './bound.ts';

describe('hardware bound', () => {
  it('measures single-thread X25519 multiplications per second', () => {
    const rate = scalarMultRate(0.2);
    expect(rate).toBeGreaterThan(100);
    expect(rate).toBeLessThan(10_000_000);
  });

  it('refuses a non-positive duration', () => {
    expect(() => scalarMultRate(0)).toThrow('seconds must be a positive number');
  });

  it('sums the rates of all pool threads running at once', async () => {
    const bound = await measureBound({ threads: 2, seconds: 0.3 });
    expect(bound.threads).toBe(2);
    expect(bound.perThread).toHaveLength(2);
    expect(bound.perSecond).toBeCloseTo(bound.perThread.reduce((a, b) => a + b, 0));
  });
});
