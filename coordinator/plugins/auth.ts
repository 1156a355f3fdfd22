// API-key check for the HTTP API: `Authorization: Bearer <key>`, compared by SHA-256 digest.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { FedmarkError } from '../../protocol/errors.ts';
import { secretMatches } from '../../protocol/auth/tokens.ts';
import type { CoordinatorConfig } from '../config.ts';

export type ApiRole = CoordinatorConfig['apiKeys'][number]['role'];

/** Per-key token buckets, shared by every route: a key's rate is its own whatever it calls. */
const buckets = new WeakMap<CoordinatorConfig, Map<string, { tokens: number; at: number }>>();

function take(config: CoordinatorConfig, id: string, perMinute: number): boolean {
  let perKey = buckets.get(config);
  if (!perKey) buckets.set(config, (perKey = new Map()));
  const now = Date.now();
  const bucket = perKey.get(id) ?? { tokens: perMinute, at: now };
  bucket.tokens = Math.min(perMinute, bucket.tokens + ((now - bucket.at) / 60_000) * perMinute);
  bucket.at = now;
  perKey.set(id, bucket);
  if (bucket.tokens < 1) return false;
  bucket.tokens -= 1;
  return true;
}

/** Checks the key, its role (a scorer key may only score; `allowed` lists who may call) and its rate. */
export function requireApiKey(config: CoordinatorConfig, allowed: readonly ApiRole[] = ['admin', 'scientist']) {
  return async function check(request: FastifyRequest): Promise<void> {
    const auth = request.headers.authorization ?? '';
    const key = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    const match = key ? config.apiKeys.find((k) => secretMatches(key, k.keySha256)) : undefined;
    if (!match) throw new FedmarkError('FM_ERR_AUTH_KEY');
    if (!allowed.includes(match.role)) throw new FedmarkError('FM_ERR_AUTH_ROLE', { role: match.role, allowed: allowed.join(', ') });
    if (!take(config, match.id, match.ratePerMinute)) throw new FedmarkError('FM_ERR_AUTH_RATE', { key: match.id, limit: match.ratePerMinute });
    request.log.debug({ apiKey: match.id, role: match.role }, 'api key accepted');
  };
}

export type ApiKeyCheck = ReturnType<typeof requireApiKey>;
export type App = FastifyInstance;
