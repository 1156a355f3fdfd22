// `fedmark dashboard --login-url` against a real coordinator: the printed link signs in once — over
// plain HTTP as a script would use it, and in headless Chromium as a person would — and a second
// use or a use after its expiry is refused with an error that says which.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret, newSecret } from '../../protocol/auth/tokens.ts';
import { coordinatorConfig } from '../../coordinator/config.ts';
import { startCoordinator, type Coordinator } from '../../coordinator/server.ts';
import { chromiumInstalled, launchChromium } from '../browser.fixture.ts';
import { until } from '../fixtures.ts';
import { runOk, run } from './processes.fixture.ts';

const CLI = fileURLToPath(new URL('../../bin/fedmark.ts', import.meta.url));
const ADMIN = newSecret('fmk');
const SCIENTIST = newSecret('fmk');
let coordinator: Coordinator;

/** `fedmark dashboard …` as an admin's script runs it. */
async function dashboard(args: string[], key = ADMIN) {
  return run(process.execPath, ['--disable-warning=ExperimentalWarning', CLI, 'dashboard', ...args], { env: { ...process.env, FEDMARK_URL: coordinator.url, FEDMARK_KEY: key } });
}

async function post(path: string, body: unknown, key?: string): Promise<{ status: number; body: Record<string, string> }> {
  const res = await fetch(`${coordinator.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

const tokenOf = (link: string) => /#\/login-link\/(fml_[\w-]+)$/.exec(link)?.[1] as string;

beforeAll(async () => {
  coordinator = await startCoordinator(coordinatorConfig({
    port: 0, store: ':memory:', logLevel: 'silent',
    apiKeys: [{ id: 'ops', role: 'admin', keySha256: hashSecret(ADMIN) }, { id: 'alice', role: 'scientist', keySha256: hashSecret(SCIENTIST) }],
  }, 'test'));
});
afterAll(() => coordinator?.close());

describe('fedmark dashboard --login-url', () => {
  it('prints a link that signs in once, as the role and name asked for, and refuses it the second time', async () => {
    const made = await runOk(process.execPath, ['--disable-warning=ExperimentalWarning', CLI, 'dashboard', '--login-url', '--role', 'scientist', '--name', 'ops-web', '--expires', '5m'], { env: { ...process.env, FEDMARK_URL: coordinator.url, FEDMARK_KEY: ADMIN } });
    const link = made.stdout.trim();
    expect(link).toMatch(new RegExp(`^${coordinator.url}/ui/#/login-link/fml_[\\w-]{43}$`));
    expect(made.stderr).toMatch(/^one sign-in as scientist "ops-web" until \d{4}-\d\d-\d\dT[\d:.]+Z; the session key it gives lasts 12 hours/);

    const first = await post('/v1/login-links/redeem', { token: tokenOf(link) });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ id: 'ops-web', role: 'scientist', key: expect.stringMatching(/^fmk_/) });
    // The session key is an ordinary scientist key: it reads jobs, it may not manage keys.
    const jobs = await fetch(`${coordinator.url}/v1/jobs`, { headers: { authorization: `Bearer ${first.body.key}` } });
    expect(jobs.status).toBe(200);
    const keys = await fetch(`${coordinator.url}/v1/keys`, { headers: { authorization: `Bearer ${first.body.key}` } });
    expect(keys.status).toBe(403);

    const second = await post('/v1/login-links/redeem', { token: tokenOf(link) });
    expect(second.status).toBe(401);
    expect(second.body.code).toBe('FM_ERR_AUTH_LINK');
    expect(second.body.message).toMatch(/^this dashboard sign-in link was used already, at .*Z; ask an admin for a new one \(fedmark dashboard --login-url\)$/);
    const events = coordinator.store.eventLog({ limit: 50, type: 'key.' }).map((e) => e.type);
    expect(events).toEqual(expect.arrayContaining(['key.login-link.created', 'key.created', 'key.login-link.used', 'key.login-link.refused']));
  });

  it('refuses a link after its expiry, a made-up token, and a link asked for without an admin key', async () => {
    const made = await post('/v1/login-links', { role: 'admin', name: 'night-shift', expiresInSeconds: 1 }, ADMIN);
    expect(made.status).toBe(201);
    await until(() => Date.now() > Date.parse(String(made.body.expiresAt)), 5_000, 'the link expired');
    const late = await post('/v1/login-links/redeem', { token: made.body.token });
    expect(late.status).toBe(401);
    expect(late.body.message).toContain(`link expired at ${made.body.expiresAt};`);

    const forged = await post('/v1/login-links/redeem', { token: 'fml_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' });
    expect(forged.body.message).toContain('link is not known to this coordinator');

    const byScientist = await dashboard(['--login-url'], SCIENTIST);
    expect(byScientist.code).toBe(1);
    expect(byScientist.stderr).toContain('FM_ERR_AUTH_ROLE');
    const taken = await dashboard(['--login-url', '--name', 'alice']);
    expect(taken.stderr).toContain('FM_ERR_AUTH_KEY_EXISTS: an API key named alice exists already');
    const tooLong = await dashboard(['--login-url', '--expires', '2d']);
    expect(tooLong.code).toBe(2);
    expect(tooLong.stderr).toContain('--expires takes a duration from 1s to 24h (30s, 10m, 1h), not 2d');
  });

  it('without --login-url prints the dashboard\'s address; --help its usage', async () => {
    expect((await dashboard([])).stdout.trim()).toBe(`${coordinator.url}/ui/`);
    const help = await dashboard(['--help']);
    expect(help.stdout).toContain('usage: fedmark dashboard [--json]');
    expect((await dashboard(['--name', 'x'])).stderr).toContain('--name goes with --login-url (see fedmark dashboard --help)');
  });

  // Skipped only off CI on a machine without Chromium; under CI (which installs it) a missing browser fails the test.
  it.runIf(process.env.CI === 'true' || chromiumInstalled())('signs a browser in once: the address loses the token, a second opening is refused on the sign-in page', async () => {
    const link = (await dashboard(['--login-url', '--name', 'browser-web'])).stdout.trim();
    const chromium = await launchChromium();
    try {
      const page = await chromium.browser.newPage();
      await page.goto(link);
      await page.waitForSelector('#jobs-table');
      expect(page.url()).toBe(`${coordinator.url}/ui/#/jobs`);
      expect(await page.evaluate('sessionStorage.getItem("fedmark.apiKey")')).toMatch(/^fmk_/);

      const again = await chromium.browser.newPage();
      await again.goto(link);
      const error = await again.waitForSelector('.login .error:has-text("used already")');
      expect(await error.textContent()).toMatch(/^this dashboard sign-in link was used already, at .*; ask an admin for a new one/);
      expect(again.url()).not.toContain('fml_');
    } finally {
      await chromium.close();
    }
  });
});
