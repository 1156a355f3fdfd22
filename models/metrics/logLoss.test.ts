import { describe, expect, it } from 'vitest';
import { expectInput } from '../expectInput.fixture.ts';
import { logLoss } from './logLoss.ts';

const f = (v: number[]) => Float64Array.from(v);
const u = (v: number[]) => Uint8Array.from(v);

describe('logLoss', () => {
  it('is the mean cross-entropy (by hand)', () => {
    // −(ln 0.9 + ln 0.8) / 2 = (0.1053605… + 0.2231435…) / 2 = 0.1642520…
    expect(logLoss(f([0.9, 0.2]), u([1, 0]))).toBeCloseTo(0.16425203348601, 13);
    expect(logLoss(f([0.5]), u([0]))).toBe(Math.LN2);
  });

  it('clamps certain mistakes to −ln(eps)', () => {
    // −ln(1e-15) = 15·ln 10 = 34.538776…
    expect(logLoss(f([0, 1]), u([1, 0]))).toBeCloseTo(15 * Math.LN10, 10);
    expect(logLoss(f([0]), u([1]), 1e-3)).toBeCloseTo(3 * Math.LN10, 12);
    expect(logLoss(f([1, 0]), u([1, 0]))).toBe(0);
    expect(logLoss(f([1 - 2 ** -40]), u([0]))).toBeCloseTo(40 * Math.LN2, 12);
    expect(logLoss(new Float64Array(0), new Uint8Array(0))).toBe(0);
  });

  it('names the bad parameter', () => {
    expectInput(() => logLoss(f([1.2]), u([1])), 'probabilities');
    expectInput(() => logLoss(f([0.5]), u([1]), 0), 'eps');
  });
});
