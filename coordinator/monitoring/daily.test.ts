// The evaluation distribution the served scores are read against, worked by hand for a model with
// few distinct scores, where scores tie across the decile cuts.
import { describe, expect, it } from 'vitest';
import { populationStabilityIndex } from '../../models/metrics/stability.ts';
import { scoresOf } from '../../models/scoring/scores.ts';
import { dayStability, evaluationShares } from './daily.ts';

const SETTINGS = { psiWarn: 0.1, psiAlert: 0.25, minScores: 200 };

describe('evaluation shares', () => {
  it('are a tenth per decile when the cut points differ', () => {
    expect(evaluationShares([9, 8, 7, 6, 5, 4, 3, 2, 1])).toEqual(new Array(10).fill(0.1));
  });

  it('move the tenth of a decile between equal cuts to the decile above, which holds the tied score', () => {
    // 1000 evaluation logits: 50 × 4, 250 × 3, 300 × 2, 300 × 1, 100 × 0. The cuts (training's
    // sorted[floor(n(1 − (k+1)/10))], highest first) are 3, 3, 3, 2, 2, 2, 1, 1, 1: scores 3 and 4
    // fall in decile 1 (300 rows), 2 in decile 4, 1 in decile 7, 0 in decile 10.
    const cuts = [3, 3, 3, 2, 2, 2, 1, 1, 1];
    const shares = evaluationShares(cuts);
    expect(shares.map((s) => Math.round(s * 1000) / 1000)).toEqual([0.3, 0, 0, 0.3, 0, 0, 0.3, 0, 0, 0.1]);
    // Served the evaluation population itself, the model reads stable; against a tenth per decile it would not.
    const logits = Float64Array.from([...new Array(50).fill(4), ...new Array(250).fill(3), ...new Array(300).fill(2), ...new Array(300).fill(1), ...new Array(100).fill(0)]);
    const { decile } = scoresOf([logits], logits.length, new Set(), cuts, (parts) => parts[0]!);
    const counts = Array.from({ length: 10 }, (_, k) => decile.filter((d) => d === k + 1).length);
    expect(counts).toEqual([300, 0, 0, 300, 0, 0, 300, 0, 0, 100]);
    const day = dayStability('2026-12-01', counts, shares, 1000, SETTINGS);
    expect(day?.psi).toBeCloseTo(0, 12);
    expect(day?.level).toBe('ok');
    expect(populationStabilityIndex(new Array(10).fill(100), counts)).toBeGreaterThan(2);
  });
});
