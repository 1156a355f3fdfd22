// The job file's `training:` section: the settings every trained model reads (vertical and
// horizontal), declared here because a model declares the job-file sections it takes
// (models/vertical/registry.ts) and models/ imports nothing from protocol/.
import { Type, type Static } from '@sinclair/typebox';

export const BinningSchema = Type.Object(
  { method: Type.Literal('quantile'), bins: Type.Integer({ minimum: 2, maximum: 100 }) },
  { additionalProperties: false },
);

export const TrainingSchema = Type.Object(
  {
    epochs: Type.Integer({ minimum: 1, maximum: 10_000, default: 30 }),
    batchSize: Type.Integer({ minimum: 16, maximum: 10_000_000, default: 65_536, description: "rows per step; a batch as large as the training set (the default up to 65,536 rows) packs the features once per job" }),
    learningRate: Type.Number({ exclusiveMinimum: 0, maximum: 100, default: 0.5 }),
    l2: Type.Number({ minimum: 0, maximum: 100, default: 0.001 }),
    seed: Type.Integer({ minimum: 0, maximum: 2 ** 32 - 1, default: 42 }),
    binning: Type.Optional(BinningSchema),
    earlyStopping: Type.Optional(
      Type.Object(
        { patience: Type.Integer({ minimum: 1, maximum: 1000 }), minDelta: Type.Number({ minimum: 0, default: 0.0001 }) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type Training = Static<typeof TrainingSchema>;
