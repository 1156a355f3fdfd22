// Per-party job approval, between the coordinator and a party node:
//   coordinator -> party: job.review (before any job.prepare: the job.prepare body the party will get)
//   party -> coordinator: job.approval (at once, and again after each decision of its compliance staff)
// The party hashes the reviewed body (specSha256, protocol/jobs/specHash.ts) and, at job.prepare,
// refuses a body whose hash is not the one it approved: the coordinator cannot swap the job after
// approval. Approvals come from the party only; the coordinator shows what the party reported.
import { Type, type Static } from '@sinclair/typebox';
import { JobPrepare } from './job.ts';

export const APPROVAL_STATES = ['approved', 'pending', 'rejected'] as const;
export const ApprovalState = Type.Union(APPROVAL_STATES.map((s) => Type.Literal(s)));
export type ApprovalState = (typeof APPROVAL_STATES)[number];

export const SpecSha256 = Type.String({ pattern: '^[0-9a-f]{64}$' });
const Approver = Type.String({ minLength: 1, maxLength: 128 });

/** The job as this party will be asked to prepare it (without `attempt`). */
export const JobReview = Type.Object({ prepare: JobPrepare }, { additionalProperties: false });

/**
 * Where the party's approval stands: `approvedBy` the people who approved so far (or `policy` when a
 * rule approved it), `required` how many distinct approvers its policy asks for, `reason` why it
 * was rejected.
 */
export const JobApproval = Type.Object(
  {
    state: ApprovalState,
    specSha256: SpecSha256,
    approvedBy: Type.Array(Approver, { maxItems: 8 }),
    required: Type.Integer({ minimum: 1, maximum: 8 }),
    auto: Type.Optional(Type.Boolean()),
    rejectedBy: Type.Optional(Approver),
    reason: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
export type JobApprovalBody = Static<typeof JobApproval>;
