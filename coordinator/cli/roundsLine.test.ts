import { describe, expect, it } from 'vitest';
import type { SimulationResult } from '../simulate.ts';
import { roundsLine } from './roundsLine.ts';

const base: SimulationResult = {
  status: 'succeeded', job: 'job-1', name: 'h', kind: 'horizontal', durationMs: 1000, outputs: {}, runDir: '/run',
  metrics: { rounds: 63, keptRound: 57, secondsPerRound: 0.214, parameters: 24 },
};

describe('CLI line on a horizontal job\'s rounds', () => {
  it('says whether the stopping rule or the round cap ended them, and which model was kept', () => {
    expect(roundsLine({ ...base, stopped: { reason: 'converged', rounds: 63, kept: 57 } }))
      .toBe('  converged after 63 rounds (evaluation loss flat; kept the model of round 57), 0.21 s per round, 24 parameters aggregated under CKKS');
    expect(roundsLine({ ...base, metrics: { ...base.metrics, rounds: 30 }, stopped: { reason: 'round-cap', rounds: 30, kept: 30 } }))
      .toBe('  30 rounds (the round cap), 0.21 s per round, 24 parameters aggregated under CKKS');
  });
});
