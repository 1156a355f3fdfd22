// Single sign-on end to end: a real OpenID Connect provider (oidc-provider) in this process, a
// coordinator configured for it, and headless Chromium. A user whose fedmark_role claim maps to
// scientist signs in at the provider's pages and lands on the dashboard's jobs; signing out revokes
// the session key. A user whose claim maps to nothing is refused with a message naming the claim
// and its value, and both outcomes are in the event log.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { hashSecret, newSecret } from '../protocol/auth/tokens.ts';
import { coordinatorConfig } from '../coordinator/config.ts';
import { startCoordinator, type Coordinator } from '../coordinator/server.ts';
import { chromiumInstalled, launchChromium } from './browser.fixture.ts';
import { freePort } from './fixtures.ts';
import { startOidcProvider, type TestProvider } from './oidcProvider.fixture.ts';

const SHOTS = fileURLToPath(new URL('../.fedmark/e2e-screenshots/', import.meta.url));
const CLIENT_SECRET = newSecret('fmp');
const ADMIN = newSecret('fmk');
// Never listened on: the browser's arrival there is caught, as a native app catches its redirect.
const SERVICE_CALLBACK = 'http://127.0.0.1:9/service/callback';
let provider: TestProvider;
let coordinator: Coordinator;
let chromium: { browser: BrowserContext; close: () => Promise<void> } | undefined;

beforeAll(async () => {
  const [providerPort, coordinatorPort] = [await freePort(), await freePort()];
  const redirectUrl = `http://127.0.0.1:${coordinatorPort}/v1/sso/callback`;
  provider = await startOidcProvider({
    port: providerPort,
    clients: [
      { id: 'fedmark-dashboard', secret: CLIENT_SECRET, redirectUrl },
      // A bank service or script that signs its user in and calls the API with the access token, and an unrelated app.
      { id: 'risk-notebook', secret: CLIENT_SECRET, redirectUrl: SERVICE_CALLBACK },
      { id: 'intranet-wiki', secret: CLIENT_SECRET, redirectUrl: SERVICE_CALLBACK },
    ],
    claims: { fedmark: ['fedmark_role'] },
    users: {
      alice: { email: 'alice@bank.example', claims: { fedmark_role: 'fedmark-scientists' } },
      bob: { email: 'bob@bank.example', claims: { fedmark_role: 'branch-tellers' } },
    },
  });
  coordinator = await startCoordinator(coordinatorConfig({
    port: coordinatorPort, store: ':memory:', logLevel: 'silent',
    apiKeys: [{ id: 'ops', role: 'admin', keySha256: hashSecret(ADMIN) }],
    oidc: {
      issuer: provider.issuer, providerName: 'Bank SSO', clientId: 'fedmark-dashboard', clientSecretEnv: 'FEDMARK_OIDC_SECRET', redirectUrl,
      scopes: ['openid', 'email', 'fedmark'], apiClients: ['risk-notebook'], roleClaim: 'fedmark_role', roleMap: { 'fedmark-scientists': 'scientist', 'fedmark-admins': 'admin' }, sessionHours: 1,
    },
  }, 'test'), { env: { FEDMARK_OIDC_SECRET: CLIENT_SECRET } });
  if (chromiumInstalled()) {
    chromium = await launchChromium();
    // The provider's development pages import a web font; the test has no business on the internet.
    await chromium.browser.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.abort());
  }
}, 60_000);
afterAll(async () => {
  await chromium?.close();
  await coordinator?.close();
  await provider?.close();
});

/**
 * From the dashboard's sign-in page through the provider's login and consent pages, back to the
 * dashboard; with `shots`, the dashboard's sign-in page and the provider's login page are saved for the docs.
 */
async function signInAtProvider(login: string, shots?: { signIn: string; provider: string }): Promise<Page> {
  const page = await (chromium as NonNullable<typeof chromium>).browser.newPage();
  await page.goto(`${coordinator.url}/ui/`);
  const button = page.locator('#sso-login');
  await expect.poll(() => button.textContent()).toBe('Sign in with Bank SSO');
  if (shots) await mkdir(SHOTS, { recursive: true });
  if (shots) await page.screenshot({ path: join(SHOTS, shots.signIn) });
  await button.click();
  await page.waitForSelector('input[name=login]');
  expect(page.url().startsWith(provider.issuer)).toBe(true);
  if (shots) await page.screenshot({ path: join(SHOTS, shots.provider) });
  await page.fill('input[name=login]', login);
  await page.fill('input[name=password]', 'any password: development interactions');
  await page.click('button[type=submit]');
  await page.waitForSelector('button:has-text("Continue")');
  await page.click('button:has-text("Continue")');
  await page.waitForURL((url) => url.href.startsWith(`${coordinator.url}/ui/`) && !url.hash.startsWith('#/sso/'));
  return page;
}

