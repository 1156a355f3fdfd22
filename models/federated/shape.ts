// The length of a model's flat parameter vector, from public settings only: the coordinator uses
// it to check that every member uploads the same number of ciphertexts.
import { checkInteger } from '../check.ts';

export type ModelKind = 'logistic' | 'mlp';

/** Layer sizes of an MLP: features, the hidden layers, one output. */
export function mlpLayers(features: number, hidden: readonly number[]): number[] {
  return [features, ...hidden, 1];
}

export function parameterCount(kind: ModelKind, features: number, hidden: readonly number[]): number {
  checkInteger('features', features, 1);
  if (kind === 'logistic') return features + 1;
  const layers = mlpLayers(features, hidden);
  let n = 0;
  for (let l = 1; l < layers.length; l++) n += (layers[l - 1] as number) * (layers[l] as number) + (layers[l] as number);
  return n;
}
