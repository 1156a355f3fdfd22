// Single sign-on for the dashboard and the API through the bank's OpenID Connect provider
// (coordinator/sso/provider.ts does the protocol). GET /v1/sso/login sends the browser to the
// provider with a fresh state, nonce and PKCE verifier; the state also goes into an HttpOnly cookie,
// so that a callback is accepted only in the browser that started the sign-in (no login CSRF).
// GET /v1/sso/callback has openid-client exchange the code and validate the ID token, maps the role
// claim to a role, and sends the browser back to the dashboard with a one-time hand-over token in
// the URL's fragment (never sent to a server, never logged), as a sign-in link does. The dashboard
// trades it, once, at POST /v1/sso/session for a session API key of that role named after the user
// (sso:<user>:<suffix>), which expires after oidc.sessionHours and which POST /v1/sso/logout revokes.
// A refused sign-in hands over its error the same way, so the dashboard shows why.
import { ApiRoleSchema } from '../apiRoles.ts';
import { randomBytes } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FedmarkError, toFedmarkError } from '../../errors/table.ts';
import { hashSecret, newSecret } from '../../protocol/auth/tokens.ts';
import type { CoordinatorConfig } from '../config.ts';
import { OneTimeSecrets } from '../sso/oneTime.ts';
import type { OidcProvider, SignInChecks } from '../sso/provider.ts';
import { roleFromClaims } from '../sso/roles.ts';
import type { ApiRole, Store } from '../store.ts';
import { apiKeyOf, NO_KEY, type ApiKeyCheck } from './auth.ts';
import { errorReplies } from './errors.ts';
import { routePlugin } from './routePlugin.ts';

/** How long a user has at the provider's pages before the sign-in must start again. */
const SIGN_IN_MS = 10 * 60_000;
/** How long the dashboard has to trade the hand-over token: it does so as soon as it loads. */
const HAND_OVER_MS = 60_000;
const STATE_COOKIE = 'fedmark_sso_state';
export const SSO_KEY_PREFIX = 'sso:';

type Outcome = { user: string; role: ApiRole } | { error: FedmarkError };

const Role = ApiRoleSchema;

