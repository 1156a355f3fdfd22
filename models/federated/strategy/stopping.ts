// When a horizontal job stops: at the round cap, or once the pooled evaluation loss has not
// improved by more than `minDelta` for `patience` rounds (never before `minRounds` rounds). The
// rule is vertical early stopping's (and Keras' EarlyStopping): an improvement is a loss below the
// best so far by more than minDelta, and the model kept is the one that set the best.
//
// Losses are indexed by the global model they evaluate: losses[t] is the pooled evaluation loss of
// the model after round t (losses[0]: the starting model). Members evaluate the model they start
// a round from, so the loss of the model after round t comes with the sum of round t + 1: after r
// aggregated rounds, losses[0..r−1] are known. The rule is applied to exactly that — r rounds and r
// losses — by the coordinator and by every member alike, so they reach the same decision.
import { checkInteger, checkNumber, inputError } from '../../check.ts';

export interface StoppingRule {
  /** Rounds without an improvement of more than minDelta before the job stops. */
  patience: number;
  /** The smallest fall of the pooled evaluation loss that counts as an improvement. */
  minDelta: number;
  /** The rule never stops a job before this many rounds. */
  minRounds: number;
}

export type StopReason = 'converged' | 'round-cap';

export interface Stop {
  reason: StopReason;
  /** Rounds aggregated. */
  rounds: number;
  /** The round whose global model is kept (0: the starting model). */
  kept: number;
}

export function checkStoppingRule(rule: StoppingRule): StoppingRule {
  checkInteger('stopping.patience', rule.patience, 1);
  checkNumber('stopping.minDelta', rule.minDelta, 0, Infinity);
  checkInteger('stopping.minRounds', rule.minRounds, 1);
  return rule;
}

/** The model that set the best loss so far, and the rounds since. */
export function bestSoFar(losses: readonly number[], minDelta: number): { best: number; since: number } {
  if (losses.length === 0) throw inputError('losses', 'at least the starting model\'s loss', 'none');
  let best = 0;
  for (let t = 1; t < losses.length; t++) {
    if ((losses[t] as number) < (losses[best] as number) - minDelta) best = t;
  }
  return { best, since: losses.length - 1 - best };
}

/** After `rounds` aggregated rounds: the cap's stop, keeping the last model. */
export function roundCap(maxRounds: number, rounds: number): Stop | undefined {
  return rounds >= maxRounds ? { reason: 'round-cap', rounds, kept: rounds } : undefined;
}

/** After losses.length aggregated rounds: converged (keeping the best model), or undefined to go on. */
export function converged(rule: StoppingRule, losses: readonly number[]): Stop | undefined {
  for (const [t, loss] of losses.entries()) if (!Number.isFinite(loss)) throw inputError('losses', 'finite pooled losses', `round ${t}: ${loss}`);
  const rounds = losses.length;
  if (rounds < rule.minRounds) return undefined;
  const { best, since } = bestSoFar(losses, rule.minDelta);
  return since >= rule.patience ? { reason: 'converged', rounds, kept: best } : undefined;
}
