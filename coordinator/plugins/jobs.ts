// HTTP routes for jobs: submit, read, list, wait, cancel, events.
import { Type } from '@sinclair/typebox';
import { FedmarkError } from '../../errors/table.ts';
import { JobSpecRequestSchema, JobViewSchema } from '../../protocol/messages/jobSpec.ts';
import { checkJobSpec } from '../../protocol/jobs/validate.ts';
import type { JobRunner } from '../jobs/runner.ts';
import type { Store } from '../store.ts';
import { personOf, type ApiKeyCheck } from './auth.ts';
import { errorReplies } from './errors.ts';
import { routePlugin } from './routePlugin.ts';
import { named, ref } from './schemaRef.ts';

const JobSpec = named('JobSpec', JobSpecRequestSchema);
const JobView = named('JobView', JobViewSchema);
const JobEvent = named('JobEvent', Type.Object({ at: Type.String(), type: Type.String(), detail: Type.Record(Type.String(), Type.Unknown()) }));
const IdParams = Type.Object({ id: Type.String({ maxLength: 128 }) });

export const jobRoutes = routePlugin<{ runner: JobRunner; store: Store; auth: ApiKeyCheck }>('jobs', async (app, { runner, store, auth }) => {
  for (const schema of [JobSpec, JobView, JobEvent]) app.addSchema(schema);
  const doc = { tags: ['jobs'], security: auth.security };
  const errors = errorReplies(400, 401, 403, 404, 429);

  app.post('/v1/jobs', {
    onRequest: auth,
    // The schema documents the body; checkJobSpec checks it against the variant of the job's own
    // kind and names the field of a problem, where a validator of the union could not (and one
    // that removes unknown properties would strip one kind's sections while trying another's).
    validatorCompiler: () => (value: unknown) => ({ value }),
    schema: { ...doc, operationId: 'submitJob', summary: 'Submit a job', body: ref(JobSpec), response: { 202: Type.Object({ id: Type.String() }), ...errorReplies(400, 401, 403, 429) } },
  }, async (request, reply) => {
    const checked = checkJobSpec(request.body);
    if ('problem' in checked) throw new FedmarkError('FM_ERR_JOB_INVALID', { file: 'request', field: checked.problem.field, reason: checked.problem.reason });
    const id = runner.submit(checked.spec, personOf(request));
    return reply.code(202).send({ id });
  });

  app.get('/v1/jobs', {
    onRequest: auth,
    schema: { ...doc, operationId: 'listJobs', summary: 'List jobs, newest first', response: { 200: Type.Array(ref(JobView)), ...errorReplies(401, 403, 429) } },
  }, async () => store.jobs());

  app.get('/v1/jobs/:id', {
    onRequest: auth,
    schema: { ...doc, operationId: 'getJob', summary: 'Read one job', params: IdParams, response: { 200: ref(JobView), ...errors } },
  }, async (request) => {
    const { id } = request.params;
    const view = store.job(id);
    if (!view) throw new FedmarkError('FM_ERR_JOB_NOT_FOUND', { job: id });
    return view;
  });

  app.get('/v1/jobs/:id/wait', {
    onRequest: auth,
    schema: { ...doc, operationId: 'waitForJob', summary: 'Wait until the job has finished and read it', params: IdParams, response: { 200: ref(JobView), ...errors } },
  }, async (request) => runner.waitFor(request.params.id));

  app.post('/v1/jobs/:id/cancel', {
    onRequest: auth,
    schema: {
      ...doc, operationId: 'cancelJob', summary: 'Cancel a running job: every party is told to stop; returns the cancelled job',
      params: IdParams, response: { 200: ref(JobView), ...errors, ...errorReplies(409) },
    },
  }, async (request) => runner.cancel(request.params.id));

  app.get('/v1/jobs/:id/events', {
    onRequest: auth,
    schema: { ...doc, operationId: 'listJobEvents', summary: 'The events of one job', params: IdParams, response: { 200: Type.Array(ref(JobEvent)), ...errors } },
  }, async (request) => {
    const { id } = request.params;
    if (!store.job(id)) throw new FedmarkError('FM_ERR_JOB_NOT_FOUND', { job: id });
    return store.events(id);
  });
});
