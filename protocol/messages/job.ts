// Job lifecycle messages between the coordinator and a party node.
//   coordinator -> party: job.prepare, job.start, job.pause, job.cancel
//   party -> coordinator: job.ready, job.checkpoint, job.done, job.failed
// `attempt` numbers the coordinator's tries of one job (0 first; a resume after a lost party or a
// coordinator restart is the next): a party drops work of an older attempt when a newer one starts,
// and the coordinator ignores answers that carry an attempt other than the current one.
import { Type, type Static } from '@sinclair/typebox';
import { DatasetSpecSchema, DatasetStatsSchema, EvaluationSchema } from './dataset.ts';
import { TrainReport } from './train.ts';
import { TrainingSchema } from './training.ts';
import { LookalikeSchema, PurposeSchema, SeedsSchema } from './lookalike.ts';
import { FederationSchema } from './horizontal.ts';
import { KeyEndorsementSchema } from './identity.ts';
import { WireErrorSchema } from '../envelope.ts';

export const PartyId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$' });
export const Role = Type.Union([Type.Literal('guest'), Type.Literal('host'), Type.Literal('member')]);
export type Role = Static<typeof Role>;
export const JobKind = Type.Union([Type.Literal('psi'), Type.Literal('vertical'), Type.Literal('horizontal')]);
export type JobKind = Static<typeof JobKind>;

const Attempt = Type.Integer({ minimum: 0, maximum: 1_000_000 });
const Epochs = Type.Integer({ minimum: 0, maximum: 1_000_000 });

const Peer = Type.Object({ id: PartyId, role: Role }, { additionalProperties: false });

export const JobPrepare = Type.Object(
  {
    name: Type.String({ maxLength: 256 }),
    kind: JobKind,
    role: Role,
    dataset: DatasetSpecSchema,
    /** A second table with the same columns, matched by its own PSI and used for evaluation. */
    evaluation: Type.Optional(EvaluationSchema),
    peers: Type.Array(Peer, { maxItems: 64 }),
    training: Type.Optional(TrainingSchema),
    model: Type.Optional(Type.Union([Type.Literal('logistic'), Type.Literal('mlp')])),
    federation: Type.Optional(FederationSchema),
    validation: Type.Optional(Type.Object({ fraction: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 }) }, { additionalProperties: false })),
    attempt: Type.Optional(Attempt),
    /** Every party learns the purpose; only the guest gets the seeds and the audience settings. */
    purpose: Type.Optional(PurposeSchema),
    seeds: Type.Optional(SeedsSchema),
    lookalike: Type.Optional(LookalikeSchema),
  },
  { additionalProperties: false },
);

/** What a party holds from earlier attempts: the PSI result of attempt `psi` and the epochs completed after it. */
export const CheckpointHeld = Type.Object({ psi: Attempt, epochs: Type.Array(Epochs, { maxItems: 4 }) }, { additionalProperties: false });

/**
 * Payload: the party's 32-byte X25519 public key for this job's end-to-end channel; `endorsement`
 * is its identity's signature over (party, job, attempt, 'e2e-x25519', key), for its partners to check.
 */
export const JobReady = Type.Object(
  { stats: DatasetStatsSchema, attempt: Type.Optional(Attempt), checkpoint: Type.Optional(CheckpointHeld), endorsement: KeyEndorsementSchema },
  { additionalProperties: false },
);

/**
 * Payload: the peers' 32-byte public keys, concatenated in the order of `peers`, each with the
 * endorsement its owner sent in job.ready (optional here so that a missing one is refused by the
 * receiving party, naming the peer, rather than as a malformed frame). With `resume`, every
 * party reuses its stored PSI result of attempt `psi` and continues training after `epochs` epochs.
 */
const StartPeer = Type.Object({ id: PartyId, role: Role, endorsement: Type.Optional(KeyEndorsementSchema) }, { additionalProperties: false });

export const JobStart = Type.Object(
  { peers: Type.Array(StartPeer, { maxItems: 64 }), resume: Type.Optional(Type.Object({ psi: Attempt, epochs: Epochs }, { additionalProperties: false })) },
  { additionalProperties: false },
);

/** The job is over (cancelled, failed or succeeded): stop its work and delete its checkpoints. */
export const JobCancel = Type.Object({ reason: Type.String({ maxLength: 2000 }) }, { additionalProperties: false });

/** Stop the job's work but keep its checkpoints: a later attempt resumes from them. */
export const JobPause = Type.Object({ reason: Type.String({ maxLength: 2000 }) }, { additionalProperties: false });

/** The party has stored its state after `epochs` completed epochs. */
export const JobCheckpoint = Type.Object({ attempt: Attempt, epochs: Epochs }, { additionalProperties: false });

export const JobDone = Type.Object(
  {
    psi: Type.Object(
      { intersectionSize: Type.Integer({ minimum: 0 }), evaluationSize: Type.Optional(Type.Integer({ minimum: 0 })) },
      { additionalProperties: false },
    ),
    train: Type.Optional(TrainReport),
    attempt: Type.Optional(Attempt),
  },
  { additionalProperties: false },
);

/** The party's part of the job failed, and why: a notice, not a reply to a request. */
export const JobFailed = Type.Object({ attempt: Type.Optional(Attempt), error: WireErrorSchema }, { additionalProperties: false });
