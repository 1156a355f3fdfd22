// One-time sign-in links for the dashboard (`fedmark dashboard --login-url`), so that a script or an
// operator on a headless host can hand someone the dashboard without typing a key into it. An admin
// asks for a link bound to a role and a name; the first browser that opens it before it expires
// trades it for a session key of that role, named so, which expires with the session and can be
// revoked like any key; the link is then spent. The link's secret travels in the URL's fragment,
// which browsers never send to a server, and the coordinator keeps only its SHA-256, in memory: a
// restart voids the links not yet used.
import { Type } from '@sinclair/typebox';
import { FedmarkError } from '../../errors/table.ts';
import { hashSecret, newSecret } from '../../protocol/auth/tokens.ts';
import type { CoordinatorConfig } from '../config.ts';
import type { Store } from '../store.ts';
import { apiKeyOf, NO_KEY, type ApiKeyCheck } from './auth.ts';
import { errorReplies } from './errors.ts';
import { routePlugin } from './routePlugin.ts';

/** How long a session key from a link lasts: a working day. */
export const SESSION_MS = 12 * 3_600_000;
export const DEFAULT_LINK_SECONDS = 600;
export const MAX_LINK_SECONDS = 86_400;
/** Spent and expired links are remembered this long, so that a late click hears why it is refused. */
const REMEMBER_MS = 86_400_000;

type DashboardRole = 'admin' | 'scientist';

interface Link {
  name: string;
  role: DashboardRole;
  expiresAt: number;
  usedAt?: number;
}

export class LoginLinks {
  private readonly links = new Map<string, Link>();
  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  create(name: string, role: DashboardRole, seconds: number): { token: string; expiresAt: string } {
    this.forget();
    if ([...this.links.values()].some((l) => l.name === name && l.usedAt === undefined && l.expiresAt > this.now())) {
      throw new FedmarkError('FM_ERR_AUTH_KEY_EXISTS', { id: name });
    }
    const token = newSecret('fml');
    const expiresAt = this.now() + seconds * 1000;
    this.links.set(hashSecret(token), { name, role, expiresAt });
    return { token, expiresAt: new Date(expiresAt).toISOString() };
  }

  /** Spends the link: its name and role, or FM_ERR_AUTH_LINK saying why it cannot be used. */
  redeem(token: string): { name: string; role: DashboardRole } {
    this.forget();
    const link = this.links.get(hashSecret(token));
    if (!link) throw new FedmarkError('FM_ERR_AUTH_LINK', { reason: 'is not known to this coordinator (a link lasts until it is used, it expires or the coordinator restarts)' });
    if (link.usedAt !== undefined) throw new FedmarkError('FM_ERR_AUTH_LINK', { reason: `was used already, at ${new Date(link.usedAt).toISOString()}` });
    if (!(this.now() < link.expiresAt)) throw new FedmarkError('FM_ERR_AUTH_LINK', { reason: `expired at ${new Date(link.expiresAt).toISOString()}` });
    link.usedAt = this.now();
    return { name: link.name, role: link.role };
  }

  private forget(): void {
    for (const [digest, link] of this.links) if (link.expiresAt + REMEMBER_MS < this.now()) this.links.delete(digest);
  }
}

const Role = Type.Union([Type.Literal('admin'), Type.Literal('scientist')]);
const KeyId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$' });

export const loginLinkRoutes = routePlugin<{ store: Store; config: CoordinatorConfig; adminOnly: ApiKeyCheck }>('login-links', async (app, { store, config, adminOnly }) => {
  const links = new LoginLinks();
  const taken = (id: string) => config.apiKeys.some((k) => k.id === id) || store.apiKeys().some((k) => k.id === id);

  app.post('/v1/login-links', {
    onRequest: adminOnly,
    schema: {
      tags: ['keys'], security: adminOnly.security, operationId: 'createLoginLink',
      summary: 'Create a one-time dashboard sign-in link (admin): its token is returned once; the dashboard opens at path',
      body: Type.Object({
        role: Role, name: KeyId,
        expiresInSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LINK_SECONDS, description: `default ${DEFAULT_LINK_SECONDS}` })),
      }, { additionalProperties: false }),
      response: { 201: Type.Object({ name: Type.String(), role: Role, expiresAt: Type.String(), token: Type.String(), path: Type.String() }), ...errorReplies(400, 401, 403, 409, 429) },
    },
  }, async (request, reply) => {
    const body = request.body;
    if (taken(body.name)) throw new FedmarkError('FM_ERR_AUTH_KEY_EXISTS', { id: body.name });
    const link = links.create(body.name, body.role, body.expiresInSeconds ?? DEFAULT_LINK_SECONDS);
    store.event(null, 'key.login-link.created', { name: body.name, role: body.role, expiresAt: link.expiresAt, by: apiKeyOf(request) ?? null });
    return reply.code(201).send({ name: body.name, role: body.role, ...link, path: `/ui/#/login-link/${link.token}` });
  });

  app.post('/v1/login-links/redeem', {
    schema: {
      tags: ['keys'], security: NO_KEY, operationId: 'redeemLoginLink',
      summary: 'Trade a sign-in link\'s token, once, for a session API key of the link\'s role (no key needed: the token is the credential)',
      body: Type.Object({ token: Type.String({ minLength: 8, maxLength: 128, pattern: '^fml_[A-Za-z0-9_-]+$' }) }, { additionalProperties: false }),
      response: { 200: Type.Object({ id: Type.String(), role: Role, key: Type.String(), expiresAt: Type.String() }), ...errorReplies(400, 401, 409) },
    },
  }, async (request) => {
    let link: { name: string; role: DashboardRole };
    try {
      link = links.redeem(request.body.token);
    } catch (err) {
      store.event(null, 'key.login-link.refused', { reason: (err as Error).message });
      throw err;
    }
    if (taken(link.name)) throw new FedmarkError('FM_ERR_AUTH_KEY_EXISTS', { id: link.name });
    const key = newSecret('fmk');
    const expiresAt = new Date(Date.now() + SESSION_MS).toISOString();
    store.addApiKey({ id: link.name, role: link.role, keySha256: hashSecret(key), ratePerMinute: 600, expiresAt });
    store.event(null, 'key.login-link.used', { name: link.name, role: link.role });
    return { id: link.name, role: link.role, key, expiresAt };
  });
});
