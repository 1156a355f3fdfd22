// A real OpenID Connect provider in the test process (panva's oidc-provider, the certified one),
// standing in for the bank's: confidential clients with PKCE required, token introspection on, and
// the users a test names with their claims. Its development sign-in pages take any password; the user is whoever's
// login is typed. Signing keys are generated afresh at each start.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import Provider from 'oidc-provider';

export interface TestUser {
  email: string;
  claims: Record<string, unknown>;
}

export interface TestProvider {
  issuer: string;
  close(): Promise<void>;
}

export interface TestClient {
  id: string;
  secret: string;
  redirectUrl: string;
}

export async function startOidcProvider(opts: { port: number; clients: TestClient[]; users: Record<string, TestUser>; claims: Record<string, string[]> }): Promise<TestProvider> {
  const issuer = `http://127.0.0.1:${opts.port}`;
  const provider = new Provider(issuer, {
    clients: opts.clients.map((client) => ({
      client_id: client.id, client_secret: client.secret, redirect_uris: [client.redirectUrl],
      grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic',
    })),
    // Scope name -> the claims it releases (openid releases sub).
    claims: { openid: ['sub'], email: ['email'], ...opts.claims },
    async findAccount(_ctx, id) {
      const user = opts.users[id];
      if (!user) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, email: user.email, ...user.claims }) };
    },
    pkce: { required: () => true },
    cookies: { keys: ['oidc-provider test cookie key'] },
    features: { devInteractions: { enabled: true }, introspection: { enabled: true } },
  });
  const server: Server = await new Promise((resolve) => {
    const s = provider.listen(opts.port, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    issuer: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
