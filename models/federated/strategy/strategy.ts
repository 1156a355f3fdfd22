// The seam of horizontal training, after Flower's Strategy (flwr.server.strategy): a strategy only
// decides — who trains a round and with which settings, how the round's contributions combine,
// when to stop — and never touches the network; rounds.ts drives it through the coordinator's
// links or, in tests, in one process. Failures arrive as data (members that dropped out of the
// round, with their error codes) and the strategy decides what they mean.
//
// Under secure aggregation the coordinator adds contributions it cannot read, so Flower's
// aggregate_fit is split in two: the coordinator half (aggregateFit) chooses the contributions
// and adds them, or refuses the round; the member half (nextGlobal) turns the decrypted average
// into the next global model, and every member computes the same one. What a strategy may see is
// what the coordinator may see: names, the members that failed, the opaque sums, and the pooled
// evaluation losses the members report.
//
// A new strategy is one module exporting a StrategyModule, and one line in registry.ts.
import type { Stop } from './stopping.ts';

/** The settings a member trains a round with, sent with the round's request (Flower's FitIns config). */
export interface FitConfig {
  learningRate: number;
  /** Passes over the member's rows. */
  localEpochs: number;
  /** FedProx proximal weight μ: local training adds μ/2·‖θ − θ_global‖² (0: none). */
  mu: number;
}

export interface RoundPlan {
  /** The members asked to train this round. */
  asked: string[];
  fit: FitConfig;
}

/** One member's contribution, opaque to the strategy (CKKS ciphertexts at the coordinator). */
export interface FitResult<T> {
  member: string;
  value: T;
}

/** A member asked this round that contributed nothing: it dropped out or missed the deadline. */
export interface FitFailure {
  member: string;
  code: string;
}

export type Aggregation<T> = { sum: T; contributors: string[] } | { refused: { got: number; needed: number } };

export interface Strategy {
  readonly name: string;
  /** The most rounds a job runs (the round cap). */
  readonly maxRounds: number;
  /** Coordinator: who trains `round` among the live members, and with which settings. */
  configureFit(round: number, live: readonly string[]): RoundPlan;
  /** Coordinator: the round's sum and its contributors, or a refusal when too few contributed. */
  aggregateFit<T>(round: number, results: readonly FitResult<T>[], failures: readonly FitFailure[], add: (chosen: readonly FitResult<T>[]) => T): Aggregation<T>;
  /** Members: the next global model from the current one and the round's decrypted average. */
  nextGlobal(global: Float64Array, average: Float64Array): Float64Array;
  /**
   * Both: after `rounds` aggregated rounds, whether to stop. `losses` (one per round: losses[t] of
   * the global model after round t) is absent where none are pooled (dp): then only the cap stops.
   */
  evaluate(rounds: number, losses?: readonly number[]): Stop | undefined;
  /** Members: the round whose model a stop for convergence would keep now, so that they hold on to it. */
  keep(losses: readonly number[]): number;
}

/** What a job's `federation:` and `training:` sections give a strategy. */
export interface StrategySettings {
  /** The round cap. */
  rounds: number;
  localEpochs: number;
  learningRate: number;
  /** FedProx's proximal weight; a FedAvg job has none. */
  mu?: number;
  sampleFraction: number;
  /** Fewest contributions a sum may hold. */
  minMembers: number;
  /** Member sampling derives from it. */
  seed: number;
  /** Absent when no evaluation loss is pooled (dp): the job runs to the round cap. */
  stopping?: { patience: number; minDelta: number; minRounds: number };
}

export interface StrategyModule {
  /** A setting this strategy cannot run with, named by its field in `federation:`; checked when a job is submitted. */
  check(settings: StrategySettings): { field: string; reason: string } | undefined;
  create(settings: StrategySettings): Strategy;
}
