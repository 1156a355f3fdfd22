// Training messages on the coordinator <-> party link and what a party reports when training ends.
// The coordinator is the arbiter of vertical training: it holds the BFV secret key and decrypts
// only masked values, each request naming the step of the model's protocol it belongs to.
//   coordinator -> party: he.keys (payload: the arbiter's public key), he.plain (decrypted masked values),
//     he.refused (a party's decryption request was refused)
//   party -> coordinator: he.decrypt (payload: masked ciphertexts), train.progress (guest only)
import { Type, type Static } from '@sinclair/typebox';
import { LookalikeReport } from './lookalike.ts';
import { VERTICAL_MODELS } from '../../models/vertical/registry.ts';

const Int = Type.Integer({ minimum: 0, maximum: 2 ** 31 });

export const HeKeys = Type.Object({}, { additionalProperties: false });

/** The step a decryption belongs to, in the terms of the job's vertical model (its arbiter.step). */
export const HeStep = Type.Union(Object.values(VERTICAL_MODELS).map((m) => m.arbiter.step));
export type HeStep = Static<typeof HeStep>;

/**
 * positions[i]: the coefficients wanted from ciphertext i of the payload (packBlobs), which is the
 * result of feature group `group + i` of the step.
 */
export const HeDecrypt = Type.Object(
  {
    step: HeStep,
    group: Int,
    positions: Type.Array(Type.Array(Type.Integer({ minimum: 0, maximum: 1 << 20 }), { minItems: 1, maxItems: 1 << 16 }), { minItems: 1, maxItems: 4096 }),
    /** The job attempt whose arbiter key encrypted these values (see job.ts). */
    attempt: Type.Optional(Int),
  },
  { additionalProperties: false },
);

/** Coordinator -> the job's parties: the arbiter refused a decryption request of `party` (FM_ERR_HE_REFUSED). */
export const HeRefused = Type.Object(
  { party: Type.String({ minLength: 1, maxLength: 128 }), reason: Type.String({ maxLength: 1024 }) },
  { additionalProperties: false },
);

/** Payload: the masked residues, float64 little-endian, in the order of the request's positions. */
export const HePlain = Type.Object({}, { additionalProperties: false });

/** evalAuc: only for the last epoch when it is the best one (the guest sees no per-row scores of other epochs). */
export const TrainProgress = Type.Object(
  { epoch: Int, epochs: Int, evalLoss: Type.Number(), evalAuc: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })), seconds: Type.Number({ minimum: 0 }) },
  { additionalProperties: false },
);
export type TrainProgress = Static<typeof TrainProgress>;

export const LiftRow = Type.Object({
  group: Int, count: Int, positives: Int, rate: Type.Number(), lift: Type.Number(),
  cumulativeCount: Int, cumulativePositives: Int, cumulativeGain: Type.Number(), cumulativeLift: Type.Number(),
});

const RocPoints = Type.Array(Type.Object({ fpr: Type.Number({ minimum: 0, maximum: 1 }), tpr: Type.Number({ minimum: 0, maximum: 1 }) }, { additionalProperties: false }), { maxItems: 202 });
export const RocCurves = Type.Object({ joint: RocPoints, guestOnly: RocPoints }, { additionalProperties: false });

/**
 * Tree models: each party's share of the kept trees' split gain, guest first. Only the guest's own
 * columns are named; another party's appear as counts (columns, splits) and a share.
 */
export const FeatureImportance = Type.Array(
  Type.Object(
    {
      party: Type.String({ maxLength: 128 }),
      columns: Int,
      splits: Int,
      gainShare: Type.Number({ minimum: 0, maximum: 1 }),
      features: Type.Optional(Type.Array(Type.Object({ name: Type.String({ maxLength: 512 }), gain: Type.Number({ minimum: 0 }), splits: Int }, { additionalProperties: false }), { maxItems: 100_000 })),
    },
    { additionalProperties: false },
  ),
  { maxItems: 64 },
);

/** What a party reports when its part of a training job ends: names and aggregates only. */
export const TrainReport = Type.Object(
  {
    features: Type.Array(Type.String({ maxLength: 512 }), { maxItems: 100_000 }),
    trainRows: Int,
    evalRows: Int,
    /** Guest only: metrics on the evaluation rows (labels never leave the guest). */
    metrics: Type.Optional(
      Type.Object({
        auc: Type.Number(), ks: Type.Number(), logLoss: Type.Number(),
        guestOnlyAuc: Type.Number(), guestOnlyKs: Type.Number(),
        bestEpoch: Int, epochs: Int, secondsPerEpoch: Type.Number(),
      }, { additionalProperties: false }),
    ),
    lift: Type.Optional(Type.Array(LiftRow, { maxItems: 100 })),
    /** Guest only: the 9 score cut points between deciles on the evaluation rows, highest first. */
    deciles: Type.Optional(Type.Array(Type.Number(), { maxItems: 9 })),
    history: Type.Optional(Type.Array(Type.Object({ epoch: Int, evalLoss: Type.Number(), evalAuc: Type.Optional(Type.Number()) }), { maxItems: 10_000 })),
    /** Guest only: ROC points on the evaluation rows, joint model and guest alone (each point covers a group of rows). */
    roc: Type.Optional(RocCurves),
    /** Guest of a lookalike job only. */
    lookalike: Type.Optional(LookalikeReport),
    /** Guest of a tree model only. */
    importance: Type.Optional(FeatureImportance),
  },
  { additionalProperties: false },
);
export type TrainReport = Static<typeof TrainReport>;
