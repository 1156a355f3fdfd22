// The job-file sections vertical logistic regression reads: `training` (epochs, batch size,
// learning rate, l2, seed, binning, early stopping), with its defaults, and `explain` (information
// value after training: models/explain/).
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { TrainingSchema, type Training } from '../../training.ts';
import type { JobSections } from '../model.ts';
import { EXPLAIN_SETTINGS } from '../../explain/settings.ts';

export const LOGISTIC_SETTINGS = { training: Type.Optional(TrainingSchema), ...EXPLAIN_SETTINGS };

/** The job's training settings with every default filled in. */
export function trainingOf(sections: JobSections): Training {
  return Value.Default(TrainingSchema, structuredClone(sections.training ?? {})) as Training;
}
