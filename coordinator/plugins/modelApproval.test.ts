// Four-eyes publishing through app.inject(): with fourEyesPublish, publish is refused; approve needs
// the approver role and a person other than the job's submitter, and records both on the card.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../protocol/auth/tokens.ts';
import type { JobSpec, ModelCard } from '../../protocol/messages/jobSpec.ts';
import { coordinatorConfig } from '../config.ts';
import { startCoordinator, type Coordinator } from '../server.ts';

const KEYS = {
  alice: 'fmk_alice-scientist-key-00000000000',
  aliceApprover: 'fmk_alice-approver-key-000000000000',
  bob: 'fmk_bob-approver-key-00000000000000',
};
const as = (key: string) => ({ authorization: `Bearer ${key}` });
let c: Coordinator;

const card: ModelCard = {
  job: 'job-1', kind: 'vertical', intersectionSize: 1000, trainRows: 700, evalRows: 300,
  featuresByParty: { bank: ['x0'], insurer: ['x1'] }, metrics: { auc: 0.715, ks: 0.365 }, lift: [], deciles: [], history: [],
  training: { epochs: 1, batchSize: 10, learningRate: 0.1, l2: 0, seed: 1 },
};
const spec = { name: 'propensity', kind: 'psi', parties: [{ id: 'bank', role: 'guest', data: { path: 'a.csv' } }, { id: 'insurer', role: 'host', data: { path: 'b.csv' } }] } as JobSpec;

beforeAll(async () => {
  c = await startCoordinator(coordinatorConfig({
    port: 0, store: ':memory:', logLevel: 'silent', fourEyesPublish: true,
    apiKeys: [
      { id: 'alice', role: 'scientist', keySha256: hashSecret(KEYS.alice) },
      { id: 'alice-approver', person: 'alice', role: 'approver', keySha256: hashSecret(KEYS.aliceApprover) },
      { id: 'bob', role: 'approver', keySha256: hashSecret(KEYS.bob) },
    ],
  }, 'test'));
  c.store.createJob('job-1', spec, 'alice');
  c.store.addModel('propensity', 'job-1', card);
  c.store.createJob('job-2', spec);
  c.store.addModel('propensity', 'job-2', { ...card, job: 'job-2' });
});
afterAll(() => c.close());

const approve = (key: string, version = 1, note?: string) =>
  c.app.inject({ method: 'POST', url: `/v1/models/propensity/versions/${version}/approve`, headers: as(key), payload: note ? { note } : {} });

describe('four-eyes publishing', () => {
  it('refuses publish when the coordinator asks for four eyes', async () => {
    const res = await c.app.inject({ method: 'POST', url: '/v1/models/propensity/versions/1/publish', headers: as(KEYS.alice) });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({ code: 'FM_ERR_MODEL_APPROVAL', message: 'model propensity version 1: this coordinator publishes only with four eyes: an approver other than its trainer runs fedmark models approve propensity 1' });
  });

  it('refuses approval by a scientist key (wrong role) and by the trainer holding an approver key', async () => {
    const wrongRole = await approve(KEYS.alice);
    expect(wrongRole.statusCode).toBe(403);
    expect(wrongRole.json()).toMatchObject({ code: 'FM_ERR_AUTH_ROLE', message: 'a scientist key may not do this (allowed: approver)' });
    const same = await approve(KEYS.aliceApprover);
    expect(same.statusCode).toBe(403);
    expect(same.json()).toEqual({ code: 'FM_ERR_MODEL_APPROVAL', message: 'model propensity version 1: alice trained it and may not also approve it; another approver must' });
    expect(c.store.model('propensity', 1)?.status).toBe('candidate');
  });

  it('publishes on a distinct approver and records trainer, approver, time and figures on the card', async () => {
    const res = await approve(KEYS.bob, 1, 'checked lift and the intersection size');
    expect(res.statusCode).toBe(200);
    const body = res.json() as { status: string; card: ModelCard };
    expect(body.status).toBe('published');
    expect(body.card.approval).toEqual({
      trainedBy: 'alice', approvedBy: 'bob', approvedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), figures: { auc: 0.715, ks: 0.365 },
      intersectionSize: 1000, evalRows: 300, note: 'checked lift and the intersection size',
    });
    expect(c.store.events('job-1').map((e) => e.type)).toEqual(expect.arrayContaining(['model.approved', 'model.published']));
    expect((await approve(KEYS.bob)).json()).toMatchObject({ code: 'FM_ERR_MODEL_STATE', message: 'model propensity version 1 is published and cannot be approved' });
  });

  it('refuses a version whose job has no recorded submitter, and records every refusal in the audit trail', async () => {
    expect((await approve(KEYS.bob, 2)).json()).toMatchObject({ code: 'FM_ERR_MODEL_APPROVAL', message: expect.stringMatching(/job job-2 has no recorded submitter/) });
    const refused = c.store.eventLog({ limit: 100, type: 'api.call' }).filter((e) => e.detail.route === '/v1/models/:name/versions/:version/approve' && e.detail.status === 403);
    expect(refused.map((e) => e.detail.key).sort()).toEqual(['alice', 'alice-approver', 'bob']);
  });

  it('lets an approver read models but not submit jobs', async () => {
    expect((await c.app.inject({ method: 'GET', url: '/v1/models/propensity/versions/1', headers: as(KEYS.bob) })).statusCode).toBe(200);
    expect((await c.app.inject({ method: 'POST', url: '/v1/jobs', headers: as(KEYS.bob), payload: spec })).statusCode).toBe(403);
  });
});
