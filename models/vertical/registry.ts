// The vertical models a job may name (`model:` of a vertical job), one line each.
import { FedmarkError } from '../../errors/table.ts';
import { gbdt } from './gbdt/index.ts';
import { logistic } from './logistic/index.ts';
import { naiveBayes } from './naiveBayes/index.ts';
import type { VerticalModel } from './model.ts';

export const VERTICAL_MODELS = {
  logistic,
  gbdt,
  naiveBayes,
} as const;

export type VerticalModelName = keyof typeof VERTICAL_MODELS;
export const DEFAULT_VERTICAL_MODEL: VerticalModelName = 'logistic';

/**
 * The model a job names. Its steps take a runtime typed by the model's own messages; the party
 * builds each model's runtime from that model's `messages`, so the general type given here holds.
 */
export function verticalModel(name: string | undefined): VerticalModel {
  const model = Object.hasOwn(VERTICAL_MODELS, name ?? DEFAULT_VERTICAL_MODEL) ? VERTICAL_MODELS[(name ?? DEFAULT_VERTICAL_MODEL) as VerticalModelName] : undefined;
  if (!model) throw new FedmarkError('FM_ERR_JOB_INVALID', { file: 'the job', field: 'model', reason: `no vertical model "${name}" here (${Object.keys(VERTICAL_MODELS).join(', ')})` });
  return model as unknown as VerticalModel;
}
