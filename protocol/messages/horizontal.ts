// Horizontal federated training: the job file's `federation:` section and the messages between
// the coordinator (which schedules rounds and adds ciphertexts) and the members.
//   member -> coordinator: hfl.schema (feature names and types), hfl.upload (CKKS ciphertexts),
//                          hfl.report (names, aggregates and metrics when the job ends)
//   coordinator -> member: hfl.collect (contribute to this aggregation), hfl.aggregate (the sum)
// Payloads of hfl.upload and hfl.aggregate: ciphertexts packed with packBlobs.
import { Type, type Static } from '@sinclair/typebox';
import { LiftRow } from './train.ts';
import { LookalikeReport } from './lookalike.ts';
import { DEFAULT_STRATEGY, STRATEGY_NAMES } from '../../models/federated/strategy/registry.ts';

const Int = Type.Integer({ minimum: 0, maximum: 2 ** 31 });
const Name = Type.String({ minLength: 1, maxLength: 256 });
const MemberList = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 64 });

export const FederationSchema = Type.Object(
  {
    /** models/federated/strategy/registry.ts: how rounds are configured and combined. */
    strategy: Type.Union(STRATEGY_NAMES.map((name) => Type.Literal(name)), { default: DEFAULT_STRATEGY }),
    /** The round cap: the stopping rule ends most jobs well before it (not with dp, which pools no loss to stop on). */
    rounds: Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 }),
    localEpochs: Type.Integer({ minimum: 1, maximum: 1000, default: 1 }),
    /** FedProx's proximal weight μ (strategy: fedprox only). */
    mu: Type.Optional(Type.Number({ minimum: 0, maximum: 1000 })),
    /** Stop when the pooled evaluation loss has not fallen by more than minDelta for patience rounds, after at least minRounds. */
    stopping: Type.Object(
      {
        patience: Type.Integer({ minimum: 1, maximum: 1000, default: 5 }),
        minDelta: Type.Number({ minimum: 0, maximum: 1, default: 0.0001 }),
        minRounds: Type.Integer({ minimum: 1, maximum: 10_000, default: 10 }),
      },
      { additionalProperties: false, default: {} },
    ),
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

/** A round's settings for local training, chosen by the job's strategy (models/federated/strategy/strategy.ts FitConfig). */
export const FitConfig = Type.Object(
  {
    learningRate: Type.Number({ exclusiveMinimum: 0, maximum: 100 }),
    localEpochs: Type.Integer({ minimum: 1, maximum: 1000 }),
    mu: Type.Number({ minimum: 0, maximum: 1000 }),
  },
  { additionalProperties: false },
);

/** `values`: the length of the vector to encrypt (the coordinator checks the ciphertext count); `fit`: purpose update only. */
export const HflCollect = Type.Object({ round: Int, purpose: Purpose, values: Type.Integer({ minimum: 1, maximum: 1 << 24 }), fit: Type.Optional(FitConfig) }, { additionalProperties: false });

/**
 * `evaluated`: in clear, the pooled evaluation loss the member decrypted from the previous round's
 * sum, of the global model after round `evaluated.round`; the coordinator's stopping rule reads it.
 */
export const HflUpload = Type.Object(
  { round: Int, purpose: Purpose, evaluated: Type.Optional(Type.Object({ round: Int, loss: Type.Number({ minimum: 0, maximum: 1000 }) }, { additionalProperties: false })) },
  { additionalProperties: false },
);

/** Why the rounds ended, after how many, and which round's global model was kept (0: the starting model). */
export const HflStop = Type.Object(
  { reason: Type.Union([Type.Literal('converged'), Type.Literal('round-cap')]), rounds: Int, kept: Int },
  { additionalProperties: false },
);
export type HflStop = Static<typeof HflStop>;

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
    /** trainLoss: the pooled training loss of the round; evalLoss: the pooled evaluation loss of the model after it (not known for the last round); both absent with dp (no loss is aggregated). */
    history: Type.Array(Type.Object({ round: Int, trainLoss: Type.Optional(Type.Number()), evalLoss: Type.Optional(Type.Number()), members: Int }, { additionalProperties: false }), { maxItems: 10_000 }),
    /** How this member's rounds ended and which model it kept: the coordinator checks it against its own. */
    stop: HflStop,
    /** purpose lookalike: recalls of this member's held-out seeds among its own customers (guestOnly…: its local-only model), its audience file. */
    lookalike: Type.Optional(LookalikeReport),
  },
  { additionalProperties: false },
);
export type HflReport = Static<typeof HflReport>;
