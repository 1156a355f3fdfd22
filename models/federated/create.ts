// The model a horizontal job trains, by the job's `model` setting.
import type { FederatedModel } from './model.ts';
import { logisticModel } from './logisticModel.ts';
import { mlpModel } from '../mlp/mlp.ts';

export function createFederatedModel(kind: 'logistic' | 'mlp', features: number, hidden: readonly number[]): Promise<FederatedModel> {
  return kind === 'mlp' ? mlpModel(features, hidden) : Promise.resolve(logisticModel(features));
}
