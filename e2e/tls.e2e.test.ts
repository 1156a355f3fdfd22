// TLS end to end: the coordinator serves HTTPS and WSS from its certificate; a party connects when it
// trusts the right CA or pins the right fingerprint, and stops with FM_ERR_AUTH_TLS otherwise,
// before its token is ever sent.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { stringify as toYaml } from 'yaml';
import { get } from 'node:https';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../protocol/auth/tokens.ts';
import { partyConfig } from '../party-node/config.ts';
import { CoordinatorLink } from '../party-node/link.ts';
import { coordinatorConfig } from '../coordinator/config.ts';
import { startCoordinator, type Coordinator } from '../coordinator/server.ts';
import { makeCa, makeServerCert, type ServerCert } from './certs.fixture.ts';
import { tempDir, until } from './fixtures.ts';

const TOKEN = 'fmp_tls-test-token-for-bank-000000';
let dir: string;
let server: ServerCert;
let caPem: string;
let coordinator: Coordinator;
let upgrades = 0;

beforeAll(async () => {
  dir = await tempDir('tls');
  const ca = await makeCa('fedmark test CA');
  const rogue = await makeCa('some other CA');
  server = await makeServerCert(ca);
  caPem = ca.pem;
  await writeFile(join(dir, 'ca.pem'), ca.pem);
  await writeFile(join(dir, 'rogue-ca.pem'), rogue.pem);
  await writeFile(join(dir, 'coordinator.crt'), server.certPem);
  await writeFile(join(dir, 'coordinator.key'), server.keyPem);
  coordinator = await startCoordinator(coordinatorConfig({
    port: 0, store: ':memory:', logLevel: 'silent',
    tls: { cert: join(dir, 'coordinator.crt'), key: join(dir, 'coordinator.key') },
    parties: [{ id: 'bank', tokenSha256: hashSecret(TOKEN) }],
  }, 'test'));
  coordinator.app.server.on('upgrade', () => void upgrades++);
});
afterAll(() => coordinator.close());

function link(tls: Record<string, string> | undefined, url = coordinator.url.replace('https', 'wss')): CoordinatorLink {
  const config = partyConfig({
    id: 'bank', coordinator: url, token: TOKEN, dataRoots: ['.'], workDir: join(dir, 'party'),
    threads: 1, logLevel: 'silent', reconnectMinMs: 50, ...(tls ? { tls } : {}),
  }, 'test');
  return new CoordinatorLink(config, pino({ level: 'silent' }));
}

/** Whether the link came up or stopped on its own, and why. */
async function outcome(l: CoordinatorLink): Promise<{ connected: true } | { fatal: { code?: string; message: string } }> {
  const result = new Promise<{ connected: true } | { fatal: { code?: string; message: string } }>((resolve) => {
    l.once('connected', () => resolve({ connected: true }));
    l.once('fatal', (err) => resolve({ fatal: err }));
  });
  l.start();
  const r = await result;
  await l.stop();
  return r;
}