/** An access token for `login`, issued to `clientId` by the authorization-code flow in the browser. */
async function accessTokenFor(login: string, clientId: string): Promise<string> {
  const config = await oidc.discovery(new URL(provider.issuer), clientId, undefined, oidc.ClientSecretBasic(CLIENT_SECRET), { execute: [oidc.allowInsecureRequests] });
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: SERVICE_CALLBACK, scope: 'openid email fedmark', state,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  });
  const browser = (chromium as NonNullable<typeof chromium>).browser;
  await browser.clearCookies();
  const page = await browser.newPage();
  const landed = new Promise<string>((resolve) => {
    void page.route(`${SERVICE_CALLBACK}**`, async (route) => {
      resolve(route.request().url());
      await route.fulfill({ body: 'signed in' });
    });
  });
  await page.goto(url.href);
  await page.fill('input[name=login]', login);
  await page.fill('input[name=password]', 'any password: development interactions');
  await page.click('button[type=submit]');
  await page.click('button:has-text("Continue")');
  const tokens = await oidc.authorizationCodeGrant(config, new URL(await landed), { pkceCodeVerifier: verifier, expectedState: state });
  await page.close();
  return tokens.access_token;
}

const get = (path: string, key: string) => fetch(`${coordinator.url}${path}`, { headers: { authorization: `Bearer ${key}` } });

