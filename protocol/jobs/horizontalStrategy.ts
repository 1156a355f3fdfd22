// The strategy a horizontal job's settings name, as the coordinator and every member build it from
// the same `federation:` and `training:` sections. With dp no evaluation loss is pooled (ε covers
// the parameters only), so the stopping rule has nothing to read and only the round cap ends the job.
import { createStrategy, strategyProblem } from '../../models/federated/strategy/registry.ts';
import type { Strategy, StrategySettings } from '../../models/federated/strategy/strategy.ts';
import type { Federation } from '../messages/horizontal.ts';
import type { Training } from '../messages/training.ts';

export function strategySettings(fed: Federation, training: Pick<Training, 'learningRate' | 'seed'>): StrategySettings {
  return {
    rounds: fed.rounds, localEpochs: fed.localEpochs, learningRate: training.learningRate, sampleFraction: fed.sampleFraction,
    minMembers: fed.minMembers, seed: training.seed,
    ...(fed.mu === undefined ? {} : { mu: fed.mu }),
    ...(fed.dp ? {} : { stopping: fed.stopping }),
  };
}

export function jobStrategy(fed: Federation, training: Pick<Training, 'learningRate' | 'seed'>): Strategy {
  return createStrategy(fed.strategy, strategySettings(fed, training));
}

/** A `federation:` setting the job's strategy cannot run with, as { field, reason }. */
export function horizontalStrategyProblem(fed: Federation, training: Pick<Training, 'learningRate' | 'seed'>): { field: string; reason: string } | undefined {
  const problem = strategyProblem(fed.strategy, strategySettings(fed, training));
  return problem ? { field: `federation.${problem.field}`, reason: problem.reason } : undefined;
}
