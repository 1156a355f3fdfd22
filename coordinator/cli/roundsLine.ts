// The CLI's line on a horizontal job's rounds: how they ended (the stopping rule or the round cap),
// which round's model was kept, the pace and the size of what was aggregated.
import type { SimulationResult } from '../simulate.ts';

export function roundsLine(result: SimulationResult): string {
  const m = result.metrics ?? {};
  const stop = result.stopped;
  const ended = stop?.reason === 'converged'
    ? `converged after ${stop.rounds} rounds (evaluation loss flat; kept the model of round ${stop.kept})`
    : stop?.reason === 'round-cap' ? `${stop.rounds} rounds (the round cap)` : `${m.rounds} rounds`;
  return `  ${ended}, ${m.secondsPerRound === undefined ? '?' : m.secondsPerRound.toFixed(2)} s per round, ${m.parameters} parameters aggregated under CKKS`;
}
