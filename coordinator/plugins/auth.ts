// API-key check for the HTTP API: `Authorization: Bearer <key>`, compared by SHA-256 digest.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { FedmarkError } from '../../protocol/errors.ts';
import { secretMatches } from '../../protocol/auth/tokens.ts';
import type { CoordinatorConfig } from '../config.ts';

export type ApiRole = CoordinatorConfig['apiKeys'][number]['role'];

/** Checks the key, then its role: a scorer key may only score (`allowed` lists who may call). */
export function requireApiKey(config: CoordinatorConfig, allowed: readonly ApiRole[] = ['admin', 'scientist']) {
  return async function check(request: FastifyRequest): Promise<void> {
    const auth = request.headers.authorization ?? '';
    const key = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    const match = key ? config.apiKeys.find((k) => secretMatches(key, k.keySha256)) : undefined;
    if (!match) throw new FedmarkError('FM_ERR_AUTH_KEY');
    if (!allowed.includes(match.role)) throw new FedmarkError('FM_ERR_AUTH_ROLE', { role: match.role, allowed: allowed.join(', ') });
    request.log.debug({ apiKey: match.id, role: match.role }, 'api key accepted');
  };
}

export type ApiKeyCheck = ReturnType<typeof requireApiKey>;
export type App = FastifyInstance;
