// The `oidc` section of the coordinator config: which OpenID Connect provider signs dashboard and
// API users in, as which client, and how a claim of the user's ID token (or userinfo) becomes a
// fedmark role. The client secret is either in the file or, better, in an environment variable
// the file names, read once at start-up.
import { ApiRoleSchema } from '../apiRoles.ts';
import { Type, type Static } from '@sinclair/typebox';
import { FedmarkError } from '../../errors/table.ts';

const Role = ApiRoleSchema;

export const OidcSettingsSchema = Type.Object(
  {
    issuer: Type.String({ pattern: '^https?://[^/\\s]+', description: 'the provider\'s issuer URL; its /.well-known/openid-configuration is read at the first sign-in' }),
    providerName: Type.Optional(Type.String({ minLength: 1, maxLength: 60, description: 'shown on the dashboard\'s button, "Sign in with <providerName>" (default: the issuer\'s host)' })),
    clientId: Type.String({ minLength: 1 }),
    clientSecret: Type.Optional(Type.String({ minLength: 1, description: 'prefer clientSecretEnv: a secret in the file is readable by whoever reads the file' })),
    clientSecretEnv: Type.Optional(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: 'name of the environment variable holding the client secret' })),
    redirectUrl: Type.String({ pattern: '^https?://[^/]+(/.*)?/v1/sso/callback$', description: 'this coordinator\'s /v1/sso/callback as the browser reaches it, registered with the provider' }),
    scopes: Type.Array(Type.String({ pattern: '^[\\x21\\x23-\\x5B\\x5D-\\x7E]+$' }), { default: ['openid', 'profile', 'email'], minItems: 1, description: 'must include openid' }),
    roleClaim: Type.String({ minLength: 1, default: 'groups', description: 'the claim holding the user\'s role or groups; a dotted path reaches into objects (realm_access.roles)' }),
    userClaim: Type.String({ minLength: 1, default: 'email', description: 'the claim naming the user in key ids and the event log (falls back to sub)' }),
    roleMap: Type.Record(Type.String({ minLength: 1 }), Role, { description: 'claim value -> fedmark role; a user with no mapped value is refused' }),
    apiClients: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      description: 'client ids of the provider whose users\' access tokens the API accepts as bearer tokens (checked by token introspection, role from userinfo); empty: only API keys',
    }),
    sessionHours: Type.Number({ exclusiveMinimum: 0, maximum: 24, default: 8, description: 'how long a session key lasts' }),
  },
  { additionalProperties: false },
);
export type OidcSettings = Readonly<Static<typeof OidcSettingsSchema>>;

/**
 * What the schema cannot say: the secret comes from exactly one place, and the openid scope is asked
 * for. Called once at start-up with the process environment.
 */
export function oidcClientSecret(settings: OidcSettings, env: Readonly<Record<string, string | undefined>>, source: string): string {
  const problem = (field: string, reason: string) => new FedmarkError('FM_ERR_CFG_INVALID', { source, field: `oidc.${field}`, reason });
  if (!settings.scopes.includes('openid')) throw problem('scopes', 'must include openid');
  if (settings.clientSecret !== undefined && settings.clientSecretEnv !== undefined) throw problem('clientSecret', 'give clientSecret or clientSecretEnv, not both');
  if (settings.clientSecret !== undefined) return settings.clientSecret;
  if (settings.clientSecretEnv === undefined) throw problem('clientSecretEnv', 'the client secret is needed: name the environment variable that holds it');
  const secret = env[settings.clientSecretEnv];
  if (!secret) throw problem('clientSecretEnv', `the environment variable ${settings.clientSecretEnv} is not set or empty`);
  return secret;
}

export function providerNameOf(settings: OidcSettings): string {
  return settings.providerName ?? new URL(settings.issuer).host;
}
