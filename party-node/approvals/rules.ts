// A party's approval settings (policy.approval in its config): whether jobs wait for its compliance
// staff, how many distinct people must approve, who may, and the rules that approve a job without
// anyone. Without an approval section every job is approved by the policy at once (see
// docs/operators.md, "Job approval", for why that is the default).
import { Type, type Static } from '@sinclair/typebox';
import { PartyId } from '../../protocol/messages/job.ts';
import { namedColumns, type JobFacts } from './jobFacts.ts';

const Name = Type.String({ minLength: 1, maxLength: 128 });
const Column = Type.String({ minLength: 1, maxLength: 256 });
export const PurposeName = Type.Union([Type.Literal('intersection'), Type.Literal('propensity'), Type.Literal('lookalike')]);
export const ModelName = Type.String({ pattern: '^(psi|vertical/[A-Za-z0-9-]+|horizontal/[A-Za-z0-9-]+)$', description: 'psi, vertical/logistic, vertical/gbdt, vertical/naiveBayes, horizontal/logistic, horizontal/mlp' });

/** A job every listed field admits is approved by the policy: each field narrows the rule. */
export const AutoApproveRule = Type.Object(
  {
    purposes: Type.Optional(Type.Array(PurposeName, { minItems: 1 })),
    models: Type.Optional(Type.Array(ModelName, { minItems: 1 })),
    partners: Type.Optional(Type.Array(PartyId, { minItems: 1, description: 'every partner of the job must be listed' })),
    columns: Type.Optional(Type.Array(Column, { minItems: 1, description: 'every column the job uses here must be listed; a job that lists no features never matches' })),
  },
  { additionalProperties: false },
);
export type AutoApproveRule = Static<typeof AutoApproveRule>;

export const ApprovalPolicySchema = Type.Object(
  {
    approvers: Type.Integer({ minimum: 1, maximum: 8, default: 1, description: 'distinct people who must approve a job (2: four eyes)' }),
    allowedApprovers: Type.Optional(Type.Array(Name, { minItems: 1, description: 'the only names whose approval counts; absent: anyone with access to the party host' })),
    autoApprove: Type.Array(AutoApproveRule, { default: [], description: 'jobs matching any rule are approved without waiting' }),
  },
  { additionalProperties: false, description: 'jobs wait for approval at this party; absent: every job is approved by the policy' },
);
export type ApprovalPolicy = Static<typeof ApprovalPolicySchema>;

/** The index of the first rule that admits the job, or -1. */
export function matchingRule(rules: readonly AutoApproveRule[], facts: JobFacts): number {
  return rules.findIndex((rule) => {
    if (rule.purposes && !rule.purposes.includes(facts.purpose)) return false;
    if (rule.models && !rule.models.includes(facts.model)) return false;
    if (rule.partners && !facts.partners.every((p) => rule.partners?.includes(p))) return false;
    if (rule.columns) {
      // A job that does not list its features would use columns nobody has seen: never auto-approved by columns.
      if (!facts.featuresListed) return false;
      if (!namedColumns(facts).every((c) => rule.columns?.includes(c))) return false;
    }
    return true;
  });
}
