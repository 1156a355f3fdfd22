// API-key check for the HTTP API: `Authorization: Bearer <key>`, compared by SHA-256 digest against
// the keys in the config file and those an admin created through the API (stored hashed).
import type { FastifyRequest } from 'fastify';
import { FedmarkError } from '../../protocol/errors.ts';
import { secretMatches } from '../../protocol/auth/tokens.ts';
import type { CoordinatorConfig } from '../config.ts';
import type { Store } from '../store.ts';

/** The key each authenticated request used, for the audit trail (its id only, never the key). */
const keyOfRequest = new WeakMap<FastifyRequest, string>();

export function apiKeyOf(request: FastifyRequest): string | undefined {
  return keyOfRequest.get(request);
}

export type ApiRole = CoordinatorConfig['apiKeys'][number]['role'];

export interface ApiKeyRecord {
  id: string;
  role: ApiRole;
  keySha256: string;
  ratePerMinute: number;
}

/** Builds route guards: each checks the key, its role (`allowed`) and the key's rate per minute. */
export function apiKeyGuards(config: CoordinatorConfig, store: Store) {
  // Per-key token buckets, shared by every route: a key's rate is its own whatever it calls.
  const buckets = new Map<string, { tokens: number; at: number }>();
  const take = (id: string, perMinute: number): boolean => {
    const now = Date.now();
    const bucket = buckets.get(id) ?? { tokens: perMinute, at: now };
    bucket.tokens = Math.min(perMinute, bucket.tokens + ((now - bucket.at) / 60_000) * perMinute);
    bucket.at = now;
    buckets.set(id, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  };
  return function requireRole(allowed: readonly ApiRole[] = ['admin', 'scientist']) {
    return async function check(request: FastifyRequest): Promise<void> {
      const auth = request.headers.authorization ?? '';
      const key = auth.startsWith('Bearer ') ? auth.slice(7) : '';
      const match = key ? [...config.apiKeys, ...store.apiKeys()].find((k) => secretMatches(key, k.keySha256)) : undefined;
      if (!match) throw new FedmarkError('FM_ERR_AUTH_KEY');
      keyOfRequest.set(request, match.id);
      if (!allowed.includes(match.role)) throw new FedmarkError('FM_ERR_AUTH_ROLE', { role: match.role, allowed: allowed.join(', ') });
      if (!take(match.id, match.ratePerMinute)) throw new FedmarkError('FM_ERR_AUTH_RATE', { key: match.id, limit: match.ratePerMinute });
      request.log.debug({ apiKey: match.id, role: match.role }, 'api key accepted');
    };
  };
}

export type ApiKeyCheck = ReturnType<ReturnType<typeof apiKeyGuards>>;
