// A job as submitted to the coordinator (POST /v1/jobs) after the CLI has read the YAML job file
// and resolved relative paths against it: a union discriminated by `kind` and, for a vertical job,
// by `model`, each variant made of the sections its kind declares (kinds.ts). The job-file
// reference in docs/data-scientists.md follows this schema.
import { Type, type Static, type TProperties } from '@sinclair/typebox';
import { DatasetSpecSchema, EvaluationSchema } from './dataset.ts';
import { PartyId, Role } from './job.ts';
import { HORIZONTAL_SECTIONS, JobKind, PSI_SECTIONS, VERTICAL_SECTIONS } from './kinds.ts';
import { FeatureImportance, RocCurves } from './train.ts';
import { TrainingSchema } from './training.ts';
import { AudienceFile, LookalikeReport, SeedsSchema } from './lookalike.ts';
import { HflStop } from './horizontal.ts';
import { ApprovalState } from './approval.ts';

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

function variant<K extends string, S extends TProperties>(kind: K, sections: S) {
  return Type.Object(
    { name: Type.String({ minLength: 1, maxLength: 256 }), kind: Type.Literal(kind), parties: Type.Array(JobPartySchema, { minItems: 2, maxItems: 64 }), ...sections },
    { additionalProperties: false },
  );
}

export const PsiJobSpecSchema = variant('psi', PSI_SECTIONS);
/** One per vertical model; purpose lookalike: `seeds` is the seed list, a file at the guest. */
export const VerticalJobSpecSchemas = Object.values(VERTICAL_SECTIONS).map((sections) => variant('vertical', { ...sections, seeds: Type.Optional(SeedsSchema) }));
export const HorizontalJobSpecSchema = variant('horizontal', HORIZONTAL_SECTIONS);

export const JobSpecSchema = Type.Union([PsiJobSpecSchema, ...VerticalJobSpecSchemas, HorizontalJobSpecSchema]);
export type JobSpec = Static<typeof JobSpecSchema>;

/**
 * The same union as a request body schema, without defaults: a JSON-Schema validator applies none
 * inside a union's branches (and refuses them in strict mode); checkJobSpec fills them in.
 */
export const JobSpecRequestSchema = withoutDefaults(JobSpecSchema);

function withoutDefaults<T>(schema: T): T {
  if (Array.isArray(schema)) return schema.map(withoutDefaults) as T;
  if (typeof schema !== 'object' || schema === null) return schema;
  // Copies every own key, symbols included (TypeBox keeps its kinds under symbols), but `default`.
  const out: Record<string | symbol, unknown> = {};
  for (const key of Reflect.ownKeys(schema)) if (key !== 'default') out[key] = withoutDefaults((schema as Record<string | symbol, unknown>)[key]);
  return out as T;
}
export type PsiJobSpec = Extract<JobSpec, { kind: 'psi' }>;
export type VerticalJobSpec = Extract<JobSpec, { kind: 'vertical' }>;
export type HorizontalJobSpec = Extract<JobSpec, { kind: 'horizontal' }>;
export type JobParty = Static<typeof JobPartySchema>;

/**
 * `awaiting-approval`: a party using its data for the job has not approved it yet (nothing is
 * exchanged before every party has); `rejected`: a party's compliance staff refused it.
 * `waiting-for-party`: a party dropped out mid-job; the job resumes from its checkpoints when it is back.
 */
export const JOB_STATES = ['queued', 'awaiting-approval', 'running', 'waiting-for-party', 'succeeded', 'failed', 'cancelled', 'rejected'] as const;
export type JobState = (typeof JOB_STATES)[number];

/**
 * A card's training settings: the job's `training` section as its model declares it (each vertical
 * model its own, models/vertical/registry.ts; horizontal jobs TrainingSchema), defaults filled in.
 * An open object: a union of the models' sections would make the response serialiser pick a branch.
 */
const CardTrainingSchema = Type.Record(Type.String(), Type.Unknown());

export const JobApprovalView = Type.Object({
  party: Type.String(),
  state: ApprovalState,
  approvedBy: Type.Array(Type.String()),
  required: Type.Integer(),
  auto: Type.Optional(Type.Boolean()),
  rejectedBy: Type.Optional(Type.String()),
  reason: Type.Optional(Type.String()),
  specSha256: Type.String(),
  at: Type.String(),
});
export type JobApprovalView = Static<typeof JobApprovalView>;

export const ModelApproval = Type.Object({
  trainedBy: Type.String(),
  approvedBy: Type.String(),
  approvedAt: Type.String(),
  /** The evaluation metrics on the card when it was approved (AUC, KS, log loss, …). */
  figures: Type.Record(Type.String(), Type.Number()),
  intersectionSize: Type.Integer(),
  evalRows: Type.Integer(),
  note: Type.Optional(Type.String()),
});
export type ModelApproval = Static<typeof ModelApproval>;

/** What the coordinator keeps about a trained model: names, aggregates and metrics, never weights. */
export const ModelCardSchema = Type.Object({
  job: Type.String(),
  kind: JobKind,
  /** The model trained (a vertical model of models/vertical/registry.ts, or a horizontal one). */
  model: Type.Optional(Type.String()),
  intersectionSize: Type.Integer(),
  trainRows: Type.Integer(),
  evalRows: Type.Integer(),
  featuresByParty: Type.Record(Type.String(), Type.Array(Type.String())),
  metrics: Type.Record(Type.String(), Type.Number()),
  lift: Type.Array(Type.Record(Type.String(), Type.Number())),
  /** Score cut points between deciles on the evaluation rows, highest first (decile 1 = top 10%). */
  deciles: Type.Array(Type.Number()),
  history: Type.Array(Type.Object({ epoch: Type.Integer(), evalLoss: Type.Number(), evalAuc: Type.Optional(Type.Number()) })),
  training: CardTrainingSchema,
  /** ROC points on the evaluation rows: the joint model and the guest's features alone. */
  roc: Type.Optional(RocCurves),
  /** Lookalike models: seeds, recall of held-out seeds at 5/10/20/50%, score distribution, audience size (the file stays at the guest). */
  lookalike: Type.Optional(LookalikeReport),
  /** Tree models: each party's share of the split gain; only the guest's columns by name. */
  importance: Type.Optional(FeatureImportance),
  /** Horizontal lookalike models: each member's report on its own customers (its audience stays at the member). */
  memberLookalike: Type.Optional(Type.Record(Type.String(), LookalikeReport)),
  /** Horizontal models: why the rounds ended (converged or the round cap), after how many, and the round whose model was kept. */
  stopped: Type.Optional(HflStop),
  /** Four-eyes publishing: who trained it (the job's submitter), who approved it for live scoring, when, and the figures they saw. */
  approval: Type.Optional(ModelApproval),
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
  /** Who submitted the job (the key's person or id, or oidc:USER): the model's trainer for four-eyes publishing. */
  submittedBy: Type.Optional(Type.String()),
  /** What each party reported about its approval of the job (approvals come from the parties only). */
  approvals: Type.Optional(Type.Array(JobApprovalView)),
  /** Epochs every party has checkpointed, and the current attempt (0 = never resumed). */
  checkpoint: Type.Optional(Type.Object({ epochs: Type.Integer(), attempt: Type.Integer() })),
});
export type JobView = Static<typeof JobViewSchema>;