function cookie(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

export const ssoRoutes = routePlugin<{ store: Store; config: CoordinatorConfig; provider: OidcProvider | undefined; anyKey: ApiKeyCheck }>('sso', async (app, { store, config, provider, anyKey }) => {
  const signIns = new OneTimeSecrets<SignInChecks>(SIGN_IN_MS);
  const handOvers = new OneTimeSecrets<Outcome>(HAND_OVER_MS);
  const oidc = config.oidc;
  const configured = () => {
    if (!provider || !oidc) throw new FedmarkError('FM_ERR_AUTH_SSO_OFF');
    return { provider, oidc };
  };
  const secureCookie = oidc?.redirectUrl.startsWith('https:') ? '; Secure' : '';
  // Scoped to the callback as the browser reaches it (behind a proxy, under its prefix).
  const cookiePath = oidc ? new URL(oidc.redirectUrl).pathname : '/v1/sso/callback';
  const stateCookie = (value: string, maxAge: number) => `${STATE_COOKIE}=${value}; Path=${cookiePath}; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${secureCookie}`;

  app.get('/v1/sso', {
    schema: {
      tags: ['sso'], security: NO_KEY, operationId: 'getSsoStatus',
      summary: 'Whether single sign-on is configured, and the provider\'s name for the dashboard\'s button',
      response: {
        200: Type.Object({ enabled: Type.Boolean(), provider: Type.Optional(Type.String()), loginPath: Type.Optional(Type.String()) }),
        ...errorReplies(400),
      },
    },
  }, async () => (provider ? { enabled: true, provider: provider.name, loginPath: '/v1/sso/login' } : { enabled: false }));

  /** Sends the browser to the dashboard with the outcome behind a one-time token in the fragment. */
  const handOver = (reply: FastifyReply, redirectUrl: string, outcome: Outcome) => {
    const token = newSecret('fms');
    handOvers.put(token, outcome);
    const dashboard = new URL('../../ui/', redirectUrl);
    return reply.header('set-cookie', stateCookie('', 0)).header('cache-control', 'no-store').redirect(`${dashboard.pathname}#/sso/${token}`, 302);
  };
  const refused = (request: FastifyRequest, err: unknown): Outcome => {
    const error = toFedmarkError(err);
    if (error.code !== 'FM_ERR_AUTH_SSO_ROLE') store.event(null, 'sso.refused', { reason: error.message });
    request.log.warn({ code: error.code, reason: error.message }, 'single sign-on refused');
    return { error };
  };

  app.get('/v1/sso/login', {
    schema: {
      tags: ['sso'], security: NO_KEY, operationId: 'startSsoLogin',
      summary: 'Send the browser to the OpenID Connect provider to sign in (authorization-code flow with PKCE); when the provider cannot be reached, back to the dashboard, which says why',
      response: { 302: Type.Null({ description: 'to the provider\'s authorization endpoint, or to the dashboard with the reason it is unavailable' }), ...errorReplies(404) },
    },
  }, async (request, reply) => {
    const { provider: p, oidc: settings } = configured();
    let begun: Awaited<ReturnType<OidcProvider['begin']>>;
    try {
      begun = await p.begin();
    } catch (err) {
      return handOver(reply, settings.redirectUrl, refused(request, err));
    }
    signIns.put(begun.checks.state, begun.checks);
    return reply.header('set-cookie', stateCookie(begun.checks.state, SIGN_IN_MS / 1000)).header('cache-control', 'no-store').redirect(begun.url, 302);
  });

  app.get('/v1/sso/callback', {
    // The query carries the one-time code: it stays out of the request log (a quieter configured level stays).
    logLevel: (['fatal', 'error', 'silent'] as const).find((l) => l === config.logLevel) ?? 'warn',
    schema: {
      tags: ['sso'], security: NO_KEY, operationId: 'finishSsoLogin',
      summary: 'Where the provider sends the browser back: the code is exchanged, the ID token checked and the role mapped; the browser goes on to the dashboard',
      querystring: Type.Object({
        state: Type.Optional(Type.String({ maxLength: 512 })), code: Type.Optional(Type.String({ maxLength: 4096 })),
        error: Type.Optional(Type.String({ maxLength: 256 })), error_description: Type.Optional(Type.String({ maxLength: 1024 })),
      }, { additionalProperties: true }),
      response: { 302: Type.Null({ description: 'to the dashboard, with a one-time hand-over token in the fragment' }), ...errorReplies(400, 404) },
    },
  }, async (request, reply) => {
    const { provider: p, oidc: settings } = configured();
    let outcome: Outcome;
    try {
      const state = request.query.state;
      const checks = state !== undefined && cookie(request, STATE_COOKIE) === state ? signIns.take(state) : undefined;
      if (!checks) throw new FedmarkError('FM_ERR_AUTH_SSO', { provider: p.name, reason: 'this sign-in was not started in this browser, or it is over 10 minutes old' });
      const search = request.url.slice(request.url.indexOf('?'));
      const { user, claims } = await p.complete(search, checks);
      try {
        outcome = { user, role: roleFromClaims(claims, user, settings.roleClaim, settings.roleMap) };
      } catch (err) {
        store.event(null, 'sso.refused', { user, claim: settings.roleClaim, reason: (err as Error).message });
        throw err;
      }
    } catch (err) {
      outcome = refused(request, err);
    }
    return handOver(reply, settings.redirectUrl, outcome);
  });

  app.post('/v1/sso/session', {
    schema: {
      tags: ['sso'], security: NO_KEY, operationId: 'redeemSsoSession',
      summary: 'Trade the hand-over token of a finished sign-in, once, for a session API key of the user\'s role (or the reason the sign-in was refused)',
      body: Type.Object({ token: Type.String({ minLength: 8, maxLength: 128, pattern: '^fms_[A-Za-z0-9_-]+$' }) }, { additionalProperties: false }),
      response: { 200: Type.Object({ id: Type.String(), user: Type.String(), role: Role, key: Type.String(), expiresAt: Type.String() }), ...errorReplies(400, 401, 403, 404) },
    },
  }, async (request) => {
    const { provider: p, oidc: settings } = configured();
    const outcome = handOvers.take(request.body.token);
    if (!outcome) throw new FedmarkError('FM_ERR_AUTH_SSO', { provider: p.name, reason: 'the hand-over to the dashboard is unknown, used or expired' });
    if ('error' in outcome) throw outcome.error;
    const id = `${SSO_KEY_PREFIX}${outcome.user}:${randomBytes(4).toString('hex')}`;
    const key = newSecret('fmk');
    const expiresAt = new Date(Date.now() + settings.sessionHours * 3_600_000).toISOString();
    store.addApiKey({ id, role: outcome.role, keySha256: hashSecret(key), ratePerMinute: 600, expiresAt });
    store.event(null, 'sso.login', { user: outcome.user, role: outcome.role, key: id, expiresAt });
    return { id, user: outcome.user, role: outcome.role, key, expiresAt };
  });

  app.post('/v1/sso/logout', {
    onRequest: anyKey,
    schema: {
      tags: ['sso'], security: anyKey.security, operationId: 'ssoLogout',
      summary: 'End the single sign-on session whose key makes this call: the key is revoked',
      response: { 200: Type.Object({ id: Type.String(), revokedAt: Type.String() }), ...errorReplies(400, 401, 403, 429) },
    },
  }, async (request) => {
    const id = apiKeyOf(request) ?? '';
    if (!id.startsWith(SSO_KEY_PREFIX)) throw new FedmarkError('FM_ERR_AUTH_SSO_KEY', { key: id });
    const revokedAt = store.revokeApiKey(id);
    store.event(null, 'sso.logout', { key: id });
    return { id, revokedAt };
  });
});
