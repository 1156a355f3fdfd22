// Live job stream for the dashboard and `fedmark job submit --watch`: Server-Sent Events over an
// ordinary authenticated GET (clients read it with fetch streaming, so the API key travels in the
// Authorization header, never in a URL). The stream opens with the job and its past events, then
// carries each new event as it is recorded (train.epoch is the guest's per-epoch progress) and the
// job again whenever its state changes; it ends with `end` once the job has finished.
import { Type } from '@sinclair/typebox';
import { FedmarkError } from '../../errors/table.ts';
import type { Store, StoredEvent } from '../store.ts';
import type { ApiKeyCheck } from './auth.ts';
import { errorReplies } from './errors.ts';
import { routePlugin } from './routePlugin.ts';

const IdParams = Type.Object({ id: Type.String({ maxLength: 128 }) });
const ENDED: ReadonlySet<string> = new Set(['succeeded', 'failed', 'cancelled', 'rejected']);
const KEEPALIVE_MS = 15_000;

export const liveRoutes = routePlugin<{ store: Store; auth: ApiKeyCheck }>('live', async (app, { store, auth }) => {
  app.get('/v1/jobs/:id/live', {
    onRequest: auth,
    schema: {
      tags: ['jobs'], security: auth.security, operationId: 'followJob',
      summary: 'Follow one job live (text/event-stream)',
      description: 'Server-Sent Events: `job` (the job view, first and on every state change), `event` (each job event, past ones first), `end` (the job has finished; the stream closes).',
      params: IdParams,
      response: { 200: { description: 'An event stream', content: { 'text/event-stream': { schema: Type.String() } } }, ...errorReplies(401, 403, 404, 429) },
    },
  }, async (request, reply) => {
    const { id } = request.params;
    const first = store.job(id);
    if (!first) throw new FedmarkError('FM_ERR_JOB_NOT_FOUND', { job: id });
    reply.hijack();
    const out = reply.raw;
    out.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    const send = (event: string, data: unknown) => out.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      store.recorded.off('event', onEvent);
      clearInterval(keepalive);
      out.end();
    };
    const onEvent = (e: StoredEvent) => {
      if (e.job !== id) return;
      send('event', { at: e.at, type: e.type, detail: e.detail });
      // A party's approval changes what the job view shows (who is still to approve).
      if (!e.type.startsWith('job.') && !e.type.startsWith('approval.')) return;
      const view = store.job(id);
      send('job', view);
      if (view && ENDED.has(view.state)) {
        send('end', { state: view.state });
        close();
      }
    };
    // Backlog and subscription in one synchronous step: no event is lost or sent twice.
    send('job', first);
    for (const e of store.events(id)) send('event', e);
    if (ENDED.has(first.state)) {
      send('end', { state: first.state });
      return void out.end();
    }
    store.recorded.on('event', onEvent);
    const keepalive = setInterval(() => out.write(': keepalive\n\n'), KEEPALIVE_MS);
    // The response's close: the client went away (the request's own close fires once its body is read).
    out.on('close', close);
  });
});
