// Vertical logistic regression (design note protocols.md, "Vertical logistic regression"; Hardy et
// al. 2017) as a vertical model.
import { Type } from '@sinclair/typebox';
import { TrainingSchema } from '../../training.ts';
import type { VerticalModel } from '../model.ts';

export const logistic = {
  name: 'logistic',
  settings: { training: Type.Optional(TrainingSchema) },
} satisfies VerticalModel<'logistic'>;
