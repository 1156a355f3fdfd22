// Lookalike audiences over HTTP: POST /v1/models/{name}/versions/{version}/audience re-cuts the
// audience of a lookalike model at another size without retraining. The guest writes the new file
// at its premises from its stored scores; the reply says only where (a path at the guest) and how many.
// A horizontal lookalike model has one audience per member: the request names the member.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { FedmarkError } from '../../errors/table.ts';
import type { ScoringService } from '../scoring/service.ts';
import type { Store } from '../store.ts';
import type { ApiKeyCheck } from './auth.ts';
import { ErrorBody } from './errors.ts';

const Body = Type.Object(
  {
    audienceFraction: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
    audienceSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000 })),
    /** Horizontal lookalike models: the member whose audience to re-cut. */
    member: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
);
const Reply = Type.Object({
  model: Type.String(), version: Type.Integer(),
  audience: Type.Object({ party: Type.String(), path: Type.String(), size: Type.Integer() }),
});

export function audienceRoutes(app: FastifyInstance, deps: { scoring: ScoringService; store: Store; auth: ApiKeyCheck }): void {
  const { scoring, store, auth } = deps;
  app.post('/v1/models/:name/versions/:version/audience', {
    onRequest: auth,
    schema: {
      summary: 'Re-cut the audience of a lookalike model at another size (written at the guest, not returned)',
      params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 256 }), version: Type.Integer({ minimum: 1 }) }),
      body: Body,
      response: { 200: Reply, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody, 504: ErrorBody },
    },
  }, async (request) => {
    const { name, version } = request.params as { name: string; version: number };
    const { member, ...body } = request.body as { audienceFraction?: number; audienceSize?: number; member?: string };
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
}
