// The job-file section vertical gradient-boosted trees read: `training`, with the defaults
// (trees 50, maxDepth 4, learningRate 0.3, bins 32, lambda 1, minChildWeight 1, minGain 0), and
// the two privacy options of the protocol (docs/security.md): completeSecureFirstTree grows the
// first tree on the guest's features only (FATE's "complete secure"), hiddenRows sends every
// row's encrypted gradients with zeros outside the node, so hosts never learn a node's rows.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { JobSections } from '../model.ts';
import { GBDT_DEFAULTS, MAX_DEPTH, type GbdtOptions } from './trainer.ts';

export const GbdtTrainingSchema = Type.Object(
  {
    trees: Type.Integer({ minimum: 1, maximum: 10_000, default: GBDT_DEFAULTS.trees }),
    maxDepth: Type.Integer({ minimum: 1, maximum: MAX_DEPTH, default: GBDT_DEFAULTS.maxDepth, description: `at most ${MAX_DEPTH}: node ids of deeper trees outgrow what a step of the arbiter's rules may name` }),
    learningRate: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: GBDT_DEFAULTS.learningRate }),
    bins: Type.Integer({ minimum: 2, maximum: 254, default: GBDT_DEFAULTS.bins }),
    lambda: Type.Number({ minimum: 0, maximum: 1e6, default: GBDT_DEFAULTS.lambda }),
    minChildWeight: Type.Number({ minimum: 0, maximum: 1e9, default: GBDT_DEFAULTS.minChildWeight }),
    minGain: Type.Number({ minimum: 0, maximum: 1e9, default: GBDT_DEFAULTS.minGain }),
    subsample: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: GBDT_DEFAULTS.subsample }),
    earlyStoppingRounds: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    seed: Type.Integer({ minimum: 0, maximum: 2 ** 32 - 1, default: 42 }),
    maxCategories: Type.Integer({ minimum: 1, maximum: 254, default: GBDT_DEFAULTS.maxCategories }),
    completeSecureFirstTree: Type.Boolean({ default: false }),
    hiddenRows: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
);
export type GbdtTraining = Static<typeof GbdtTrainingSchema>;

export const GBDT_SETTINGS = { training: Type.Optional(GbdtTrainingSchema) };

/**
 * A lookalike job's labels are positive-unlabelled: the customers to find are among the negatives,
 * so a tree fits noise sooner and stronger shrinkage pays. Measured on the demo's bank-marketing
 * lookalike split, plaintext reference, 50 trees of depth 4, four split seeds (docs/benchmarks.md,
 * gbdt-quality): recall at 20% 0.414–0.437 at learning rate 0.3, 0.426–0.463 at 0.1, higher for
 * every seed; XGBoost with the same settings moves the same way.
 */
export const GBDT_LOOKALIKE_TRAINING = { learningRate: 0.1 } as const satisfies Partial<GbdtTraining>;

/** The job's training settings with every default filled in. */
export function gbdtTrainingOf(sections: JobSections): GbdtTraining {
  return Value.Default(GbdtTrainingSchema, structuredClone(sections.training ?? {})) as GbdtTraining;
}

/** The reference trainer's options for the same settings (trainer.ts). */
export function referenceOptions(t: GbdtTraining): Partial<GbdtOptions> {
  return {
    trees: t.trees, maxDepth: t.maxDepth, learningRate: t.learningRate, bins: t.bins, lambda: t.lambda, minChildWeight: t.minChildWeight,
    minGain: t.minGain, subsample: t.subsample, seed: t.seed, maxCategories: t.maxCategories,
    ...(t.earlyStoppingRounds === undefined ? {} : { earlyStoppingRounds: t.earlyStoppingRounds }),
  };
}
