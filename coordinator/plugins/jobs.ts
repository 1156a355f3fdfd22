// HTTP routes for jobs: submit, read, list, wait, events.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { FedmarkError } from '../../errors/table.ts';
import { JobSpecRequestSchema, JobViewSchema } from '../../protocol/messages/jobSpec.ts';
import { checkJobSpec } from '../../protocol/jobs/validate.ts';
import type { JobRunner } from '../jobs/runner.ts';
import type { Store } from '../store.ts';
import { ErrorBody } from './errors.ts';
import type { ApiKeyCheck } from './auth.ts';

const IdParams = Type.Object({ id: Type.String({ maxLength: 128 }) });

export function jobRoutes(app: FastifyInstance, deps: { runner: JobRunner; store: Store; auth: ApiKeyCheck }): void {
  const { runner, store, auth } = deps;
  const errors = { 400: ErrorBody, 401: ErrorBody, 404: ErrorBody };

  app.post('/v1/jobs', {
    onRequest: auth,
    // The schema documents the body; checkJobSpec checks it against the variant of the job's own
    // kind and names the field of a problem, where a validator of the union could not (and one
    // that removes unknown properties would strip one kind's sections while trying another's).
    validatorCompiler: () => (value: unknown) => ({ value }),
    schema: { summary: 'Submit a job', body: JobSpecRequestSchema, response: { 202: Type.Object({ id: Type.String() }), ...errors } },
  }, async (request, reply) => {
    const checked = checkJobSpec(request.body);
    if ('problem' in checked) throw new FedmarkError('FM_ERR_JOB_INVALID', { file: 'request', field: checked.problem.field, reason: checked.problem.reason });
    const id = runner.submit(checked.spec);
    return reply.code(202).send({ id });
  });

  app.get('/v1/jobs', {
    onRequest: auth,
    schema: { summary: 'List jobs, newest first', response: { 200: Type.Array(JobViewSchema), ...errors } },
  }, async () => store.jobs());

  app.get('/v1/jobs/:id', {
    onRequest: auth,
    schema: { summary: 'Read one job', params: IdParams, response: { 200: JobViewSchema, ...errors } },
  }, async (request) => {
    const { id } = request.params as { id: string };
    const view = store.job(id);
    if (!view) throw new FedmarkError('FM_ERR_JOB_NOT_FOUND', { job: id });
    return view;
  });

  app.get('/v1/jobs/:id/wait', {
    onRequest: auth,
    schema: { summary: 'Wait until the job has finished and read it', params: IdParams, response: { 200: JobViewSchema, ...errors } },
  }, async (request) => runner.waitFor((request.params as { id: string }).id));

  app.post('/v1/jobs/:id/cancel', {
    onRequest: auth,
    schema: { summary: 'Cancel a running job: every party is told to stop; returns the cancelled job', params: IdParams, response: { 200: JobViewSchema, ...errors, 409: ErrorBody } },
  }, async (request) => runner.cancel((request.params as { id: string }).id));

  app.get('/v1/jobs/:id/events', {
    onRequest: auth,
    schema: {
      summary: 'The events of one job',
      params: IdParams,
      response: { 200: Type.Array(Type.Object({ at: Type.String(), type: Type.String(), detail: Type.Record(Type.String(), Type.Unknown()) })), ...errors },
    },
  }, async (request) => {
    const { id } = request.params as { id: string };
    if (!store.job(id)) throw new FedmarkError('FM_ERR_JOB_NOT_FOUND', { job: id });
    return store.events(id);
  });
}
