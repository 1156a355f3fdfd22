// API keys created by an admin: the key is shown once in the reply and stored only as its SHA-256.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { FedmarkError } from '../../protocol/errors.ts';
import { hashSecret, newSecret } from '../../protocol/auth/tokens.ts';
import type { CoordinatorConfig } from '../config.ts';
import type { Store } from '../store.ts';
import type { ApiKeyCheck } from './auth.ts';
import { ErrorBody } from './errors.ts';

const Role = Type.Union([Type.Literal('admin'), Type.Literal('scientist'), Type.Literal('scorer')]);
const KeyId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$' });

export function keyRoutes(app: FastifyInstance, deps: { store: Store; config: CoordinatorConfig; adminOnly: ApiKeyCheck }): void {
  const { store, config, adminOnly } = deps;
  app.post('/v1/keys', {
    onRequest: adminOnly,
    schema: {
      summary: 'Create an API key (admin); the key is returned once',
      body: Type.Object({ id: KeyId, role: Role, ratePerMinute: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })) }, { additionalProperties: false }),
      response: { 201: Type.Object({ id: Type.String(), role: Role, ratePerMinute: Type.Integer(), key: Type.String() }), 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 409: ErrorBody },
    },
  }, async (request, reply) => {
    const body = request.body as { id: string; role: 'admin' | 'scientist' | 'scorer'; ratePerMinute?: number };
    if (config.apiKeys.some((k) => k.id === body.id) || store.apiKeys().some((k) => k.id === body.id)) {
      throw new FedmarkError('FM_ERR_AUTH_KEY_EXISTS', { id: body.id });
    }
    const key = newSecret('fmk');
    const record = { id: body.id, role: body.role, keySha256: hashSecret(key), ratePerMinute: body.ratePerMinute ?? 600 };
    store.addApiKey(record);
    return reply.code(201).send({ id: record.id, role: record.role, ratePerMinute: record.ratePerMinute, key });
  });
  app.get('/v1/keys', {
    onRequest: adminOnly,
    schema: { summary: 'List API keys (ids and roles, never keys)', response: { 200: Type.Array(Type.Object({ id: Type.String(), role: Role, ratePerMinute: Type.Integer(), source: Type.String() })), 401: ErrorBody, 403: ErrorBody } },
  }, async () => [
    ...config.apiKeys.map((k) => ({ id: k.id, role: k.role, ratePerMinute: k.ratePerMinute, source: 'config' })),
    ...store.apiKeys().map((k) => ({ id: k.id, role: k.role, ratePerMinute: k.ratePerMinute, source: 'api' })),
  ]);
}
