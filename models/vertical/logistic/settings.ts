// The job-file sections vertical logistic regression reads: `training` (epochs, batch size,
// learning rate, l2, seed, binning, early stopping), with its defaults.
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { TrainingSchema, type Training } from '../../training.ts';
import type { JobSections } from '../model.ts';

export const LOGISTIC_SETTINGS = { training: Type.Optional(TrainingSchema) };

/** The job's training settings with every default filled in. */
export function trainingOf(sections: JobSections): Training {
  return Value.Default(TrainingSchema, structuredClone(sections.training ?? {})) as Training;
}
