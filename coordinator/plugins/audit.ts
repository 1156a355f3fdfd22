// The coordinator's audit trail: every API call is recorded as an event (method, route pattern,
// key id, status; never bodies, IDs or the key itself). Admins read it at GET /v1/events.
import fp from 'fastify-plugin';
import type { Store } from '../store.ts';
import { apiKeyOf } from './auth.ts';

/** Not encapsulated, so its hook sees every route: register it before them. */
export const recordApiCalls = fp<{ store: Store }>(async (app, { store }) => {
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, not the URL: a path holds model names and job ids, but a pattern is enough to audit.
    const route = request.routeOptions.url ?? '(no route)';
    store.event(null, 'api.call', { method: request.method, route, key: apiKeyOf(request) ?? null, status: reply.statusCode });
  });
}, { name: 'fedmark-audit', fastify: '5.x' });
