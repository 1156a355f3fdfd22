// GET /metrics in the Prometheus text format; a key is needed, as for the rest of the API.
import { Type } from '@sinclair/typebox';
import type { CoordinatorMetrics } from '../metrics.ts';
import type { ApiKeyCheck } from './auth.ts';
import { errorReplies } from './errors.ts';
import { routePlugin } from './routePlugin.ts';

export const metricsRoute = routePlugin<{ metrics: CoordinatorMetrics; auth: ApiKeyCheck }>('metrics', async (app, { metrics, auth }) => {
  app.get('/metrics', {
    onRequest: auth,
    schema: {
      tags: ['metrics'], security: auth.security, operationId: 'getMetrics', summary: 'Prometheus metrics (admin or scientist key)',
      response: {
        200: { description: 'The Prometheus text exposition format', content: { 'text/plain': { schema: Type.String() } } },
        ...errorReplies(401, 403, 429),
      },
    },
  }, async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
});
