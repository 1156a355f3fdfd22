// Online scoring over HTTP: POST /v1/models/{name}/score (newest published version) and
// /v1/models/{name}/versions/{version}/score, up to 10,000 IDs per call. Scorer keys may call these
// and nothing else.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ScoringService } from '../scoring/service.ts';
import type { ApiKeyCheck } from './auth.ts';
import { ErrorBody } from './errors.ts';

const Body = Type.Object(
  { ids: Type.Array(Type.String({ minLength: 1, maxLength: 256, pattern: '^[^\\r\\n]+$' }), { minItems: 1, maxItems: 10_000 }) },
  { additionalProperties: false },
);
const Result = Type.Object({
  id: Type.String(),
  score: Type.Union([Type.Number(), Type.Null()]),
  decile: Type.Union([Type.Integer({ minimum: 1, maximum: 10 }), Type.Null()]),
  status: Type.Union([Type.Literal('ok'), Type.Literal('unknown'), Type.Literal('no-consent')]),
});
const Reply = Type.Object({ model: Type.String(), version: Type.Integer(), results: Type.Array(Result) });
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody, 504: ErrorBody };

export function scoringRoutes(app: FastifyInstance, deps: { scoring: ScoringService; auth: ApiKeyCheck }): void {
  const { scoring, auth } = deps;
  const handle = async (name: string, version: number | undefined, ids: string[]) => {
    const model = scoring.resolve(name, version);
    return { model: model.name, version: model.version, results: await scoring.score(model, ids) };
  };
  app.post('/v1/models/:name/score', {
    onRequest: auth,
    schema: { summary: 'Score customers by ID with the newest published version', params: Type.Object({ name: Type.String({ maxLength: 256 }) }), body: Body, response: { 200: Reply, ...errors } },
  }, async (request) => handle((request.params as { name: string }).name, undefined, (request.body as { ids: string[] }).ids));
  app.post('/v1/models/:name/versions/:version/score', {
    onRequest: auth,
    schema: { summary: 'Score customers by ID with one version', params: Type.Object({ name: Type.String({ maxLength: 256 }), version: Type.Integer({ minimum: 1 }) }), body: Body, response: { 200: Reply, ...errors } },
  }, async (request) => {
    const { name, version } = request.params as { name: string; version: number };
    return handle(name, version, (request.body as { ids: string[] }).ids);
  });
}
