// The model a horizontal job trains, by the job's `model` setting.
import type { FederatedModel } from './model.ts';
import { logisticModel } from './logisticModel.ts';

/** The MLP's TensorFlow.js modules load only when a job trains one. */
export async function createFederatedModel(kind: 'logistic' | 'mlp', features: number, hidden: readonly number[]): Promise<FederatedModel> {
  if (kind !== 'mlp') return logisticModel(features);
  const { mlpModel } = await import('../mlp/mlp.ts');
  return mlpModel(features, hidden);
}
