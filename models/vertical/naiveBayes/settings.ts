// The job-file section the naive Bayes scorecard reads: `training`, with its defaults — quantile
// bins per numeric column (10), the additive smoothing of every bin's counts (0.5), the fewest
// training rows a bin whose label sum is counted may hold (50, as explain.minCell: a host gets the
// guest's labels only as sums over at least this many customers), and the seed of the job's
// hash split into training and evaluation rows.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { JobSections } from '../model.ts';

export const NaiveBayesTrainingSchema = Type.Object(
  {
    bins: Type.Integer({ minimum: 2, maximum: 50, default: 10, description: 'quantile bins per numeric column (categorical columns: one bin per category; missing values: a bin of their own)' }),
    smoothing: Type.Number({ exclusiveMinimum: 0, maximum: 1000, default: 0.5, description: 'added to the positives and the negatives of every counted bin before its weight of evidence is taken' }),
    minCell: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 50, description: 'fewest training rows a bin may hold to be counted: the guest\'s labels reach a host only as sums over at least this many customers; smaller bins weigh 0' }),
    seed: Type.Integer({ minimum: 0, maximum: 2 ** 32 - 1, default: 42, description: 'seed of the hash split into training and evaluation rows' }),
  },
  { additionalProperties: false },
);
export type NaiveBayesTraining = Static<typeof NaiveBayesTrainingSchema>;

export const NAIVE_BAYES_SETTINGS = { training: Type.Optional(NaiveBayesTrainingSchema) };

/** The job's training settings with every default filled in. */
export function naiveBayesTrainingOf(sections: JobSections): NaiveBayesTraining {
  return Value.Default(NaiveBayesTrainingSchema, structuredClone(sections.training ?? {})) as NaiveBayesTraining;
}
