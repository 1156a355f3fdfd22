// The horizontal strategies a job may name in `federation.strategy` (default fedavg). The job
// schema's list of names comes from here.
import { inputError } from '../../check.ts';
import { FEDAVG } from './fedavg.ts';
import { FEDPROX } from './fedprox.ts';
import type { Strategy, StrategyModule, StrategySettings } from './strategy.ts';

export const STRATEGIES = {
  fedavg: FEDAVG,
  fedprox: FEDPROX,
} as const satisfies Record<string, StrategyModule>;

export type StrategyName = keyof typeof STRATEGIES;
export const STRATEGY_NAMES = Object.keys(STRATEGIES) as StrategyName[];
export const DEFAULT_STRATEGY: StrategyName = 'fedavg';

function moduleOf(name: string): StrategyModule {
  if (!Object.hasOwn(STRATEGIES, name)) throw inputError('strategy', `one of ${STRATEGY_NAMES.join(', ')}`, name);
  return STRATEGIES[name as StrategyName];
}

export function createStrategy(name: string, settings: StrategySettings): Strategy {
  return moduleOf(name).create(settings);
}

/** A setting the named strategy cannot run with, by its field in `federation:`. */
export function strategyProblem(name: string, settings: StrategySettings): { field: string; reason: string } | undefined {
  return moduleOf(name).check(settings);
}