describe.skipIf(!chromiumInstalled())('single sign-on through a real OpenID Connect provider in headless Chromium', () => {
  it('signs a user whose claim maps to scientist in as scientist, and signing out revokes the session key', async () => {
    const page = await signInAtProvider('alice', { signIn: 'sso-sign-in.png', provider: 'sso-provider-login.png' });
    await page.waitForSelector('#jobs-table');
    expect(page.url()).toBe(`${coordinator.url}/ui/#/jobs`);
    const key = await page.evaluate('sessionStorage.getItem("fedmark.apiKey")') as string;
    expect(key).toMatch(/^fmk_/);
    expect((await get('/v1/jobs', key)).status).toBe(200);
    const keys = await get('/v1/keys', key);
    expect(keys.status).toBe(403);
    expect(((await keys.json()) as { message: string }).message).toBe('a scientist key may not do this (allowed: admin)');

    const listed = (await (await get('/v1/keys', ADMIN)).json()) as Array<{ id: string; role: string; expiresAt?: string }>;
    const session = listed.find((k) => k.id.startsWith('sso:alice@bank.example:'));
    expect(session).toMatchObject({ role: 'scientist' });
    const hours = (Date.parse(String(session?.expiresAt)) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(0.9);
    expect(hours).toBeLessThanOrEqual(1);
    const login = coordinator.store.eventLog({ limit: 50, type: 'sso.' }).find((e) => e.type === 'sso.login');
    expect(login?.detail).toMatchObject({ user: 'alice@bank.example', role: 'scientist', key: session?.id });

    await page.click('#logout');
    await page.waitForSelector('#api-key');
    const after = await get('/v1/jobs', key);
    expect(after.status).toBe(401);
    expect(((await after.json()) as { code: string; message: string })).toMatchObject({ code: 'FM_ERR_AUTH_KEY_REVOKED', message: expect.stringContaining(`API key ${session?.id} was revoked at`) });
    expect(coordinator.store.eventLog({ limit: 50, type: 'sso.' }).map((e) => e.type)).toContain('sso.logout');
    await page.close();
  });

  it('refuses a user whose claim maps to no role, naming the claim and its value', async () => {
    await chromium?.browser.clearCookies();
    const page = await signInAtProvider('bob');
    const error = page.locator('form.login .error');
    await expect.poll(() => error.textContent()).toBe(
      'user bob@bank.example has no fedmark role: claim fedmark_role is "branch-tellers", which oidc.roleMap does not map (it maps "fedmark-scientists", "fedmark-admins")');
    expect(await page.evaluate('sessionStorage.getItem("fedmark.apiKey")')).toBeNull();
    const refused = coordinator.store.eventLog({ limit: 50, type: 'sso.' }).find((e) => e.type === 'sso.refused');
    expect(refused?.detail).toMatchObject({ user: 'bob@bank.example', claim: 'fedmark_role' });
    const keys = (await (await get('/v1/keys', ADMIN)).json()) as Array<{ id: string }>;
    expect(keys.some((k) => k.id.startsWith('sso:bob'))).toBe(false);
    await page.close();
  });
});

describe.skipIf(!chromiumInstalled())('the provider\'s access tokens as API bearer tokens', () => {
  it('accepts a token issued to a client in oidc.apiClients with the user\'s role, and refuses other clients\', unmapped users\' and unknown tokens', async () => {
    const alice = await accessTokenFor('alice', 'risk-notebook');
    expect((await get('/v1/jobs', alice)).status).toBe(200);
    const keys = await get('/v1/keys', alice);
    expect(keys.status).toBe(403);
    expect(((await keys.json()) as { message: string }).message).toBe('a scientist key may not do this (allowed: admin)');

    const wiki = await get('/v1/jobs', await accessTokenFor('alice', 'intranet-wiki'));
    expect(wiki.status).toBe(401);
    expect(await wiki.json()).toEqual({ code: 'FM_ERR_AUTH_SSO_TOKEN', message: 'access token from Bank SSO refused: it was issued to intranet-wiki, not to a client in oidc.apiClients' });

    const bob = await get('/v1/jobs', await accessTokenFor('bob', 'risk-notebook'));
    expect(bob.status).toBe(403);
    expect(((await bob.json()) as { message: string }).message).toContain('user bob@bank.example has no fedmark role: claim fedmark_role is "branch-tellers"');

    const made = await get('/v1/jobs', 'made-up-access-token');
    expect(((await made.json()) as { message: string }).message).toBe('access token from Bank SSO refused: the provider says it is not active (expired, revoked or never issued)');
    const refused = coordinator.store.eventLog({ limit: 10, type: 'sso.token.refused' }).map((e) => e.detail.reason);
    expect(refused).toEqual(expect.arrayContaining([expect.stringContaining('issued to intranet-wiki'), expect.stringContaining('not active')]));
  });
});

describe('single sign-on refusals over plain HTTP', () => {
  it('refuses a callback that this browser did not start, and a hand-over used twice', async () => {
    const callback = await fetch(`${coordinator.url}/v1/sso/callback?state=forged-state&code=forged-code`, { redirect: 'manual' });
    expect(callback.status).toBe(302);
    const token = /#\/sso\/(fms_[\w-]+)$/.exec(callback.headers.get('location') ?? '')?.[1];
    expect(token).toBeDefined();
    const trade = () => fetch(`${coordinator.url}/v1/sso/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
    const first = await trade();
    expect(first.status).toBe(401);
    expect(await first.json()).toEqual({ code: 'FM_ERR_AUTH_SSO', message: 'single sign-on through Bank SSO failed: this sign-in was not started in this browser, or it is over 10 minutes old; sign in again' });
    expect(((await (await trade()).json()) as { message: string }).message).toContain('the hand-over to the dashboard is unknown, used or expired');
  });

  it('refuses to sign in through a provider whose discovery document names another issuer, and records why', async () => {
    const wrongIssuer = provider.issuer.replace('127.0.0.1', 'localhost');
    const other = await startCoordinator(coordinatorConfig({
      port: 0, store: ':memory:', logLevel: 'silent',
      oidc: { issuer: wrongIssuer, clientId: 'fedmark-dashboard', clientSecret: CLIENT_SECRET, redirectUrl: 'http://127.0.0.1:1/v1/sso/callback', roleClaim: 'fedmark_role', roleMap: { 'fedmark-scientists': 'scientist' } },
    }, 'test'));
    try {
      const login = await fetch(`${other.url}/v1/sso/login`, { redirect: 'manual' });
      expect(login.status).toBe(302);
      const token = /^\/ui\/#\/sso\/(fms_[\w-]+)$/.exec(login.headers.get('location') ?? '')?.[1];
      const trade = await fetch(`${other.url}/v1/sso/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
      expect(trade.status).toBe(401);
      const body = (await trade.json()) as { code: string; message: string };
      expect(body.code).toBe('FM_ERR_AUTH_SSO');
      expect(body.message).toContain(`single sign-on through ${new URL(wrongIssuer).host} failed: cannot read its discovery document at ${wrongIssuer}/:`);
      expect(body.message).toContain('issuer');
      expect(other.store.eventLog({ limit: 5, type: 'sso.refused' })[0]?.detail.reason).toBe(body.message);
    } finally {
      await other.close();
    }
  });

  it('will not end a service key as if it were a session', async () => {
    const res = await fetch(`${coordinator.url}/v1/sso/logout`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe('FM_ERR_AUTH_SSO_KEY');
  });
});
