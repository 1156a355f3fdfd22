// Submitting a job over HTTP: the body reaches the runner as sent, whatever its kind (a validator
// of the kinds' union must not strip one kind's sections while it tries another's), and a bad job
// is refused naming the field in the job's own kind.
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import type { JobSpec } from '../../protocol/messages/jobSpec.ts';
import type { JobRunner } from '../jobs/runner.ts';
import type { Store } from '../store.ts';
import { NO_KEY } from './auth.ts';
import { errorHandler } from './errors.ts';
import { jobRoutes } from './jobs.ts';

async function app(submitted: JobSpec[]) {
  const server = Fastify();
  await server.register(errorHandler);
  const runner = { submit: (spec: JobSpec) => (submitted.push(spec), 'job-1') } as unknown as JobRunner;
  await server.register(jobRoutes, { runner, store: {} as Store, auth: Object.assign(async () => undefined, { security: NO_KEY }) });
  await server.ready();
  return server;
}

const parties = [{ id: 'bank', role: 'guest', data: { path: '/a.csv', idColumn: 'id', labelColumn: 'y' } }, { id: 'insurer', role: 'host', data: { path: '/b.csv', idColumn: 'id' } }];

describe('POST /v1/jobs', () => {
  it('passes a vertical job on with its own sections, and names the field of a problem', async () => {
    const submitted: JobSpec[] = [];
    const server = await app(submitted);
    const job = { name: 'v', kind: 'vertical', model: 'logistic', training: { epochs: 7, learningRate: 0.15 }, validation: { fraction: 0.25 }, parties };
    const ok = await server.inject({ method: 'POST', url: '/v1/jobs', payload: job });
    expect(ok.statusCode).toBe(202);
    expect(submitted[0]).toMatchObject({ kind: 'vertical', model: 'logistic', training: { epochs: 7, learningRate: 0.15 }, validation: { fraction: 0.25 } });
    const bad = await server.inject({ method: 'POST', url: '/v1/jobs', payload: { ...job, training: { epochs: 0 } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'FM_ERR_JOB_INVALID', message: expect.stringContaining('training.epochs') });
    await server.close();
  });
});
