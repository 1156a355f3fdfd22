// Job lifecycle messages between the coordinator and a party node.
//   coordinator -> party: job.prepare, job.start, job.pause, job.cancel
//   party -> coordinator: job.ready, job.checkpoint, job.done, job.failed
// `attempt` numbers the coordinator's tries of one job (0 first; a resume after a lost party or a
// coordinator restart is the next): a party drops work of an older attempt when a newer one starts,
// and the coordinator ignores answers that carry an attempt other than the current one.
import { Type, type Static, type TProperties } from '@sinclair/typebox';
import { DatasetSpecSchema, DatasetStatsSchema, EvaluationSchema } from './dataset.ts';
import { TrainReport } from './train.ts';
import { SeedsSchema } from './lookalike.ts';
import { HORIZONTAL_SECTIONS, PSI_SECTIONS, VERTICAL_SECTIONS } from './kinds.ts';
import { KeyEndorsementSchema } from './identity.ts';
import { WireErrorSchema } from '../envelope.ts';

export const PartyId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$' });
export const Role = Type.Union([Type.Literal('guest'), Type.Literal('host'), Type.Literal('member')]);
export type Role = Static<typeof Role>;

const Attempt = Type.Integer({ minimum: 0, maximum: 1_000_000 });
const Epochs = Type.Integer({ minimum: 0, maximum: 1_000_000 });

const Peer = Type.Object({ id: PartyId, role: Role }, { additionalProperties: false });

/**
 * What one party gets of a job: its own table, its peers, and the sections of the job's kind
 * (kinds.ts), the same the job file has. Every party learns the purpose; only the party that holds
 * seeds (the guest of a vertical lookalike, each member of a horizontal one) gets them and the
 * audience settings.
 */
function prepareVariant<K extends string, S extends TProperties>(kind: K, sections: S) {
  return Type.Object(
    {
      name: Type.String({ maxLength: 256 }),
      kind: Type.Literal(kind),
      role: Role,
      dataset: DatasetSpecSchema,
      /** A second table with the same columns, matched by its own PSI and used for evaluation. */
      evaluation: Type.Optional(EvaluationSchema),
      peers: Type.Array(Peer, { maxItems: 64 }),
      attempt: Type.Optional(Attempt),
      seeds: Type.Optional(SeedsSchema),
      ...sections,
    },
    { additionalProperties: false },
  );
}

export const JobPrepare = Type.Union([
  prepareVariant('psi', PSI_SECTIONS),
  ...Object.values(VERTICAL_SECTIONS).map((sections) => prepareVariant('vertical', sections)),
  prepareVariant('horizontal', HORIZONTAL_SECTIONS),
]);
export type JobPrepareBody = Static<typeof JobPrepare>;
/** job.prepare of a job of kind K. */
export type PrepareOf<K extends JobPrepareBody['kind']> = Extract<JobPrepareBody, { kind: K }>;

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
