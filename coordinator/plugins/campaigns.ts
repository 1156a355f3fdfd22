// Campaigns over HTTP: POST /v1/campaigns creates one on a published vertical model (the guest
// scores, assigns arms and keeps the assignment), GET /v1/campaigns lists them, GET
// /v1/campaigns/{id} shows one with its report once the guest has outcomes (read from the guest
// when it is online: counts per arm and decile only). Scientist and admin keys.
import { Type } from '@sinclair/typebox';
import { CampaignTargetSchema } from '../../protocol/messages/campaign.ts';
import type { CampaignService } from '../campaigns/service.ts';
import type { ApiKeyCheck } from './auth.ts';
import { errorReplies } from './errors.ts';
import { routePlugin } from './routePlugin.ts';
import { named, ref } from './schemaRef.ts';

const Num = Type.Union([Type.Number(), Type.Null()], { description: 'null when the figure is not finite (e.g. a relative uplift over a control arm without conversions)' });
const Ci = Type.Array(Num, { minItems: 2, maxItems: 2, description: '95% interval: Wilson for a rate, Newcombe (method 10) for a difference, Katz log for a ratio' });
const ArmName = Type.Union([Type.Literal('joint'), Type.Literal('guest'), Type.Literal('control')]);

const CampaignTarget = named('CampaignTarget', CampaignTargetSchema);
const CampaignRequest = named('CampaignRequest', Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128 }),
    model: Type.String({ minLength: 1, maxLength: 256 }),
    version: Type.Optional(Type.Integer({ minimum: 1, description: 'default: the newest published version' })),
    target: ref(CampaignTarget),
    controlFraction: Type.Number({ minimum: 0, maximum: 1, description: 'the share held back at random, strictly between 0 and 1' }),
    guestArm: Type.Optional(Type.Boolean({ description: 'a second contacted arm targeted by the guest-alone model (lookalike models): prices the partners\' data' })),
  },
  { additionalProperties: false },
));
const Campaign = named('Campaign', Type.Object({
  id: Type.String(), name: Type.String(),
  model: Type.Object({ name: Type.String(), version: Type.Integer() }),
  guest: Type.String(),
  target: ref(CampaignTarget),
  controlFraction: Type.Number(), guestArm: Type.Boolean(), createdAt: Type.String(),
  status: Type.Union([Type.Literal('awaiting-outcomes'), Type.Literal('reported')]),
  population: Type.Integer({ description: 'customers the campaign could target: scored, not suppressed, not a seed' }),
  suppressedAtAssignment: Type.Integer({ description: 'customers of the model\'s intersection on the guest\'s suppression list when the arms were assigned' }),
  assigned: Type.Array(Type.Object({ name: ArmName, size: Type.Integer() })),
  outcomesAt: Type.Optional(Type.String()),
  arms: Type.Optional(Type.Array(Type.Object({
    name: ArmName, size: Type.Integer({ description: 'contacted (or held back) customers, suppressed ones excluded' }), conversions: Type.Integer(),
    suppressed: Type.Integer({ description: 'customers of the arm on the suppression list when outcomes were recorded: not contacted' }),
    value: Type.Number(), rate: Num, ci95: Ci,
  }))),
  uplift: Type.Optional(Type.Object({ absolute: Num, relative: Num, ci95: Ci, relativeCi95: Ci }, { description: 'joint arm against control' })),
  partnerContribution: Type.Optional(Type.Object({ extraConversions: Num, ci95: Ci }, { description: 'the joint arm\'s extra conversions over the guest-alone arm, on the joint arm\'s size' })),
  byDecile: Type.Optional(Type.Array(Type.Object({ decile: Type.Integer(), treatedRate: Num, controlRate: Num, uplift: Num, ci95: Ci }))),
  qini: Type.Optional(Type.Array(Type.Object({ decile: Type.Integer(), extraConversions: Num }))),
  sampleSizePerArm: Type.Optional(Num),
}));
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const campaignRoutes = routePlugin<{ campaigns: CampaignService; auth: ApiKeyCheck }>('campaigns', async (app, { campaigns, auth }) => {
  for (const schema of [CampaignTarget, CampaignRequest, Campaign]) app.addSchema(schema);
  const doc = { tags: ['campaigns'], security: auth.security };

  app.post('/v1/campaigns', {
    onRequest: auth,
    schema: {
      ...doc, operationId: 'createCampaign', summary: 'Create a campaign: the guest scores its customers, assigns arms and keeps the assignment; counts come back',
      body: ref(CampaignRequest), response: { 201: ref(Campaign), ...errorReplies(400, 401, 403, 404, 409, 429, 503, 504) },
    },
  }, async (request, reply) => reply.code(201).send(await campaigns.create(request.body)));

  app.get('/v1/campaigns', {
    onRequest: auth,
    schema: { ...doc, operationId: 'listCampaigns', summary: 'Every campaign, newest first', response: { 200: Type.Array(ref(Campaign)), ...errorReplies(401, 403, 429) } },
  }, async () => campaigns.list());

  app.get('/v1/campaigns/:id', {
    onRequest: auth,
    schema: { ...doc, operationId: 'getCampaign', summary: 'One campaign with its report once the guest has outcomes', params: IdParams, response: { 200: ref(Campaign), ...errorReplies(401, 403, 404, 429) } },
  }, async (request) => campaigns.show(request.params.id));
});
