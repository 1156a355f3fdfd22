import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../random.ts';
import { gaussianEpsilon, privatizeUpdate } from './dp.ts';

const uniform = (seed: number) => {
  const next = mulberry32(seed);
  return () => (next() + 0.5) / 2 ** 32;
};

describe('member-level DP for FedAvg', () => {
  it('clips the update to the norm and adds noise of standard deviation σC', () => {
    const global = new Float64Array(20000);
    const local = Float64Array.from(global, (_, i) => (i % 2 ? 3 : -3));
    const clipped = privatizeUpdate(local, global, { clip: 1, noiseMultiplier: 0, delta: 1e-5 }, uniform(1));
    expect(Math.hypot(...clipped.params)).toBeCloseTo(1, 9);
    expect(clipped.norm).toBeCloseTo(3 * Math.sqrt(20000), 6);
    const noisy = privatizeUpdate(global, global, { clip: 2, noiseMultiplier: 0.5, delta: 1e-5 }, uniform(2));
    const sd = Math.sqrt(noisy.params.reduce((s, v) => s + v * v, 0) / noisy.params.length);
    expect(sd).toBeGreaterThan(0.97);
    expect(sd).toBeLessThan(1.03);
  });

  it('RDP accountant: the known Gaussian-mechanism figures, growing with rounds and shrinking with noise', () => {
    // One Gaussian mechanism with σ = 1, δ = 1e-5: min over α of α/2 + ln(1e5)/(α−1) ≈ 5.3 at α ≈ 5.
    const one = gaussianEpsilon(1, 1, 1e-5);
    expect(one.epsilon).toBeGreaterThan(5.2);
    expect(one.epsilon).toBeLessThan(5.4);
    expect(gaussianEpsilon(1, 10, 1e-5).epsilon).toBeGreaterThan(one.epsilon);
    expect(gaussianEpsilon(4, 10, 1e-5).epsilon).toBeLessThan(gaussianEpsilon(1, 10, 1e-5).epsilon);
    expect(gaussianEpsilon(0, 1, 1e-5).epsilon).toBe(Infinity);
  });
});
