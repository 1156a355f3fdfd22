// API keys created by an admin: the key is shown once in the reply and stored only as its SHA-256;
// a key may carry an expiry, and an admin revokes any key (config or API) by id.
import { ApiRoleSchema, type ApiRoleName } from '../apiRoles.ts';
import { Type } from '@sinclair/typebox';
import { FedmarkError } from '../../errors/table.ts';
import { hashSecret, newSecret } from '../../protocol/auth/tokens.ts';
import { ISO_TIME, type CoordinatorConfig } from '../config.ts';
import type { Store } from '../store.ts';
import type { ApiKeyCheck } from './auth.ts';
import { errorReplies } from './errors.ts';
import { routePlugin } from './routePlugin.ts';
import { named, ref } from './schemaRef.ts';

const Role = ApiRoleSchema;
const ExpiresAt = Type.String({ pattern: ISO_TIME, description: 'ISO 8601 date (midnight UTC) or date and time with a zone' });
const KeyId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$' });
const ApiKey = named('ApiKey', Type.Object({
  id: Type.String(), role: Role, ratePerMinute: Type.Integer(), source: Type.String({ description: 'config (the coordinator\'s file) or api' }),
  expiresAt: Type.Optional(Type.String()), revokedAt: Type.Optional(Type.String()),
}));

export const keyRoutes = routePlugin<{ store: Store; config: CoordinatorConfig; adminOnly: ApiKeyCheck }>('keys', async (app, { store, config, adminOnly }) => {
  app.addSchema(ApiKey);
  const doc = { tags: ['keys'], security: adminOnly.security };
  app.post('/v1/keys', {
    onRequest: adminOnly,
    schema: {
      ...doc, operationId: 'createApiKey',
      summary: 'Create an API key (admin); the key is returned once',
      body: Type.Object({ id: KeyId, role: Role, ratePerMinute: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })), expiresAt: Type.Optional(ExpiresAt) }, { additionalProperties: false }),
      response: { 201: Type.Object({ id: Type.String(), role: Role, ratePerMinute: Type.Integer(), expiresAt: Type.Optional(Type.String()), key: Type.String() }), ...errorReplies(400, 401, 403, 409, 429) },
    },
  }, async (request, reply) => {
    const body = request.body;
    if (config.apiKeys.some((k) => k.id === body.id) || store.apiKeys().some((k) => k.id === body.id)) {
      throw new FedmarkError('FM_ERR_AUTH_KEY_EXISTS', { id: body.id });
    }
    const expires = body.expiresAt === undefined ? undefined : Date.parse(body.expiresAt);
    if (expires !== undefined && !(expires > Date.now())) {
      throw new FedmarkError('FM_ERR_WIRE_REQUEST', { field: 'expiresAt', reason: Number.isNaN(expires) ? 'not a date' : 'in the past' });
    }
    const key = newSecret('fmk');
    const record = { id: body.id, role: body.role, keySha256: hashSecret(key), ratePerMinute: body.ratePerMinute ?? 600, ...(expires !== undefined ? { expiresAt: new Date(expires).toISOString() } : {}) };
    store.addApiKey(record);
    return reply.code(201).send({ id: record.id, role: record.role, ratePerMinute: record.ratePerMinute, ...(record.expiresAt ? { expiresAt: record.expiresAt } : {}), key });
  });
  app.post('/v1/keys/:id/revoke', {
    onRequest: adminOnly,
    schema: {
      ...doc, operationId: 'revokeApiKey',
      summary: 'Revoke an API key by id (admin): it is refused from now on, 401 FM_ERR_AUTH_KEY_REVOKED',
      params: Type.Object({ id: KeyId }),
      response: { 200: Type.Object({ id: Type.String(), revokedAt: Type.String() }), ...errorReplies(400, 401, 403, 404, 429) },
    },
  }, async (request) => {
    const { id } = request.params;
    if (!config.apiKeys.some((k) => k.id === id) && !store.apiKeys().some((k) => k.id === id)) throw new FedmarkError('FM_ERR_AUTH_KEY_NOT_FOUND', { id });
    return { id, revokedAt: store.revokeApiKey(id) };
  });
  app.get('/v1/keys', {
    onRequest: adminOnly,
    schema: { ...doc, operationId: 'listApiKeys', summary: 'List API keys (ids and roles, never keys)', response: { 200: Type.Array(ref(ApiKey)), ...errorReplies(401, 403, 429) } },
  }, async () => {
    const revoked = store.revokedApiKeys();
    const view = (k: { id: string; role: ApiRoleName; ratePerMinute: number; expiresAt?: string | undefined }, source: string) => ({
      id: k.id, role: k.role, ratePerMinute: k.ratePerMinute, source,
      ...(k.expiresAt ? { expiresAt: k.expiresAt } : {}), ...(revoked.has(k.id) ? { revokedAt: revoked.get(k.id) } : {}),
    });
    return [...config.apiKeys.map((k) => view(k, 'config')), ...store.apiKeys().map((k) => view(k, 'api'))];
  });
});
