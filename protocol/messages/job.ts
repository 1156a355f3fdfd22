// Job lifecycle messages between the coordinator and a party node.
//   coordinator -> party: job.prepare, job.start, job.cancel
//   party -> coordinator: job.ready, job.done, job.failed
import { Type, type Static } from '@sinclair/typebox';
import { DatasetSpecSchema, DatasetStatsSchema } from './dataset.ts';
import { TrainReport } from './train.ts';
import { TrainingSchema } from './training.ts';
import { FederationSchema } from './horizontal.ts';

export const PartyId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$' });
export const Role = Type.Union([Type.Literal('guest'), Type.Literal('host'), Type.Literal('member')]);
export type Role = Static<typeof Role>;
export const JobKind = Type.Union([Type.Literal('psi'), Type.Literal('vertical'), Type.Literal('horizontal')]);
export type JobKind = Static<typeof JobKind>;

const Peer = Type.Object({ id: PartyId, role: Role }, { additionalProperties: false });

export const JobPrepare = Type.Object(
  {
    name: Type.String({ maxLength: 256 }),
    kind: JobKind,
    role: Role,
    dataset: DatasetSpecSchema,
    /** A second table with the same columns, matched by its own PSI and used for evaluation. */
    evaluation: Type.Optional(Type.Object({ path: Type.String({ minLength: 1, maxLength: 4096 }) }, { additionalProperties: false })),
    peers: Type.Array(Peer, { maxItems: 64 }),
    training: Type.Optional(TrainingSchema),
    model: Type.Optional(Type.Union([Type.Literal('logistic'), Type.Literal('mlp')])),
    federation: Type.Optional(FederationSchema),
    validation: Type.Optional(Type.Object({ fraction: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 }) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

/** Payload: the party's 32-byte X25519 public key for this job's end-to-end channel. */
export const JobReady = Type.Object({ stats: DatasetStatsSchema }, { additionalProperties: false });

/** Payload: the peers' 32-byte public keys, concatenated in the order of `peers`. */
export const JobStart = Type.Object({ peers: Type.Array(Peer, { maxItems: 64 }) }, { additionalProperties: false });

export const JobCancel = Type.Object({ reason: Type.String({ maxLength: 2000 }) }, { additionalProperties: false });

export const JobDone = Type.Object(
  {
    psi: Type.Object(
      { intersectionSize: Type.Integer({ minimum: 0 }), evaluationSize: Type.Optional(Type.Integer({ minimum: 0 })) },
      { additionalProperties: false },
    ),
    train: Type.Optional(TrainReport),
  },
  { additionalProperties: false },
);

/** The failure itself travels in the envelope's `error`. */
export const JobFailed = Type.Object({}, { additionalProperties: false });
