import { describe, expect, it } from 'vitest';
import { expectInput } from '../expectInput.fixture.ts';
import { mulberry32 } from '../random.ts';
import { auc } from './auc.ts';

const f = (v: number[]) => Float64Array.from(v);
const u = (v: number[]) => Uint8Array.from(v);

describe('auc', () => {
  it('counts correctly ordered positive–negative pairs (4 points by hand)', () => {
    // Positives 0.35 and 0.8, negatives 0.1 and 0.4. Pairs: 0.35>0.1 ✓, 0.35>0.4 ✗, 0.8>0.1 ✓, 0.8>0.4 ✓ → 3/4.
    expect(auc(f([0.1, 0.4, 0.35, 0.8]), u([0, 0, 1, 1]))).toBe(0.75);
  });

  it('counts a tied pair as ½ (average ranks)', () => {
    // Ranks: 0.2 → 1, the two 0.5 → 2.5 each, 0.9 → 4. R₊ = 2.5 + 4 = 6.5; (6.5 − 3) / (2·2) = 0.875.
    // Pairwise: 0.5 vs 0.5 → ½, 0.5 vs 0.2 → 1, 0.9 vs 0.5 → 1, 0.9 vs 0.2 → 1 → 3.5 / 4.
    expect(auc(f([0.5, 0.5, 0.2, 0.9]), u([1, 0, 0, 1]))).toBe(0.875);
    expect(auc(f([3, 3, 3, 3, 3]), u([1, 0, 1, 0, 0]))).toBe(0.5);
  });

  it('is 1 for a perfect ranking, 0 for a reversed one, and ignores the score scale', () => {
    expect(auc(f([1, 2, 3, 4]), u([0, 0, 1, 1]))).toBe(1);
    expect(auc(f([4, 3, 2, 1]), u([0, 0, 1, 1]))).toBe(0);
    expect(auc(f([-10, 40, 35, 800]), u([0, 0, 1, 1]))).toBe(0.75);
  });

  it('equals the pairwise count on random data with many ties (and −0 = +0)', () => {
    const next = mulberry32(5);
    const n = 300;
    const scores = Float64Array.from({ length: n }, () => (next() % 20) - 10 || (next() % 2 ? -0 : 0));
    const labels = Uint8Array.from({ length: n }, () => next() % 3 === 0 ? 1 : 0);
    let pairs = 0;
    let total = 0;
    for (let i = 0; i < n; i++) {
      if (labels[i] !== 1) continue;
      for (let j = 0; j < n; j++) {
        if (labels[j] !== 0) continue;
        total++;
        const a = scores[i] as number;
        const b = scores[j] as number;
        pairs += a > b ? 1 : a === b ? 0.5 : 0;
      }
    }
    expect(auc(scores, labels)).toBeCloseTo(pairs / total, 14);
  });

  it('needs both classes and matching lengths', () => {
    expectInput(() => auc(f([1, 2]), u([1, 1])), 'labels');
    expectInput(() => auc(f([1, 2]), u([1])), 'labels');
    expectInput(() => auc(f([1, NaN]), u([1, 0])), 'scores');
  });
});
