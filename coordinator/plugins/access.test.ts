// Access control at each boundary (no key, wrong role, wrong party token), keys shown once and kept
// hashed, and the audit trail of API calls and job transitions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { hashSecret } from '../../protocol/auth/tokens.ts';
import { coordinatorConfig } from '../config.ts';
import { startCoordinator, type Coordinator } from '../server.ts';

const ADMIN = 'fmk_access-test-admin-0000000000';
const SCIENTIST = 'fmk_access-test-scientist-000000';
const SCORER = 'fmk_access-test-scorer-000000000';
const PARTY_TOKEN = 'fmp_access-test-party-token-0000';
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
// A job whose name is a canary: the audit trail records calls, never bodies.
const job = {
  name: 'canary-job-name-7f3a', kind: 'psi',
  parties: [
    { id: 'bank', role: 'guest', data: { path: 'bank.csv', idColumn: 'id' } },
    { id: 'insurer', role: 'host', data: { path: 'insurer.csv', idColumn: 'id' } },
  ],
};

let c: Coordinator;
beforeAll(async () => {
  c = await startCoordinator(coordinatorConfig({
    port: 0, store: ':memory:', logLevel: 'silent',
    parties: [{ id: 'bank', tokenSha256: hashSecret(PARTY_TOKEN) }, { id: 'insurer', tokenSha256: hashSecret(`${PARTY_TOKEN}-2`) }],
    apiKeys: [
      { id: 'root', role: 'admin', keySha256: hashSecret(ADMIN) },
      { id: 'alice', role: 'scientist', keySha256: hashSecret(SCIENTIST) },
      { id: 'crm', role: 'scorer', keySha256: hashSecret(SCORER) },
    ],
  }, 'test'));
});
afterAll(() => c.close());

describe('access control', () => {
  it('answers 401 FM_ERR_AUTH_KEY without a key or with a wrong one', async () => {
    for (const headers of [{}, bearer('fmk_not-a-key-00000000000000000'), { authorization: SCIENTIST }]) {
      const res = await c.app.inject({ method: 'POST', url: '/v1/jobs', headers, payload: job });
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('FM_ERR_AUTH_KEY');
    }
  });

  it('refuses job submission to a scorer key with 403 naming the role', async () => {
    const res = await c.app.inject({ method: 'POST', url: '/v1/jobs', headers: bearer(SCORER), payload: job });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'FM_ERR_AUTH_ROLE', message: expect.stringContaining('a scorer key may not do this') });
  });

  it('lets only an admin create keys; the key is shown once and stored as its SHA-256', async () => {
    const denied = await c.app.inject({ method: 'POST', url: '/v1/keys', headers: bearer(SCIENTIST), payload: { id: 'bob', role: 'scientist' } });
    expect(denied.statusCode).toBe(403);
    const created = await c.app.inject({ method: 'POST', url: '/v1/keys', headers: bearer(ADMIN), payload: { id: 'bob', role: 'scientist' } });
    expect(created.statusCode).toBe(201);
    const { key } = created.json() as { key: string };
    expect(c.store.apiKeys().find((k) => k.id === 'bob')?.keySha256).toBe(hashSecret(key));
    const listed = await c.app.inject({ method: 'GET', url: '/v1/keys', headers: bearer(ADMIN) });
    expect(listed.body).not.toContain(key);
    expect((await c.app.inject({ method: 'GET', url: '/v1/jobs', headers: bearer(key) })).statusCode).toBe(200);
  });

  it('refuses a party link with a wrong token: 401 FM_ERR_AUTH_TOKEN naming the party', async () => {
    const ws = new WebSocket(`${c.url.replace('http', 'ws')}/v1/link`, { headers: { ...bearer(`${PARTY_TOKEN}-wrong`), 'x-fedmark-party': 'bank' } });
    ws.on('error', () => undefined);
    const refused = await new Promise<{ status: number; body: string }>((resolve) => ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => { body += d.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }));
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.body)).toMatchObject({ code: 'FM_ERR_AUTH_TOKEN', message: 'party bank is not known or its token is wrong' });
    expect(c.links.isOnline('bank')).toBe(false);
  });

  it('records every API call (method, route, key id, status; no body) and every job transition', async () => {
    const submitted = await c.app.inject({ method: 'POST', url: '/v1/jobs', headers: bearer(SCIENTIST), payload: job });
    expect(submitted.statusCode).toBe(202);
    const { id } = submitted.json() as { id: string };
    const view = await c.runner.waitFor(id);
    expect(view.error?.code).toBe('FM_ERR_JOB_PARTY_OFFLINE');
    // A job whose party is offline fails before it starts: nothing ran that could be resumed.
    expect(c.store.events(id).map((e) => e.type)).toEqual(['job.queued', 'job.failed']);

    const trail = await c.app.inject({ method: 'GET', url: '/v1/events?type=api.', headers: bearer(ADMIN) });
    expect(trail.statusCode).toBe(200);
    const calls = (trail.json() as Array<{ type: string; detail: Record<string, unknown> }>).map((e) => e.detail);
    expect(calls).toContainEqual({ method: 'POST', route: '/v1/jobs', key: 'alice', status: 202 });
    expect(calls).toContainEqual({ method: 'POST', route: '/v1/jobs', key: 'crm', status: 403 });
    expect(calls).toContainEqual({ method: 'POST', route: '/v1/jobs', key: null, status: 401 });
    expect(calls).toContainEqual({ method: 'POST', route: '/v1/keys', key: 'root', status: 201 });
    expect(trail.body).not.toContain('canary-job-name');
    const jobEvents = await c.app.inject({ method: 'GET', url: '/v1/events?type=job.', headers: bearer(ADMIN) });
    expect((jobEvents.json() as Array<{ job: string; type: string }>).filter((e) => e.job === id).map((e) => e.type)).toEqual(['job.failed', 'job.queued']);
    expect((await c.app.inject({ method: 'GET', url: '/v1/events', headers: bearer(SCIENTIST) })).statusCode).toBe(403);
  });
});
