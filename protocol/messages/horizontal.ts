// Horizontal federated training: the job file's `federation:` section and the messages between
// the coordinator (which schedules rounds and adds ciphertexts) and the members.
//   member -> coordinator: hfl.schema (feature names and types), hfl.upload (CKKS ciphertexts),
//                          hfl.report (names, aggregates and metrics when the job ends)
//   coordinator -> member: hfl.collect (contribute to this aggregation), hfl.aggregate (the sum)
// Payloads of hfl.upload and hfl.aggregate: ciphertexts packed with packBlobs.
import { Type, type Static } from '@sinclair/typebox';
import { LiftRow } from './train.ts';
import { LookalikeReport } from './lookalike.ts';

const Int = Type.Integer({ minimum: 0, maximum: 2 ** 31 });
const Name = Type.String({ minLength: 1, maxLength: 256 });
const MemberList = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 64 });

export const FederationSchema = Type.Object(
  {
    rounds: Type.Integer({ minimum: 1, maximum: 10_000, default: 10 }),
    localEpochs: Type.Integer({ minimum: 1, maximum: 1000, default: 1 }),
    /** FedProx proximal weight; 0 is FedAvg. */
    mu: Type.Number({ minimum: 0, maximum: 1000, default: 0 }),
    /** Share of the live members asked to contribute each round (at least minMembers). */
    sampleFraction: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 1 }),
    /** Fewest contributions a round may be aggregated from: 3, or 2 with dp (validate.ts says why). */
    minMembers: Type.Integer({ minimum: 2, maximum: 64, default: 3 }),
    /** Longest wait for a member's contribution to one round. */
    roundTimeoutSeconds: Type.Number({ exclusiveMinimum: 0, maximum: 86_400, default: 300 }),
    /** continue: a member that drops out (or misses the deadline) leaves the job and the round is averaged over the others; wait: the round waits for it to come back, up to stepTimeoutMs. */
    onDropout: Type.Union([Type.Literal('continue'), Type.Literal('wait')], { default: 'continue' }),
    /** Member-level differential privacy: each member clips its update to L2 norm `clip` and adds N(0, (noiseMultiplier·clip)²) before encrypting it. */
    dp: Type.Optional(Type.Object(
      {
        clip: Type.Number({ exclusiveMinimum: 0, maximum: 1e6 }),
        noiseMultiplier: Type.Number({ exclusiveMinimum: 0, maximum: 1000 }),
        delta: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, default: 1e-5 }),
      },
      { additionalProperties: false },
    )),
    /** MLP hidden layer sizes. */
    hidden: Type.Array(Type.Integer({ minimum: 1, maximum: 4096 }), { minItems: 1, maxItems: 8, default: [32, 16] }),
  },
  { additionalProperties: false },
);
export type Federation = Static<typeof FederationSchema>;

export const Purpose = Type.Union([Type.Literal('scaling'), Type.Literal('update'), Type.Literal('histogram')]);
export type Purpose = Static<typeof Purpose>;

export const HflSchema = Type.Object(
  {
    features: Type.Array(Type.Object({ name: Name, type: Type.Union([Type.Literal('numeric'), Type.Literal('categorical')]) }, { additionalProperties: false }), { maxItems: 100_000 }),
    trainRows: Int,
  },
  { additionalProperties: false },
);
export type HflSchema = Static<typeof HflSchema>;

/** `values`: the length of the vector to encrypt (the coordinator checks the ciphertext count). */
export const HflCollect = Type.Object({ round: Int, purpose: Purpose, values: Type.Integer({ minimum: 1, maximum: 1 << 24 }) }, { additionalProperties: false });

export const HflUpload = Type.Object({ round: Int, purpose: Purpose }, { additionalProperties: false });

/** `members`: who contributed to this sum (a round that lost a member says so). */
export const HflAggregate = Type.Object({ round: Int, purpose: Purpose, values: Type.Integer({ minimum: 1, maximum: 1 << 24 }), members: MemberList }, { additionalProperties: false });

const MemberMetrics = Type.Object(
  {
    auc: Type.Number(), ks: Type.Number(), logLoss: Type.Number(),
    localAuc: Type.Number(), localKs: Type.Number(),
  },
  { additionalProperties: false },
);

export const HflReport = Type.Object(
  {
    features: Type.Array(Name, { maxItems: 100_000 }),
    trainRows: Int,
    evalRows: Int,
    /** On this member's evaluation table: the federated model, and its own local-only model. */
    metrics: MemberMetrics,
    /** From the securely aggregated score histograms of every member's evaluation table; absent with dp (not aggregated). */
    pooled: Type.Optional(Type.Object({ auc: Type.Number(), ks: Type.Number(), rows: Int }, { additionalProperties: false })),
    parameters: Int,
    /** With federation.dp: the (ε, δ) this member's contributions spent (RDP accountant). */
    dp: Type.Optional(Type.Object({ epsilon: Type.Number(), delta: Type.Number(), contributions: Int }, { additionalProperties: false })),
    /** Lift by decile of the pooled evaluation scores (from the histograms, precise to a bin). */
    lift: Type.Array(LiftRow, { maxItems: 100 }),
    /** Logit cut points between deciles of the pooled evaluation scores, highest first (from the histograms). */
    deciles: Type.Array(Type.Number(), { maxItems: 9 }),
    /** trainLoss: the pooled training loss of the round; absent with dp (the loss is not aggregated). */
    history: Type.Array(Type.Object({ round: Int, trainLoss: Type.Optional(Type.Number()), members: Int }, { additionalProperties: false }), { maxItems: 10_000 }),
    /** purpose lookalike: recalls of this member's held-out seeds among its own customers (guestOnly…: its local-only model), its audience file. */
    lookalike: Type.Optional(LookalikeReport),
  },
  { additionalProperties: false },
);
export type HflReport = Static<typeof HflReport>;
