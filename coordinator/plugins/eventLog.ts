// The coordinator's event log over HTTP (jobs, parties' dataset reports, models, keys), and the
// datasets each party last reported: aggregates from job.ready (counts and missing rates), never values.
import { Type, type Static } from '@sinclair/typebox';
import type { Store } from '../store.ts';
import type { ApiKeyCheck } from './auth.ts';
import { errorReplies } from './errors.ts';
import { routePlugin } from './routePlugin.ts';
import { named, ref } from './schemaRef.ts';

const Event = named('Event', Type.Object({ id: Type.Integer(), job: Type.Union([Type.String(), Type.Null()]), at: Type.String(), type: Type.String(), detail: Type.Record(Type.String(), Type.Unknown()) }));
const DatasetReport = named('DatasetReport', Type.Object({
  party: Type.String(),
  path: Type.String({ description: 'the table as the job named it: a dataset of the party\'s catalogue (or, under fedmark simulate, a path at the party)' }),
  job: Type.String(),
  at: Type.String(),
  stats: Type.Record(Type.String(), Type.Unknown(), { description: 'totalRows, consentingRows, droppedWithoutConsent, features, labelPositives, missingRate' }),
}));

export const eventLogRoutes = routePlugin<{ store: Store; auth: ApiKeyCheck; adminOnly: ApiKeyCheck }>('event-log', async (app, { store, auth, adminOnly }) => {
  for (const schema of [Event, DatasetReport]) app.addSchema(schema);
  // The log holds the audit trail of API calls (key ids, routes): admins only.
  app.get('/v1/events', {
    onRequest: adminOnly,
    schema: {
      tags: ['events'], security: adminOnly.security, operationId: 'listEvents',
      summary: 'The event log, newest first: job transitions and progress, parties\' dataset reports, models, keys',
      querystring: Type.Object({
        type: Type.Optional(Type.String({ maxLength: 64, description: 'a type prefix, e.g. job. or model.' })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 500 })),
      }, { additionalProperties: false }),
      response: { 200: Type.Array(ref(Event)), ...errorReplies(400, 401, 403, 429) },
    },
  }, async (request) => {
    const q = request.query;
    return store.eventLog({ limit: q.limit ?? 500, ...(q.type ? { type: q.type } : {}) });
  });

  app.get('/v1/parties/datasets', {
    onRequest: auth,
    schema: {
      tags: ['parties'], security: auth.security, operationId: 'listDatasetReports',
      summary: 'The latest report of each party about each table it served', response: { 200: Type.Array(ref(DatasetReport)), ...errorReplies(401, 403, 429) },
    },
  }, async () => {
    const latest = new Map<string, Static<typeof DatasetReport>>();
    for (const e of store.eventLog({ limit: 2000, type: 'party.ready' })) {
      const { party, ...stats } = e.detail as { party?: unknown };
      if (typeof party !== 'string' || e.job === null) continue;
      const data = store.jobSpec(e.job)?.parties.find((p) => p.id === party)?.data;
      const path = data?.dataset ?? data?.path ?? '?';
      const key = `${party}\u0000${path}`;
      if (!latest.has(key)) latest.set(key, { party, path, job: e.job, at: e.at, stats });
    }
    return [...latest.values()];
  });
});
