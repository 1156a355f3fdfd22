// The coordinator's audit trail over HTTP: every API call is recorded as an event (method, route
// pattern, key id, status; never bodies, IDs or the key itself), and an admin reads the trail back.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Store } from '../store.ts';
import { apiKeyOf, type ApiKeyCheck } from './auth.ts';
import { ErrorBody } from './errors.ts';

const Event = Type.Object({
  id: Type.Integer(),
  job: Type.Union([Type.String(), Type.Null()]),
  at: Type.String(),
  type: Type.String(),
  detail: Type.Record(Type.String(), Type.Unknown()),
});

/** Registers the recording hook; call it before the routes it should see. */
export function recordApiCalls(app: FastifyInstance, store: Store): void {
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, not the URL: a path holds model names and job ids, but a pattern is enough to audit.
    const route = request.routeOptions.url ?? '(no route)';
    store.event(null, 'api.call', { method: request.method, route, key: apiKeyOf(request) ?? null, status: reply.statusCode });
  });
}

export function auditRoutes(app: FastifyInstance, deps: { store: Store; adminOnly: ApiKeyCheck }): void {
  app.get('/v1/events', {
    onRequest: deps.adminOnly,
    schema: {
      summary: 'The audit trail, newest first (admin): API calls, key creations, job transitions',
      querystring: Type.Object({
        type: Type.Optional(Type.String({ maxLength: 64, description: 'a type prefix, e.g. api. or job.' })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 500 })),
      }, { additionalProperties: false }),
      response: { 200: Type.Array(Event), 401: ErrorBody, 403: ErrorBody },
    },
  }, async (request) => {
    const q = request.query as { type?: string; limit?: number };
    return deps.store.auditTrail({ limit: q.limit ?? 500, ...(q.type ? { type: q.type } : {}) });
  });
}
