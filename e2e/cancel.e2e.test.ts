// Cancelling a running job: the coordinator's pending waits fail at once, every party is told to
// stop (and is free for the next job), the job ends `cancelled` with FM_ERR_JOB_CANCELLED, and
// only admin or scientist keys may cancel, only while the job runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobView } from '../protocol/messages/jobSpec.ts';
import { breastVertical, startDeployment, type Deployment } from './deployment.fixture.ts';

let d: Deployment;
beforeAll(async () => {
  d = await startDeployment('cancel', ['guest', 'host']);
});
afterAll(async () => d?.close());

describe('job cancel', () => {
  it('stops a training job at every party and records it as cancelled', async () => {
    const { body: { id } } = await d.api<{ id: string }>('POST', '/v1/jobs', breastVertical('long-training', 2000));
    await d.firstEpoch(id);

    const denied = await d.api<{ code: string }>('POST', `/v1/jobs/${id}/cancel`, undefined, d.keys.scorer);
    expect(denied).toMatchObject({ status: 403, body: { code: 'FM_ERR_AUTH_ROLE' } });

    const cancelled = await d.api<JobView>('POST', `/v1/jobs/${id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ id, state: 'cancelled', error: { code: 'FM_ERR_JOB_CANCELLED' } });
    expect(cancelled.body.result).toBeUndefined();
    const types = d.coordinator.store.events(id).map((e) => e.type);
    expect(types).toContain('job.cancelled');
    expect(types).not.toContain('model.registered');
    // Training stopped well short of its 2000 epochs.
    expect(types.filter((t) => t === 'train.epoch').length).toBeLessThan(200);

    const again = await d.api<{ code: string; message: string }>('POST', `/v1/jobs/${id}/cancel`);
    expect(again).toMatchObject({ status: 409, body: { code: 'FM_ERR_JOB_STATE' } });
    expect(again.body.message).toContain('is cancelled');
    expect((await d.api<{ code: string }>('POST', '/v1/jobs/job-nope/cancel')).body.code).toBe('FM_ERR_JOB_NOT_FOUND');

    // The parties dropped the cancelled job: the next one runs to the end.
    const next = await d.api<{ id: string }>('POST', '/v1/jobs', breastVertical('after-cancel', 2));
    const done = await d.coordinator.runner.waitFor(next.body.id);
    expect(done.state).toBe('succeeded');
    expect(done.result?.psi?.intersectionSize).toBe(569);
  });
});
