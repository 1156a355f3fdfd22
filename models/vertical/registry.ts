// The vertical models a job may name (`model:` of a vertical job), one line each.
import { logistic } from './logistic/index.ts';

export const VERTICAL_MODELS = {
  logistic,
} as const;

export type VerticalModelName = keyof typeof VERTICAL_MODELS;
export const DEFAULT_VERTICAL_MODEL: VerticalModelName = 'logistic';
