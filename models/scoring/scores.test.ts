import { describe, expect, it } from 'vitest';
import { logistic } from '../vertical/logistic/index.ts';
import { alone, scoresOf } from './scores.ts';

const cuts = [2, 1.5, 1, 0.5, 0, -0.5, -1, -1.5, -2];

describe('scores from the parties\' contributions', () => {
  it('adds a linear model\'s partial scores, applies σ, and places each row among the cut points', () => {
    // Guest (intercept included) and one host, four rows: u = 0.75, −2.5, 3, 0.
    const guest = Float64Array.of(0.5, -3, 2, 0);
    const host = Float64Array.of(0.25, 0.5, 1, 0);
    const { score, decile } = scoresOf([guest, host], 4, new Set(), cuts, logistic.combine);
    expect([...score]).toEqual([1 / (1 + Math.exp(-0.75)), 1 / (1 + Math.exp(2.5)), 1 / (1 + Math.exp(-3)), 0.5]);
    // 0.75 is below the cuts 2, 1.5 and 1: decile 4; −2.5 is below all nine: decile 10; 3 above all: decile 1.
    expect([...decile]).toEqual([4, 10, 1, 5]);
  });

  it('gives no score and no decile to a row a party could not score or whose logit is not finite, and no decile without cut points', () => {
    const { score, decile } = scoresOf([Float64Array.of(1, Number.NaN, 1), Float64Array.of(0, 0, 0)], 3, new Set([2]), cuts, logistic.combine);
    expect([score[0], decile[0]]).toEqual([1 / (1 + Math.exp(-1)), 3]);
    for (const i of [1, 2]) expect([score[i], decile[i]]).toEqual([Number.NaN, Number.NaN]);
    const uncut = scoresOf([Float64Array.of(0)], 1, new Set(), [], alone);
    expect([uncut.score[0], uncut.decile[0]]).toEqual([0.5, Number.NaN]);
  });
});
