// Campaigns (issue 17) on the coordinator <-> guest link. The coordinator combines every party's
// contributions for a vertical model's intersection (as for batch scoring) and hands the guest one
// score per intersection row; the guest picks the target, assigns arms with its own key, keeps the
// assignment and the contact lists, and answers with counts per arm and decile. Outcomes are
// uploaded at the guest; only their aggregates per arm and decile come back, when asked.
//   coordinator -> guest: campaign.assign (payload: float64 score per intersection row, NaN where unscorable)
//   guest -> coordinator: campaign.assigned
//   coordinator -> guest: campaign.results;  guest -> coordinator: campaign.counts
import { Type, type Static } from '@sinclair/typebox';
import { PurposeSchema } from './lookalike.ts';

const Int = Type.Integer({ minimum: 0, maximum: 2 ** 31 });
export const CampaignId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$' });
export const ArmName = Type.Union([Type.Literal('joint'), Type.Literal('guest'), Type.Literal('control')]);
const Decile = Type.Integer({ minimum: 1, maximum: 10 });

/** Whom the campaign targets, among the customers the model scores (seeds of a lookalike model excluded). */
export const CampaignTargetSchema = Type.Union([
  Type.Object({ topPercent: Type.Number({ exclusiveMinimum: 0, maximum: 100, description: 'the top k% by the arm\'s score' }) }, { additionalProperties: false }),
  Type.Object({ deciles: Type.Array(Decile, { minItems: 1, maxItems: 10, uniqueItems: true, description: 'score deciles of the scored population, 1 = the top 10%' }) }, { additionalProperties: false }),
  Type.Object({ audience: Type.String({ minLength: 1, maxLength: 256, pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*\\.csv$', description: 'an audience file at the guest, in its work folder\'s audiences/ (column id or customer_id)' }) }, { additionalProperties: false }),
]);
export type CampaignTarget = Static<typeof CampaignTargetSchema>;

export const CampaignAssign = Type.Object(
  {
    campaign: CampaignId,
    model: Type.String({ minLength: 1, maxLength: 256 }),
    modelJob: Type.String({ minLength: 1, maxLength: 128 }),
    purpose: PurposeSchema,
    target: CampaignTargetSchema,
    controlFraction: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 }),
    guestArm: Type.Boolean(),
  },
  { additionalProperties: false },
);

/** Cells of one arm: customers targeted per decile of the arm's score. */
const AssignedArm = Type.Object(
  { name: ArmName, deciles: Type.Array(Type.Object({ decile: Decile, size: Int }, { additionalProperties: false }), { maxItems: 10 }) },
  { additionalProperties: false },
);

export const CampaignAssigned = Type.Object(
  {
    /** Customers the model scores and the campaign may target (seeds, unscorable and suppressed ones excluded). */
    population: Int,
    /** Customers of the intersection on the guest's suppression list when the campaign was assigned. */
    suppressed: Int,
    arms: Type.Array(AssignedArm, { minItems: 2, maxItems: 3 }),
  },
  { additionalProperties: false },
);

export const CampaignResultsRequest = Type.Object({ campaign: CampaignId }, { additionalProperties: false });

export const CampaignCell = Type.Object(
  { decile: Decile, size: Int, conversions: Int, suppressed: Int, value: Type.Number() },
  { additionalProperties: false },
);
export type CampaignCellWire = Static<typeof CampaignCell>;

/**
 * Guest -> coordinator: the outcomes' aggregates. `uploaded` false when no outcome file was
 * uploaded yet (arms then empty). Cells below the guest's minimum cell size are pooled with the
 * next decile (labelled by the first one) before they leave.
 */
export const CampaignCounts = Type.Object(
  {
    uploaded: Type.Boolean(),
    uploadedAt: Type.Optional(Type.String({ maxLength: 64 })),
    arms: Type.Array(Type.Object({ name: ArmName, deciles: Type.Array(CampaignCell, { maxItems: 10 }) }, { additionalProperties: false }), { maxItems: 3 }),
  },
  { additionalProperties: false },
);
