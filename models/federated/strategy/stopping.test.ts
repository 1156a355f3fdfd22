import { describe, expect, it } from 'vitest';
import { bestSoFar, checkStoppingRule, converged, roundCap } from './stopping.ts';

describe('the stopping rule', () => {
  const rule = { patience: 2, minDelta: 0.01, minRounds: 1 };

  it('fires after `patience` rounds without an improvement of more than minDelta, keeping the model that set the best', () => {
    // 0.9 improves on 1.0 by 0.1; 0.895 and 0.89 are not below 0.9 − 0.01 = 0.89.
    const losses = [1.0, 0.9, 0.895, 0.89, 0.895];
    expect(bestSoFar(losses, 0.01)).toEqual({ best: 1, since: 3 });
    expect(converged(rule, losses.slice(0, 1))).toBeUndefined();
    expect(converged(rule, losses.slice(0, 2))).toBeUndefined();
    expect(converged(rule, losses.slice(0, 3))).toBeUndefined();
    expect(converged(rule, losses.slice(0, 4))).toEqual({ reason: 'converged', rounds: 4, kept: 1 });
  });

  it('measures improvement against the best, so steps smaller than minDelta that add up keep the job going', () => {
    // Each step is 0.006 < minDelta; every second one takes the loss more than 0.01 below the best.
    const losses = [1, 0.994, 0.988, 0.982, 0.976, 0.97, 0.97, 0.97];
    const patient = { patience: 3, minDelta: 0.01, minRounds: 1 };
    for (let n = 1; n <= 7; n++) expect(converged(patient, losses.slice(0, n))).toBeUndefined();
    expect(bestSoFar(losses.slice(0, 6), 0.01)).toEqual({ best: 4, since: 1 });
    expect(converged(patient, losses)).toEqual({ reason: 'converged', rounds: 8, kept: 4 });
  });

  it('never stops before minRounds, and the round cap keeps the last model', () => {
    const flat = { patience: 1, minDelta: 0, minRounds: 5 };
    expect(converged(flat, [1, 1, 1])).toBeUndefined();
    expect(converged(flat, [1, 1, 1, 1])).toBeUndefined();
    expect(converged(flat, [1, 1, 1, 1, 1])).toEqual({ reason: 'converged', rounds: 5, kept: 0 });
    expect(roundCap(10, 9)).toBeUndefined();
    expect(roundCap(10, 10)).toEqual({ reason: 'round-cap', rounds: 10, kept: 10 });
  });

  it('refuses a rule or losses it cannot apply, naming them', () => {
    expect(() => checkStoppingRule({ patience: 0, minDelta: 0, minRounds: 1 })).toThrow(/stopping\.patience/);
    expect(() => checkStoppingRule({ patience: 1, minDelta: -1, minRounds: 1 })).toThrow(/stopping\.minDelta/);
    expect(() => converged(rule, [1, Number.NaN])).toThrow(/round 1/);
    expect(() => bestSoFar([], 0)).toThrow(/losses/);
  });
});
