import { describe, expect, it } from 'vitest';
import { expectInput } from '../expectInput.fixture.ts';
import { mulberry32 } from '../random.ts';
import { ks } from './ks.ts';

const f = (v: number[]) => Float64Array.from(v);
const u = (v: number[]) => Uint8Array.from(v);

describe('ks', () => {
  it('is the largest |TPR − FPR| over thresholds (by hand)', () => {
    // Descending: 0.8 (P) → TPR ½, FPR 0 → ½; 0.4 (N) → ½, ½ → 0; 0.35 (P) → 1, ½ → ½; 0.1 (N) → 1, 1 → 0.
    expect(ks(f([0.1, 0.4, 0.35, 0.8]), u([0, 0, 1, 1]))).toBe(0.5);
  });

  it('moves tied rows together', () => {
    // Rows with score 0.5 (one P, one N) enter at one threshold: 0.9 (P) → ½; 0.5 → TPR 1, FPR ½ → ½; 0.2 → 0.
    // Splitting the tie P-first would wrongly give 1 − 0 = 1.
    expect(ks(f([0.5, 0.5, 0.2, 0.9]), u([0, 1, 0, 1]))).toBe(0.5);
    expect(ks(f([1, 1, 1, 1]), u([1, 0, 1, 0]))).toBe(0);
  });

  it('is 1 for perfect separation', () => {
    expect(ks(f([0.9, 0.8, 0.3, 0.1, 0.2]), u([1, 1, 0, 0, 0]))).toBe(1);
  });

  it('equals a brute-force scan over every distinct threshold', () => {
    const next = mulberry32(11);
    const n = 200;
    const scores = Float64Array.from({ length: n }, () => next() % 15);
    const labels = Uint8Array.from({ length: n }, () => next() % 4 === 0 ? 1 : 0);
    const np = labels.reduce((a, b) => a + b, 0);
    let best = 0;
    for (const t of new Set(scores)) {
      let tp = 0;
      let fp = 0;
      for (let i = 0; i < n; i++) if ((scores[i] as number) >= t) labels[i] === 1 ? tp++ : fp++;
      best = Math.max(best, Math.abs(tp / np - fp / (n - np)));
    }
    expect(ks(scores, labels)).toBeCloseTo(best, 14);
  });

  it('needs both classes', () => {
    expectInput(() => ks(f([1, 2]), u([0, 0])), 'labels');
  });
});
