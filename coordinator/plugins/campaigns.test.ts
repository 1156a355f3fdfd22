// Campaign routes through app.inject(): the checks made before any party is asked, with no party
// connected (a request that passed them would need the model's parties online).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../protocol/auth/tokens.ts';
import type { JobSpec, ModelCard } from '../../protocol/messages/jobSpec.ts';
import { coordinatorConfig } from '../config.ts';
import { startCoordinator, type Coordinator } from '../server.ts';

const KEY = 'fmk_campaign-test-key-000000000';
const SCORER = 'fmk_campaign-scorer-key-0000000';
let c: Coordinator;
const auth = { authorization: `Bearer ${KEY}` };

const card: ModelCard = {
  job: 'job-v', kind: 'vertical', intersectionSize: 100, trainRows: 70, evalRows: 30,
  featuresByParty: { bank: ['x0'], insurer: ['x1'] }, metrics: { auc: 0.7 }, lift: [], deciles: [], history: [],
  training: { epochs: 1, batchSize: 10, learningRate: 0.1, l2: 0, seed: 1 },
};
const spec = {
  name: 'propensity', kind: 'vertical', model: 'logistic',
  parties: [{ id: 'bank', role: 'guest', data: { path: 'a.csv', idColumn: 'id', labelColumn: 'y' } }, { id: 'insurer', role: 'host', data: { path: 'b.csv', idColumn: 'id' } }],
} as unknown as JobSpec;

beforeAll(async () => {
  c = await startCoordinator(coordinatorConfig({
    port: 0, store: ':memory:', logLevel: 'silent',
    apiKeys: [{ id: 'alice', role: 'scientist', keySha256: hashSecret(KEY) }, { id: 'crm', role: 'scorer', keySha256: hashSecret(SCORER) }],
  }, 'test'));
  c.store.createJob('job-v', spec);
  c.store.addModel('propensity', 'job-v', card);
  c.store.addModel('propensity', 'job-v', card);
  c.store.setModelStatus('propensity', 1, 'published');
  c.store.setModelStatus('propensity', 2, 'retired');
});
afterAll(() => c.close());

const create = (body: Record<string, unknown>, headers = auth) => c.app.inject({ method: 'POST', url: '/v1/campaigns', headers, payload: { name: 'c1', model: 'propensity', target: { topPercent: 20 }, controlFraction: 0.2, ...body } });

describe('campaign routes', () => {
  it('refuses a control fraction of 0 or 1, naming it', async () => {
    for (const controlFraction of [0, 1]) {
      const res = await create({ controlFraction });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 'FM_ERR_CAMPAIGN_INPUT', message: `campaign controlFraction: must be strictly between 0 and 1: a control group needs customers held back and customers contacted (got ${controlFraction})` });
    }
    expect((await create({ controlFraction: 1.5 })).json()).toMatchObject({ code: 'FM_ERR_WIRE_REQUEST' });
  });

  it('refuses an unknown model, a retired version, and a guest-alone arm on a propensity model', async () => {
    expect((await create({ model: 'nope' })).json()).toMatchObject({ code: 'FM_ERR_MODEL_NOT_FOUND' });
    const retired = await create({ version: 2 });
    expect(retired.statusCode).toBe(409);
    expect(retired.json().message).toBe('model propensity version 2 is retired and cannot run a campaign (publish a version first)');
    expect((await create({ guestArm: true })).json()).toMatchObject({ code: 'FM_ERR_CAMPAIGN_INPUT', message: expect.stringMatching(/guestArm: propensity is a propensity model/) });
  });

  it('needs the model\'s parties online, and asks none of them before its checks pass', async () => {
    const res = await create({});
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ code: 'FM_ERR_JOB_PARTY_OFFLINE' });
  });

  it('lists none yet, names an unknown campaign, and is closed to scorer keys', async () => {
    expect((await c.app.inject({ method: 'GET', url: '/v1/campaigns', headers: auth })).json()).toEqual([]);
    const missing = await c.app.inject({ method: 'GET', url: '/v1/campaigns/cmp-0000', headers: auth });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().message).toBe('campaign cmp-0000 not found');
    expect((await create({}, { authorization: `Bearer ${SCORER}` })).statusCode).toBe(403);
  });
});
