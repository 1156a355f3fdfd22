// Bearer access tokens from the OpenID Connect provider, accepted by the API beside API keys when
// oidc.apiClients names the clients they may be issued to (a token issued to any other client of
// the bank's provider is someone else's: refused). The provider is asked once per token (RFC 7662
// introspection, then userinfo for the role claim); the answer is kept until the token expires but
// at most a minute, so a token revoked at the provider stops working within that minute.
import { FedmarkError } from '../../errors/table.ts';
import { hashSecret } from '../../protocol/auth/tokens.ts';
import type { ApiRole, Store } from '../store.ts';
import type { OidcProvider } from './provider.ts';
import { roleFromClaims } from './roles.ts';
import type { OidcSettings } from './settings.ts';

const KEEP_MS = 60_000;
const MAX_KEPT = 10_000;

export interface TokenHolder {
  /** oidc:<user>, as the audit trail names the caller. */
  id: string;
  role: ApiRole;
}

export class AccessTokens {
  private readonly kept = new Map<string, { holder: TokenHolder; until: number }>();
  private readonly provider: OidcProvider;
  private readonly settings: OidcSettings;
  private readonly store: Store;
  private readonly now: () => number;

  constructor(provider: OidcProvider, settings: OidcSettings, store: Store, now: () => number = Date.now) {
    this.provider = provider;
    this.settings = settings;
    this.store = store;
    this.now = now;
  }

  /** The token's holder and role, or FM_ERR_AUTH_SSO_TOKEN / FM_ERR_AUTH_SSO_ROLE saying why not (recorded as sso.token.refused). */
  async check(token: string): Promise<TokenHolder> {
    const digest = hashSecret(token);
    const known = this.kept.get(digest);
    if (known && this.now() < known.until) return known.holder;
    this.kept.delete(digest);
    try {
      const holder = await this.ask(token);
      if (this.kept.size >= MAX_KEPT) this.kept.clear();
      return holder;
    } catch (err) {
      this.store.event(null, 'sso.token.refused', { reason: (err as Error).message });
      throw err;
    }
  }

  private async ask(token: string): Promise<TokenHolder> {
    const refuse = (reason: string) => new FedmarkError('FM_ERR_AUTH_SSO_TOKEN', { provider: this.provider.name, reason });
    const said = await this.provider.accessToken(token);
    if (!said.active) throw refuse('the provider says it is not active (expired, revoked or never issued)');
    const audiences = [said.clientId, ...said.aud].filter((a): a is string => a !== undefined);
    if (!audiences.some((a) => this.settings.apiClients.includes(a))) {
      throw refuse(`it was issued to ${audiences.join(', ') || 'no named client'}, not to a client in oidc.apiClients`);
    }
    if (said.exp !== undefined && !(this.now() < said.exp * 1000)) throw refuse(`it expired at ${new Date(said.exp * 1000).toISOString()}`);
    const holder = { id: `oidc:${said.user}`, role: roleFromClaims(said.claims, said.user, this.settings.roleClaim, this.settings.roleMap) };
    const until = Math.min(this.now() + KEEP_MS, said.exp === undefined ? Infinity : said.exp * 1000);
    this.kept.set(hashSecret(token), { holder, until });
    return holder;
  }
}
