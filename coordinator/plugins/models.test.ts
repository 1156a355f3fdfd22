// Registry routes through app.inject(): list, read, publish, retire, and the errors a caller meets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../protocol/auth/tokens.ts';
import type { ModelCard } from '../../protocol/messages/jobSpec.ts';
import { coordinatorConfig } from '../config.ts';
import { startCoordinator, type Coordinator } from '../server.ts';

const KEY = 'fmk_registry-test-key-000000000';
let c: Coordinator;
const auth = { authorization: `Bearer ${KEY}` };

const card = (auc: number): ModelCard => ({
  job: 'job-x', kind: 'vertical', intersectionSize: 100, trainRows: 70, evalRows: 30,
  featuresByParty: { bank: ['x0', '(intercept)'], insurer: ['x1'] }, metrics: { auc, ks: 0.4 }, lift: [], deciles: [], history: [],
  training: { epochs: 1, batchSize: 10, learningRate: 0.1, l2: 0, seed: 1 },
});

beforeAll(async () => {
  c = await startCoordinator(coordinatorConfig({ port: 0, store: ':memory:', logLevel: 'silent', apiKeys: [{ id: 'alice', role: 'scientist', keySha256: hashSecret(KEY) }] }, 'test'));
  c.store.addModel('propensity', 'job-1', card(0.71));
  c.store.addModel('propensity', 'job-2', card(0.72));
});
afterAll(() => c.close());

describe('model registry API', () => {
  it('limits each key to its rate per minute', async () => {
    const key = 'fmk_rate-limited-key-000000000000';
    const limited = await startCoordinator(coordinatorConfig({ port: 0, store: ':memory:', logLevel: 'silent', apiKeys: [{ id: 'bot', role: 'scientist', keySha256: hashSecret(key), ratePerMinute: 3 }] }, 'test'));
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await limited.app.inject({ method: 'GET', url: '/v1/models', headers: { authorization: `Bearer ${key}` } })).statusCode);
    expect(codes).toEqual([200, 200, 200, 429]);
    await limited.close();
  });

  it('lists versions newest first as candidates, with metrics, and needs a key', async () => {
    const res = await c.app.inject({ method: 'GET', url: '/v1/models', headers: auth });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject([{ name: 'propensity', version: 2, status: 'candidate', metrics: { auc: 0.72 } }, { version: 1 }]);
    expect((await c.app.inject({ method: 'GET', url: '/v1/models' })).statusCode).toBe(401);
  });

  it('publishes and retires a version; a retired version cannot be published again', async () => {
    const pub = await c.app.inject({ method: 'POST', url: '/v1/models/propensity/versions/1/publish', headers: auth });
    expect(pub.json()).toMatchObject({ version: 1, status: 'published' });
    const ret = await c.app.inject({ method: 'POST', url: '/v1/models/propensity/versions/1/retire', headers: auth });
    expect(ret.json()).toMatchObject({ status: 'retired' });
    const again = await c.app.inject({ method: 'POST', url: '/v1/models/propensity/versions/1/publish', headers: auth });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'FM_ERR_MODEL_STATE', message: 'model propensity version 1 is retired and cannot publish' });
    const detail = await c.app.inject({ method: 'GET', url: '/v1/models/propensity/versions/2', headers: auth });
    expect(detail.json().card.featuresByParty.insurer).toEqual(['x1']);
  });

  it('names what is missing or malformed', async () => {
    const missing = await c.app.inject({ method: 'GET', url: '/v1/models/propensity/versions/9', headers: auth });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().message).toBe('model propensity version 9 not found');
    const bad = await c.app.inject({ method: 'GET', url: '/v1/models/propensity/versions/zero', headers: auth });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'FM_ERR_WIRE_REQUEST' });
    expect(bad.json().message).toContain('version');
  });
});
