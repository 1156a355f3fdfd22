import { describe, expect, it } from 'vitest';
import { expectInput } from '../expectInput.fixture.ts';
import { mulberry32 } from '../random.ts';
import { auc } from './auc.ts';
import { roc, rocArea } from './roc.ts';

const f = (v: number[]) => Float64Array.from(v);
const u = (v: number[]) => Uint8Array.from(v);

describe('roc', () => {
  it('walks the thresholds from the top (4 points by hand)', () => {
    // Descending: 0.8 (+), 0.4 (−), 0.35 (+), 0.1 (−).
    expect(roc(f([0.1, 0.4, 0.35, 0.8]), u([0, 0, 1, 1]))).toEqual([
      { fpr: 0, tpr: 0 }, { fpr: 0, tpr: 0.5 }, { fpr: 0.5, tpr: 0.5 }, { fpr: 0.5, tpr: 1 }, { fpr: 1, tpr: 1 },
    ]);
  });

  it('has the rank AUC as its area when not thinned, ties included', () => {
    const next = mulberry32(11);
    const n = 400;
    const scores = Float64Array.from({ length: n }, () => Math.round(next() * 40) / 40);
    const labels = Uint8Array.from(scores, (s) => (next() < 0.2 + 0.6 * s ? 1 : 0));
    expect(rocArea(roc(scores, labels, n))).toBeCloseTo(auc(scores, labels), 12);
  });

  it('thins to groups of at least n / maxPoints rows and stays close to the AUC', () => {
    const next = mulberry32(3);
    const n = 5000;
    const scores = Float64Array.from({ length: n }, () => next());
    const labels = Uint8Array.from(scores, (s) => (next() < s ? 1 : 0));
    const points = roc(scores, labels, 50);
    expect(points.length).toBeLessThanOrEqual(52);
    expect(points.length).toBeGreaterThan(40);
    const positives = labels.reduce((a, b) => a + b, 0);
    for (let k = 2; k < points.length - 1; k++) {
      const a = points[k - 1] as { fpr: number; tpr: number };
      const b = points[k] as { fpr: number; tpr: number };
      expect(b.fpr).toBeGreaterThanOrEqual(a.fpr);
      expect(b.tpr).toBeGreaterThanOrEqual(a.tpr);
      const rows = Math.round((b.tpr - a.tpr) * positives + (b.fpr - a.fpr) * (n - positives));
      expect(rows).toBeGreaterThanOrEqual(n / 50);
    }
    expect(Math.abs(rocArea(points) - auc(scores, labels))).toBeLessThan(0.005);
  });

  it('names the bad input', () => {
    expectInput(() => roc(f([0.1, 0.2]), u([1, 1])), 'labels');
    expectInput(() => roc(f([0.1, 0.2]), u([0, 1]), 1), 'maxPoints');
  });
});