describe('TLS', () => {
  it('serves the API over HTTPS with the configured certificate, verified against its CA', async () => {
    expect(coordinator.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const body = await new Promise<string>((resolve, reject) => {
      get(`${coordinator.url}/v1/health`, { ca: caPem }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve(text));
      }).on('error', reject);
    });
    expect(JSON.parse(body)).toEqual({ status: 'ok' });
  });

  it('connects a party that trusts the right CA, and refuses one with another CA before sending its token', async () => {
    expect(await outcome(link({ ca: join(dir, 'ca.pem') }))).toEqual({ connected: true });
    const before = upgrades;
    const refused = await outcome(link({ ca: join(dir, 'rogue-ca.pem') }));
    expect(refused).toMatchObject({ fatal: { code: 'FM_ERR_AUTH_TLS' } });
    expect('fatal' in refused && refused.fatal.message).toMatch(/^the coordinator at wss:\/\/127\.0\.0\.1:\d+ failed this party's certificate check: .*certificate.* \(check tls\.ca and tls\.pinSha256 in the party config\)$/);
    expect(upgrades).toBe(before);
  });

  it('refuses a coordinator whose certificate is not trusted at all (no tls settings, system CAs)', async () => {
    const refused = await outcome(link(undefined));
    expect('fatal' in refused && refused.fatal.message).toMatch(/set tls\.ca or tls\.pinSha256/);
  });

  it('connects a party that pins the right fingerprint, any case and with or without colons, and refuses a wrong pin', async () => {
    expect(await outcome(link({ pinSha256: server.fingerprint256.replaceAll(':', '').toLowerCase() }))).toEqual({ connected: true });
    expect(await outcome(link({ pinSha256: server.fingerprint256 }))).toEqual({ connected: true });
    const before = upgrades;
    const wrong = `${server.fingerprint256.slice(0, -2)}${server.fingerprint256.endsWith('00') ? '01' : '00'}`;
    const refused = await outcome(link({ pinSha256: wrong }));
    expect('fatal' in refused && refused.fatal).toMatchObject({ code: 'FM_ERR_AUTH_TLS', message: expect.stringContaining(`fingerprint ${server.fingerprint256} is not the pinned ${wrong}`) });
    expect(upgrades).toBe(before);
  });

  it('refuses a tls setting on a ws:// coordinator address, where the token would travel in clear', () => {
    expect(() => link({ ca: join(dir, 'ca.pem') }, coordinator.url.replace('https', 'ws'))).toThrow(/configuration party config: tls: set, but coordinator ws:\/\/127\.0\.0\.1:\d+ is not a wss:\/\/ address/);
  });

  it('with both a CA and a pin, requires both', async () => {
    const wrong = `${server.fingerprint256.slice(0, -2)}${server.fingerprint256.endsWith('00') ? '01' : '00'}`;
    const refused = await outcome(link({ ca: join(dir, 'ca.pem'), pinSha256: wrong }));
    expect(refused).toMatchObject({ fatal: { code: 'FM_ERR_AUTH_TLS' } });
    expect(await outcome(link({ ca: join(dir, 'ca.pem'), pinSha256: server.fingerprint256 }))).toEqual({ connected: true });
  });

  it('a certificate and key that do not belong together stop the start-up before the store exists', async () => {
    const other = await makeServerCert(await makeCa('third CA'));
    await writeFile(join(dir, 'other.key'), other.keyPem);
    const store = join(dir, 'mismatch', 'coordinator.db');
    await expect(startCoordinator(coordinatorConfig({
      port: 0, store, logLevel: 'silent', tls: { cert: join(dir, 'coordinator.crt'), key: join(dir, 'other.key') },
    }, 'test'))).rejects.toThrow(/FM_ERR_CFG_INVALID|do not load together/);
    expect(existsSync(join(dir, 'mismatch'))).toBe(false);
  });

  it('fedmark coordinator reads the config file\'s relative paths (store, certificate, key) from the file\'s folder', async () => {
    const home = join(dir, 'coordinator-home');
    await mkdir(home);
    await writeFile(join(home, 'coordinator.crt'), server.certPem);
    await writeFile(join(home, 'coordinator.key'), server.keyPem);
    await writeFile(join(home, 'coordinator.yaml'), toYaml({ port: 0, store: 'state/coordinator.db', logLevel: 'silent', tls: { cert: 'coordinator.crt', key: 'coordinator.key' } }));
    const cli = fileURLToPath(new URL('../bin/fedmark.ts', import.meta.url));
    // Started from another working directory: the relative paths must still be found beside the file.
    const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', cli, 'coordinator', '--config', join(home, 'coordinator.yaml')], { cwd: dir, stdio: 'ignore' });
    try {
      await until(() => existsSync(join(home, 'state', 'coordinator.db')), 30_000, 'the store beside the config file');
      expect(existsSync(join(dir, 'state'))).toBe(false);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
