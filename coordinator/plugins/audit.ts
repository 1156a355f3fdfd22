// The coordinator's audit trail: every API call is recorded as an event (method, route pattern,
// key id, status; never bodies, IDs or the key itself). Admins read it at GET /v1/events.
import type { FastifyInstance } from 'fastify';
import type { Store } from '../store.ts';
import { apiKeyOf } from './auth.ts';

/** Registers the recording hook; call it before the routes it should see. */
export function recordApiCalls(app: FastifyInstance, store: Store): void {
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, not the URL: a path holds model names and job ids, but a pattern is enough to audit.
    const route = request.routeOptions.url ?? '(no route)';
    store.event(null, 'api.call', { method: request.method, route, key: apiKeyOf(request) ?? null, status: reply.statusCode });
  });
}
