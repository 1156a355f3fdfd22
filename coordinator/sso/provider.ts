// The relying-party side of OpenID Connect's authorization-code flow (OpenID Connect Core 1.0 §3.1)
// with PKCE (RFC 7636, S256), state and nonce, done by openid-client: it reads the provider's
// discovery document, exchanges the code, and validates the ID token (signature against the
// provider's JWKS, issuer, audience, expiry, nonce). Discovery happens at the first sign-in and is
// kept; a failed discovery is retried at the next one, so a provider that is down when the
// coordinator starts delays SSO without stopping the API keys' services.
import * as oidc from 'openid-client';
import { FedmarkError } from '../../errors/table.ts';
import { claimAt } from './roles.ts';
import { providerNameOf, type OidcSettings } from './settings.ts';

/** What the browser must bring back to /v1/sso/callback, kept by the coordinator meanwhile. */
export interface SignInChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** Loopback issuers (a provider on the same host, or a test's) may use plain HTTP; any other must use HTTPS. */
function loopback(url: URL): boolean {
  return ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

export class OidcProvider {
  readonly name: string;
  private discovered: Promise<oidc.Configuration> | undefined;
  private readonly settings: OidcSettings;
  private readonly clientSecret: string;

  constructor(settings: OidcSettings, clientSecret: string) {
    this.settings = settings;
    this.clientSecret = clientSecret;
    this.name = providerNameOf(settings);
  }

  /** A new sign-in: the provider's authorization URL to send the browser to, and the checks to keep. */
  async begin(): Promise<{ url: string; checks: SignInChecks }> {
    const config = await this.configuration();
    const checks = { state: oidc.randomState(), nonce: oidc.randomNonce(), codeVerifier: oidc.randomPKCECodeVerifier() };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.settings.redirectUrl,
      scope: this.settings.scopes.join(' '),
      code_challenge: await oidc.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: 'S256',
      state: checks.state,
      nonce: checks.nonce,
    });
    return { url: url.href, checks };
  }

  /**
   * Completes a sign-in from the callback's query string: the user's name and claims. The role claim
   * is read from the ID token, or from userinfo when the provider keeps it there (as providers do
   * for claims asked for by scope when an access token is issued).
   */
  async complete(search: string, checks: SignInChecks): Promise<{ user: string; claims: Record<string, unknown> }> {
    const config = await this.configuration();
    // The redirect URL as configured, not as this request's Host header says: behind a proxy they differ.
    const current = new URL(this.settings.redirectUrl);
    current.search = search;
    try {
      const tokens = await oidc.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: checks.codeVerifier, expectedState: checks.state, expectedNonce: checks.nonce, idTokenExpected: true,
      });
      const idClaims = tokens.claims() as Record<string, unknown>;
      let claims = idClaims;
      const wanted = [this.settings.roleClaim, this.settings.userClaim];
      if (wanted.some((c) => claimAt(idClaims, c) === undefined)) {
        claims = { ...(await oidc.fetchUserInfo(config, tokens.access_token, String(idClaims.sub))), ...idClaims };
      }
      const named = claimAt(claims, this.settings.userClaim);
      return { user: typeof named === 'string' && named !== '' ? named : String(claims.sub), claims };
    } catch (err) {
      throw this.failure(err);
    }
  }

  /**
   * Who an access token speaks for, asked of the provider: token introspection (RFC 7662) says
   * whether it is active, until when and for which client; userinfo gives the user's claims.
   */
  async accessToken(token: string): Promise<{ active: false } | { active: true; clientId: string | undefined; aud: string[]; exp: number | undefined; user: string; claims: Record<string, unknown> }> {
    const config = await this.configuration();
    try {
      const intro = await oidc.tokenIntrospection(config, token);
      if (!intro.active) return { active: false };
      const sub = typeof intro.sub === 'string' ? intro.sub : oidc.skipSubjectCheck;
      const claims = { ...(await oidc.fetchUserInfo(config, token, sub)) } as Record<string, unknown>;
      const named = claimAt(claims, this.settings.userClaim);
      return {
        active: true, clientId: intro.client_id, exp: intro.exp,
        aud: intro.aud === undefined ? [] : Array.isArray(intro.aud) ? intro.aud : [intro.aud],
        user: typeof named === 'string' && named !== '' ? named : String(claims.sub), claims,
      };
    } catch (err) {
      throw this.failure(err);
    }
  }

  private configuration(): Promise<oidc.Configuration> {
    const issuer = new URL(this.settings.issuer);
    this.discovered ??= oidc.discovery(issuer, this.settings.clientId, undefined, oidc.ClientSecretBasic(this.clientSecret), {
      ...(issuer.protocol === 'http:' && loopback(issuer) ? { execute: [oidc.allowInsecureRequests] } : {}),
      timeout: 10,
    });
    return this.discovered.catch((err: unknown) => {
      this.discovered = undefined;
      throw this.failure(err, `cannot read its discovery document at ${issuer.href}`);
    });
  }

  /** The provider's or the library's reason, never a token or the secret. */
  private failure(err: unknown, context?: string): FedmarkError {
    if (err instanceof FedmarkError) return err;
    const e = err as { error?: unknown; error_description?: unknown; message?: unknown; code?: unknown };
    const said = typeof e.error === 'string' ? `${e.error}${typeof e.error_description === 'string' ? ` (${e.error_description})` : ''}` : String(e.message ?? err);
    return new FedmarkError('FM_ERR_AUTH_SSO', { provider: this.name, reason: context ? `${context}: ${said}` : said }, { cause: err });
  }
}
