// Key lifecycle at the HTTP boundary: revocation and expiry refuse a key with 401 and a code naming
// the key's id (never the key), and a key over its rate is told when to come back (Retry-After).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../protocol/auth/tokens.ts';
import { coordinatorConfig } from '../config.ts';
import { startCoordinator, type Coordinator } from '../server.ts';
import { retryAfterSeconds } from './auth.ts';

const ADMIN = 'fmk_keys-test-admin-000000000000';
const SCIENTIST = 'fmk_keys-test-scientist-00000000';
const EXPIRED = 'fmk_keys-test-expired-0000000000';
const SLOW = 'fmk_keys-test-slow-00000000000000';
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

let c: Coordinator;
beforeAll(async () => {
  c = await startCoordinator(coordinatorConfig({
    port: 0, store: ':memory:', logLevel: 'silent',
    apiKeys: [
      { id: 'root', role: 'admin', keySha256: hashSecret(ADMIN) },
      { id: 'alice', role: 'scientist', keySha256: hashSecret(SCIENTIST) },
      { id: 'old', role: 'scientist', keySha256: hashSecret(EXPIRED), expiresAt: '2020-01-01' },
      { id: 'slow', role: 'scientist', keySha256: hashSecret(SLOW), ratePerMinute: 2 },
    ],
  }, 'test'));
});
afterAll(() => c.close());

const get = (key: string) => c.app.inject({ method: 'GET', url: '/v1/models', headers: bearer(key) });

describe('API key revocation, expiry and rate', () => {
  it('a revoked key is refused at once with 401 FM_ERR_AUTH_KEY_REVOKED; only an admin revokes, and only a key that exists', async () => {
    const created = await c.app.inject({ method: 'POST', url: '/v1/keys', headers: bearer(ADMIN), payload: { id: 'carol', role: 'scientist' } });
    const { key } = created.json() as { key: string };
    expect((await get(key)).statusCode).toBe(200);
    expect((await c.app.inject({ method: 'POST', url: '/v1/keys/carol/revoke', headers: bearer(SCIENTIST) })).statusCode).toBe(403);
    const missing = await c.app.inject({ method: 'POST', url: '/v1/keys/nobody/revoke', headers: bearer(ADMIN) });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ code: 'FM_ERR_AUTH_KEY_NOT_FOUND', message: 'no API key named nobody' });
    const revoked = await c.app.inject({ method: 'POST', url: '/v1/keys/carol/revoke', headers: bearer(ADMIN) });
    expect(revoked.statusCode).toBe(200);
    const { revokedAt } = revoked.json() as { revokedAt: string };
    const refused = await get(key);
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toEqual({ code: 'FM_ERR_AUTH_KEY_REVOKED', message: `API key carol was revoked at ${revokedAt}; ask an admin for a new one` });
    expect(refused.body).not.toContain(key);
    const listed = (await c.app.inject({ method: 'GET', url: '/v1/keys', headers: bearer(ADMIN) })).json() as Array<{ id: string; revokedAt?: string }>;
    expect(listed.find((k) => k.id === 'carol')?.revokedAt).toBe(revokedAt);
    expect(listed.find((k) => k.id === 'alice')?.revokedAt).toBeUndefined();
    const events = (await c.app.inject({ method: 'GET', url: '/v1/events?type=key.', headers: bearer(ADMIN) })).json() as Array<{ type: string; detail: { id: string } }>;
    expect(events.map((e) => [e.type, e.detail.id])).toContainEqual(['key.revoked', 'carol']);
  });

  it('a config key can be revoked too, without a restart', async () => {
    const fresh = await startCoordinator(coordinatorConfig({ port: 0, store: ':memory:', logLevel: 'silent', apiKeys: [
      { id: 'root', role: 'admin', keySha256: hashSecret(ADMIN) }, { id: 'alice', role: 'scientist', keySha256: hashSecret(SCIENTIST) },
    ] }, 'test'));
    try {
      expect((await fresh.app.inject({ method: 'POST', url: '/v1/keys/alice/revoke', headers: bearer(ADMIN) })).statusCode).toBe(200);
      expect((await fresh.app.inject({ method: 'GET', url: '/v1/models', headers: bearer(SCIENTIST) })).json().code).toBe('FM_ERR_AUTH_KEY_REVOKED');
    } finally {
      await fresh.close();
    }
  });

  it('a key past its expiresAt is refused with 401 FM_ERR_AUTH_KEY_EXPIRED; a new key takes only a future expiry', async () => {
    const refused = await get(EXPIRED);
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toEqual({ code: 'FM_ERR_AUTH_KEY_EXPIRED', message: 'API key old expired at 2020-01-01; ask an admin for a new one' });
    const past = await c.app.inject({ method: 'POST', url: '/v1/keys', headers: bearer(ADMIN), payload: { id: 'dave', role: 'scorer', expiresAt: '2021-06-01T00:00:00Z' } });
    expect(past.statusCode).toBe(400);
    expect(past.json()).toEqual({ code: 'FM_ERR_WIRE_REQUEST', message: 'request expiresAt: in the past' });
    const future = await c.app.inject({ method: 'POST', url: '/v1/keys', headers: bearer(ADMIN), payload: { id: 'erin', role: 'scientist', expiresAt: '2999-01-01' } });
    expect(future.json()).toMatchObject({ id: 'erin', expiresAt: '2999-01-01T00:00:00.000Z' });
    expect((await get((future.json() as { key: string }).key)).statusCode).toBe(200);
  });

  it('429 carries Retry-After: the seconds until the key\'s bucket holds a token again', async () => {
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push(await get(SLOW));
    expect(codes.map((r) => r.statusCode)).toEqual([200, 200, 429]);
    expect(codes[2]?.json().code).toBe('FM_ERR_AUTH_RATE');
    const wait = Number(codes[2]?.headers['retry-after']);
    expect(Number.isInteger(wait) && wait >= 1 && wait <= 30).toBe(true);
    expect(codes[0]?.headers['retry-after']).toBeUndefined();
    expect([retryAfterSeconds(0, 2), retryAfterSeconds(0.5, 2), retryAfterSeconds(0.999, 600), retryAfterSeconds(0, 1)]).toEqual([30, 15, 1, 60]);
  });
});
