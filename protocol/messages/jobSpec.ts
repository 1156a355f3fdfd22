// A job as submitted to the coordinator (POST /v1/jobs) after the CLI has read the YAML job file
// and resolved relative paths against it. The job-file reference in the README follows this schema.
import { Type, type Static } from '@sinclair/typebox';
import { DatasetSpecSchema, EvaluationSchema } from './dataset.ts';
import { JobKind, PartyId, Role } from './job.ts';
import { RocCurves } from './train.ts';
import { TrainingSchema } from './training.ts';
import { AudienceFile, LookalikeReport, LookalikeSchema, PurposeSchema, SeedsSchema } from './lookalike.ts';
import { FederationSchema, HflStop } from './horizontal.ts';

export { TrainingSchema, type Training } from './training.ts';

export const JobPartySchema = Type.Object(
  {
    id: PartyId,
    role: Role,
    data: DatasetSpecSchema,
    evaluation: Type.Optional(EvaluationSchema),
    /** Horizontal lookalike: this member's own seed list, a file at the member. */
    seeds: Type.Optional(SeedsSchema),
  },
  { additionalProperties: false },
);

export const JobSpecSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 256 }),
    kind: JobKind,
    parties: Type.Array(JobPartySchema, { minItems: 2, maxItems: 64 }),
    model: Type.Optional(Type.Union([Type.Literal('logistic'), Type.Literal('mlp')])),
    training: Type.Optional(TrainingSchema),
    /** kind: horizontal only. */
    federation: Type.Optional(FederationSchema),
    validation: Type.Optional(
      Type.Object({ fraction: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.3 }) }, { additionalProperties: false }),
    ),
    purpose: Type.Optional(PurposeSchema),
    /** purpose lookalike: the seed list, a file at the guest. */
    seeds: Type.Optional(SeedsSchema),
    lookalike: Type.Optional(LookalikeSchema),
  },
  { additionalProperties: false },
);
export type JobSpec = Static<typeof JobSpecSchema>;
export type JobParty = Static<typeof JobPartySchema>;

/** `waiting-for-party`: a party dropped out mid-job; the job resumes from its checkpoints when it is back. */
export const JOB_STATES = ['queued', 'running', 'waiting-for-party', 'succeeded', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** What the coordinator keeps about a trained model: names, aggregates and metrics, never weights. */
export const ModelCardSchema = Type.Object({
  job: Type.String(),
  kind: JobKind,
  intersectionSize: Type.Integer(),
  trainRows: Type.Integer(),
  evalRows: Type.Integer(),
  featuresByParty: Type.Record(Type.String(), Type.Array(Type.String())),
  metrics: Type.Record(Type.String(), Type.Number()),
  lift: Type.Array(Type.Record(Type.String(), Type.Number())),
  /** Score cut points between deciles on the evaluation rows, highest first (decile 1 = top 10%). */
  deciles: Type.Array(Type.Number()),
  history: Type.Array(Type.Object({ epoch: Type.Integer(), evalLoss: Type.Number(), evalAuc: Type.Optional(Type.Number()) })),
  training: TrainingSchema,
  /** ROC points on the evaluation rows: the joint model and the guest's features alone. */
  roc: Type.Optional(RocCurves),
  /** Lookalike models: seeds, recall of held-out seeds at 5/10/20/50%, score distribution, audience size (the file stays at the guest). */
  lookalike: Type.Optional(LookalikeReport),
  /** Horizontal lookalike models: each member's report on its own customers (its audience stays at the member). */
  memberLookalike: Type.Optional(Type.Record(Type.String(), LookalikeReport)),
  /** Horizontal models: why the rounds ended (converged or the round cap), after how many, and the round whose model was kept. */
  stopped: Type.Optional(HflStop),
});
export type ModelCard = Static<typeof ModelCardSchema>;

export const JobResultSchema = Type.Object(
  {
    metrics: Type.Optional(Type.Record(Type.String(), Type.Number())),
    model: Type.Optional(Type.Object({ name: Type.String(), version: Type.Integer() })),
    /** Lookalike jobs: where the guest wrote the audience (a path at the guest) and its size. */
    audience: Type.Optional(AudienceFile),
    /** Horizontal lookalike jobs: per member, the audience it wrote at its premises and its size. */
    memberAudiences: Type.Optional(Type.Record(Type.String(), AudienceFile)),
    /** Horizontal jobs: per member, on its own evaluation table — the federated model (auc, ks, logLoss) and its local-only model (localAuc, localKs). */
    memberMetrics: Type.Optional(Type.Record(Type.String(), Type.Record(Type.String(), Type.Number()))),
    /** Horizontal jobs: members that dropped out (onDropout: continue). */
    dropped: Type.Optional(Type.Array(Type.String())),
    /** Horizontal jobs: why the rounds ended, after how many, and the round whose model was kept. */
    stopped: Type.Optional(HflStop),
    psi: Type.Optional(
      Type.Object({
        intersectionSize: Type.Integer(),
        parties: Type.Record(Type.String(), Type.Object({ totalRows: Type.Integer(), consentingRows: Type.Integer() })),
      }),
    ),
  },
);
export type JobResult = Static<typeof JobResultSchema>;

export const JobViewSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  kind: JobKind,
  state: Type.Union(JOB_STATES.map((s) => Type.Literal(s))),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  durationMs: Type.Optional(Type.Integer()),
  result: Type.Optional(JobResultSchema),
  error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
  /** The party a `waiting-for-party` job waits for. */
  waitingFor: Type.Optional(Type.String()),
  /** Epochs every party has checkpointed, and the current attempt (0 = never resumed). */
  checkpoint: Type.Optional(Type.Object({ epochs: Type.Integer(), attempt: Type.Integer() })),
});
export type JobView = Static<typeof JobViewSchema>;
