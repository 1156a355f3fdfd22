// API-key check for the HTTP API: `Authorization: Bearer <key>`, compared by SHA-256 digest against
// the keys in the config file and those an admin created through the API (stored hashed); a
// revoked or expired key is refused. Each key has its own rate: a token bucket per key, shared by
// every route, whose 429 says in Retry-After when the next request will be accepted. Each guard
// carries the OpenAPI security requirement it enforces, so a route's document and its check are one value.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FedmarkError } from '../../errors/table.ts';
import { secretMatches } from '../../protocol/auth/tokens.ts';
import type { CoordinatorConfig } from '../config.ts';
import type { AccessTokens } from '../sso/accessTokens.ts';
import type { ApiRole, Store } from '../store.ts';

/** The key each authenticated request used, for the audit trail (its id only, never the key). */
const keyOfRequest = new WeakMap<FastifyRequest, string>();

export function apiKeyOf(request: FastifyRequest): string | undefined {
  return keyOfRequest.get(request);
}

/** The person behind each authenticated request: the key's `person`, else its id (oidc:USER for single sign-on). */
const personOfRequest = new WeakMap<FastifyRequest, string>();

export function personOf(request: FastifyRequest): string | undefined {
  return personOfRequest.get(request);
}

/** Seconds until a bucket holding `tokens` (< 1) refills to one token at `perMinute`. */
export function retryAfterSeconds(tokens: number, perMinute: number): number {
  return Math.max(1, Math.ceil(((1 - tokens) * 60) / perMinute));
}

/** Builds route guards: each checks the key, its role (`allowed`) and the key's rate per minute. */
export function apiKeyGuards(config: CoordinatorConfig, store: Store, accessTokens?: AccessTokens) {
  // Per-key token buckets, shared by every route: a key's rate is its own whatever it calls.
  const buckets = new Map<string, { tokens: number; at: number }>();
  /** Takes one token; when none is left, the seconds until one is. */
  const take = (id: string, perMinute: number): { ok: true } | { ok: false; retryAfter: number } => {
    const now = Date.now();
    const bucket = buckets.get(id) ?? { tokens: perMinute, at: now };
    bucket.tokens = Math.min(perMinute, bucket.tokens + ((now - bucket.at) / 60_000) * perMinute);
    bucket.at = now;
    buckets.set(id, bucket);
    if (bucket.tokens < 1) return { ok: false, retryAfter: retryAfterSeconds(bucket.tokens, perMinute) };
    bucket.tokens -= 1;
    return { ok: true };
  };
  return function requireRole(allowed: readonly ApiRole[] = ['admin', 'scientist']): ApiKeyCheck {
    const check = async function check(request: FastifyRequest, reply: FastifyReply): Promise<void> {
      const auth = request.headers.authorization ?? '';
      const key = auth.startsWith('Bearer ') ? auth.slice(7) : '';
      const stored = key ? [...config.apiKeys, ...store.apiKeys()].find((k) => secretMatches(key, k.keySha256)) : undefined;
      // Not one of our keys: perhaps the single sign-on provider's access token (when oidc.apiClients allows).
      const match = stored ?? (key && !key.startsWith('fmk_') && accessTokens ? { ...(await accessTokens.check(key)), ratePerMinute: 600, expiresAt: undefined } : undefined);
      if (!match) throw new FedmarkError('FM_ERR_AUTH_KEY');
      keyOfRequest.set(request, match.id);
      personOfRequest.set(request, 'person' in match && typeof match.person === 'string' ? match.person : match.id);
      const revokedAt = store.revokedApiKeys().get(match.id);
      if (revokedAt !== undefined) throw new FedmarkError('FM_ERR_AUTH_KEY_REVOKED', { key: match.id, at: revokedAt });
      if (match.expiresAt !== undefined && !(Date.now() < Date.parse(match.expiresAt))) throw new FedmarkError('FM_ERR_AUTH_KEY_EXPIRED', { key: match.id, at: match.expiresAt });
      if (!allowed.includes(match.role)) throw new FedmarkError('FM_ERR_AUTH_ROLE', { role: match.role, allowed: allowed.join(', ') });
      const taken = take(match.id, match.ratePerMinute);
      if (!taken.ok) {
        reply.header('retry-after', String(taken.retryAfter));
        throw new FedmarkError('FM_ERR_AUTH_RATE', { key: match.id, limit: match.ratePerMinute });
      }
      request.log.debug({ apiKey: match.id, role: match.role }, 'api key accepted');
    };
    // OpenAPI 3.1 lets a non-OAuth requirement list roles: the ones this guard lets through.
    return Object.assign(check, { security: [{ [API_KEY_SCHEME]: [...allowed] }] });
  };
}

/** The name of the bearer-key scheme in the OpenAPI document's components.securitySchemes. */
export const API_KEY_SCHEME = 'apiKey';

/** The security requirement of a route that needs no key. */
export const NO_KEY: SecurityRequirements = [];

export type SecurityRequirements = ReadonlyArray<Readonly<Record<string, readonly string[]>>>;

/** A route guard (fastify onRequest hook) and the security requirement it enforces. */
export interface ApiKeyCheck {
  (request: FastifyRequest, reply: FastifyReply): Promise<void>;
  readonly security: SecurityRequirements;
}
