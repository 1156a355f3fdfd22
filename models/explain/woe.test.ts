import { describe, expect, it } from 'vitest';
import { ivStrength, weightOfEvidence } from './woe.ts';

describe('weightOfEvidence', () => {
  it('computes WOE and IV by hand for three bins', () => {
    // positives 10/20/70 of 100, negatives 50/30/20 of 100.
    const { woe, iv } = weightOfEvidence([
      { positives: 10, negatives: 50 },
      { positives: 20, negatives: 30 },
      { positives: 70, negatives: 20 },
    ]);
    expect(woe[0]).toBeCloseTo(Math.log(0.5 / 0.1), 12);
    expect(woe[2]).toBeCloseTo(Math.log(0.2 / 0.7), 12);
    const expected = (0.5 - 0.1) * Math.log(5) + (0.3 - 0.2) * Math.log(1.5) + (0.2 - 0.7) * Math.log(0.2 / 0.7);
    expect(iv).toBeCloseTo(expected, 12);
    expect(ivStrength(iv)).toBe('suspicious');
  });

  it('stays finite when a bin has no positives, and is 0 for a feature unrelated to the label', () => {
    const { woe, iv } = weightOfEvidence([{ positives: 0, negatives: 10 }, { positives: 5, negatives: 5 }]);
    expect(woe.every(Number.isFinite)).toBe(true);
    expect(iv).toBeGreaterThan(0);
    expect(weightOfEvidence([{ positives: 10, negatives: 30 }, { positives: 20, negatives: 60 }]).iv).toBeCloseTo(0, 12);
  });

  it('refuses a negative count naming the bin, and a label that never occurs', () => {
    expect(() => weightOfEvidence([{ positives: -1, negatives: 3 }, { positives: 1, negatives: 1 }])).toThrow(/bins\[0\]/);
    expect(() => weightOfEvidence([{ positives: 0, negatives: 3 }, { positives: 0, negatives: 1 }])).toThrow(/both labels present|bins/);
  });
});
