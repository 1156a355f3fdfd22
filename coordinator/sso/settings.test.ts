// The oidc section of the coordinator config: checked once at start-up, each problem named by its
// field, with the client secret from the file or from the environment variable the file names.
import { describe, expect, it } from 'vitest';
import { coordinatorConfig } from '../config.ts';
import { oidcClientSecret, providerNameOf, type OidcSettings } from './settings.ts';

const OIDC = {
  issuer: 'https://login.bank.example/realms/staff', clientId: 'fedmark', clientSecretEnv: 'FEDMARK_OIDC_SECRET',
  redirectUrl: 'https://fedmark.bank.example/v1/sso/callback', roleClaim: 'groups', roleMap: { 'fedmark-scientists': 'scientist' },
};

function configWith(oidc: Record<string, unknown>) {
  return () => coordinatorConfig({ oidc }, 'coordinator.yaml');
}

describe('the oidc config section', () => {
  it('is defaulted: scopes, the user claim, an eight-hour session and no access tokens accepted', () => {
    const config = coordinatorConfig({ oidc: OIDC }, 'coordinator.yaml');
    expect(config.oidc).toMatchObject({ scopes: ['openid', 'profile', 'email'], userClaim: 'email', sessionHours: 8, apiClients: [] });
    expect(providerNameOf(config.oidc as OidcSettings)).toBe('login.bank.example');
  });

  it('names the roleMap entry whose role is unknown', () => {
    expect(configWith({ ...OIDC, roleMap: { 'fedmark-scientists': 'scientist', 'fedmark-owners': 'superuser' } }))
      .toThrow(/^configuration coordinator\.yaml: oidc\.roleMap\.fedmark-owners: /);
  });

  it('names other wrong fields: a redirect URL that is not the callback, an unknown field, a session over a day', () => {
    expect(configWith({ ...OIDC, redirectUrl: 'https://fedmark.bank.example/' })).toThrow(/: oidc\.redirectUrl: /);
    expect(configWith({ ...OIDC, audience: 'x' })).toThrow(/: oidc\.audience: /);
    expect(configWith({ ...OIDC, sessionHours: 48 })).toThrow(/: oidc\.sessionHours: /);
  });

  it('takes the client secret from the named environment variable, or says it is missing', () => {
    const settings = coordinatorConfig({ oidc: OIDC }, 'c').oidc as OidcSettings;
    expect(oidcClientSecret(settings, { FEDMARK_OIDC_SECRET: 's3cret' }, 'c')).toBe('s3cret');
    expect(() => oidcClientSecret(settings, {}, 'c')).toThrow('configuration c: oidc.clientSecretEnv: the environment variable FEDMARK_OIDC_SECRET is not set or empty');
  });

  it('refuses both secrets, neither secret, and scopes without openid', () => {
    const both = coordinatorConfig({ oidc: { ...OIDC, clientSecret: 'x' } }, 'c').oidc as OidcSettings;
    expect(() => oidcClientSecret(both, {}, 'c')).toThrow('oidc.clientSecret: give clientSecret or clientSecretEnv, not both');
    const { clientSecretEnv: _, ...none } = OIDC;
    expect(() => oidcClientSecret(coordinatorConfig({ oidc: none }, 'c').oidc as OidcSettings, {}, 'c')).toThrow('oidc.clientSecretEnv: the client secret is needed');
    const noOpenid = coordinatorConfig({ oidc: { ...OIDC, scopes: ['email'] } }, 'c').oidc as OidcSettings;
    expect(() => oidcClientSecret(noOpenid, { FEDMARK_OIDC_SECRET: 's' }, 'c')).toThrow('oidc.scopes: must include openid');
  });
});
