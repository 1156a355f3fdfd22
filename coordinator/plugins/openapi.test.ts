// The OpenAPI document a running coordinator serves is valid OpenAPI 3.1 by two independent
// validators (@apidevtools/swagger-parser, Redocly's recommended rules), and says what the routes
// do: each operation is named, tagged and secured, the roles it lists are the ones its guard
// accepts, and every error reply is the one ApiError schema.
import SwaggerParser from '@apidevtools/swagger-parser';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../protocol/auth/tokens.ts';
import { coordinatorConfig } from '../config.ts';
import { startCoordinator, type Coordinator } from '../server.ts';

const KEYS = {
  admin: 'fmk_openapi-test-admin-000000000',
  scientist: 'fmk_openapi-test-scientist-00000',
  scorer: 'fmk_openapi-test-scorer-00000000',
} as const;
type Role = keyof typeof KEYS;
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

interface Operation {
  operationId?: string;
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}
interface Document {
  openapi: string;
  servers?: Array<{ url: string }>;
  tags?: Array<{ name: string }>;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
  paths: Record<string, Partial<Record<(typeof METHODS)[number], Operation>>>;
}

let c: Coordinator;
let served: string;
let doc: Document;
let operations: Array<{ method: string; path: string; op: Operation }>;

beforeAll(async () => {
  c = await startCoordinator(coordinatorConfig({
    port: 0, store: ':memory:', logLevel: 'silent', parties: [],
    apiKeys: Object.entries(KEYS).map(([role, key]) => ({ id: role, role, keySha256: hashSecret(key) })),
  }, 'test'));
  const res = await fetch(`${c.url}/openapi.json`);
  expect(res.status).toBe(200);
  served = await res.text();
  doc = JSON.parse(served) as Document;
  operations = Object.entries(doc.paths).flatMap(([path, item]) =>
    METHODS.flatMap((method) => (item[method] ? [{ method, path, op: item[method] as Operation }] : [])));
});
afterAll(() => c.close());

describe('the served OpenAPI document', () => {
  it('is OpenAPI 3.1 that swagger-parser validates, with a server entry', async () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers?.length).toBeGreaterThan(0);
    // A fresh parse of the served text: validate() dereferences the document in place. (Given the URL
    // instead, swagger-parser refuses to fetch from loopback.)
    await expect(SwaggerParser.validate(JSON.parse(served))).resolves.toMatchObject({ openapi: '3.1.0' });
  });

  it("passes Redocly's recommended rules with no error", async () => {
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({ source: served, absoluteRef: `${c.url}/openapi.json`, config });
    const found = problems.map((p) => `${p.severity} ${p.ruleId} ${p.location[0]?.pointer ?? ''}: ${p.message}`);
    // The warnings left: the liveness probe takes no input and needs no key, so it has no 4xx to
    // document; single sign-on's two browser legs answer with redirects (302), never a 2xx.
    expect(found).toEqual([
      'warn operation-4xx-response #/paths/~1v1~1health/get/responses: Operation must have at least one `4XX` response.',
      'warn operation-2xx-response #/paths/~1v1~1sso~1login/get/responses: Operation must have at least one `2XX` response.',
      'warn operation-2xx-response #/paths/~1v1~1sso~1callback/get/responses: Operation must have at least one `2XX` response.',
    ]);
  });

  it('names, tags and secures every operation', () => {
    expect(operations.length).toBeGreaterThanOrEqual(27);
    const ids = operations.map(({ op }) => op.operationId);
    expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    const declaredTags = new Set(doc.tags?.map((t) => t.name));
    for (const { method, path, op } of operations) {
      expect(op.tags?.length, `${method} ${path} tags`).toBeGreaterThan(0);
      expect(op.tags?.every((t) => declaredTags.has(t)), `${method} ${path} tags declared`).toBe(true);
      expect(op.security, `${method} ${path} security`).toBeDefined();
      for (const requirement of op.security ?? []) {
        for (const scheme of Object.keys(requirement)) expect(doc.components.securitySchemes[scheme], `${method} ${path} scheme ${scheme}`).toBeDefined();
      }
    }
    // Keyless: the liveness probe, redeeming a sign-in link (its token is the credential), and single
    // sign-on's status, its two browser legs and its hand-over (the provider's sign-in is the credential).
    expect(operations.filter(({ op }) => op.security?.length === 0).map(({ path }) => path).sort())
      .toEqual(['/v1/health', '/v1/login-links/redeem', '/v1/sso', '/v1/sso/callback', '/v1/sso/login', '/v1/sso/session']);
  });

  it('documents every error reply as the one ApiError schema, and the guard statuses of every secured operation', () => {
    expect(doc.components.schemas.ApiError).toBeDefined();
    for (const { method, path, op } of operations) {
      const statuses = Object.keys(op.responses);
      for (const status of statuses.filter((s) => Number(s) >= 400)) {
        expect(op.responses[status]?.content?.['application/json']?.schema?.$ref, `${method} ${path} ${status}`).toBe('#/components/schemas/ApiError');
      }
      if (op.security?.length) expect(statuses, `${method} ${path}`).toEqual(expect.arrayContaining(['401', '403', '429']));
    }
  });

  it('lists, for each operation, the roles its guard accepts: no key gets 401, a key of another role 403', async () => {
    for (const { method, path, op } of operations) {
      const url = path.replace(/\{version\}/g, '1').replace(/\{[^}]+\}/g, 'x');
      const roles = op.security?.[0]?.apiKey;
      const anonymous = await c.app.inject({ method: method.toUpperCase() as 'GET', url, payload: method === 'get' ? undefined : {} });
      if (roles === undefined) {
        // An empty body is malformed for the sign-in link's redemption (400), never unauthorised; this
        // coordinator has no oidc section, so single sign-on's legs say it is not configured (404).
        expect(path.startsWith('/v1/sso/') ? [400, 404] : [200, 400], `${method} ${path} without a key`).toContain(anonymous.statusCode);
        continue;
      }
      expect(anonymous.statusCode, `${method} ${path} without a key`).toBe(401);
      const other = (Object.keys(KEYS) as Role[]).find((r) => !roles.includes(r));
      if (other === undefined) continue;
      const refused = await c.app.inject({ method: method.toUpperCase() as 'GET', url, headers: { authorization: `Bearer ${KEYS[other]}` }, payload: method === 'get' ? undefined : {} });
      expect(refused.statusCode, `${method} ${path} with a ${other} key (allowed: ${roles.join(', ')})`).toBe(403);
      expect(refused.json().message).toBe(`a ${other} key may not do this (allowed: ${roles.join(', ')})`);
    }
  });
});
