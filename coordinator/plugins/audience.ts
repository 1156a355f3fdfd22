// Lookalike audiences over HTTP: POST /v1/models/{name}/versions/{version}/audience re-cuts the
// audience of a lookalike model at another size without retraining. The guest writes the new file
// at its premises from its stored scores; the reply says only where (a path at the guest) and how many.
// A horizontal lookalike model has one audience per member: the request names the member.
import { Type } from '@sinclair/typebox';
import { FedmarkError } from '../../errors/table.ts';
import type { ScoringService } from '../scoring/service.ts';
import type { Store } from '../store.ts';
import type { ApiKeyCheck } from './auth.ts';
import { errorReplies } from './errors.ts';
import { routePlugin } from './routePlugin.ts';
import { named, ref } from './schemaRef.ts';

const AudienceRequest = named('AudienceRequest', Type.Object(
  {
    audienceFraction: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
    audienceSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000 })),
    /** Horizontal lookalike models: the member whose audience to re-cut. */
    member: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
));
const AudienceReply = named('AudienceReply', Type.Object({
  model: Type.String(), version: Type.Integer(),
  audience: Type.Object({ party: Type.String(), path: Type.String({ description: 'a path at the guest (or the member)' }), size: Type.Integer() }),
}));

export const audienceRoutes = routePlugin<{ scoring: ScoringService; store: Store; auth: ApiKeyCheck }>('audience', async (app, { scoring, store, auth }) => {
  for (const schema of [AudienceRequest, AudienceReply]) app.addSchema(schema);
  app.post('/v1/models/:name/versions/:version/audience', {
    onRequest: auth,
    schema: {
      tags: ['audiences'], security: auth.security, operationId: 'recutAudience',
      summary: 'Re-cut the audience of a lookalike model at another size (written at the guest, not returned)',
      params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 256 }), version: Type.Integer({ minimum: 1 }) }),
      body: ref(AudienceRequest),
      response: { 200: ref(AudienceReply), ...errorReplies(400, 401, 403, 404, 409, 429, 503, 504) },
    },
  }, async (request) => {
    const { name, version } = request.params;
    const { member, ...body } = request.body;
    if ((body.audienceFraction === undefined) === (body.audienceSize === undefined)) {
      throw new FedmarkError('FM_ERR_WIRE_REQUEST', { field: 'body', reason: 'give audienceFraction or audienceSize, one of them' });
    }
    const model = store.model(name, version);
    if (!model) throw new FedmarkError('FM_ERR_MODEL_NOT_FOUND', { name, version });
    if (!model.card.lookalike && !model.card.memberLookalike) throw new FedmarkError('FM_ERR_MODEL_STATE', { name, version, status: 'a propensity model', action: 're-cut an audience' });
    if (model.status === 'retired') throw new FedmarkError('FM_ERR_MODEL_STATE', { name, version, status: model.status, action: 're-cut an audience' });
    const members = Object.keys(model.card.memberLookalike ?? {});
    if (members.length > 0 && (member === undefined || !members.includes(member))) {
      throw new FedmarkError('FM_ERR_WIRE_REQUEST', { field: 'member', reason: `a horizontal lookalike model has an audience per member: name one of ${members.join(', ')}` });
    }
    if (members.length === 0 && member !== undefined) throw new FedmarkError('FM_ERR_WIRE_REQUEST', { field: 'member', reason: 'a vertical lookalike model has one audience, at the guest' });
    return { model: name, version, audience: await scoring.recutAudience(model, body, member) };
  });
});
