// The install path of a bank's operations team, as they would run it: deploy/pack.sh builds the
// release tarball, deploy/install.sh installs it into an empty folder outside this clone (npm from
// its cache only, with no PATH or npm setting pointing into the clone), and the coordinator and two
// parties start exactly as the systemd units' ExecStart lines say, with the units' and example
// configs' paths moved under the test's root. The installed processes then serve a PSI job over WSS.
import { accessSync, constants, existsSync, readFileSync, realpathSync } from 'node:fs';
import { copyFile, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as fromYaml, stringify as toYaml } from 'yaml';
import { fate } from '../../data/sets.ts';
import { hashSecret, newSecret } from '../../protocol/auth/tokens.ts';
import type { JobView } from '../../protocol/messages/jobSpec.ts';
import { partnersOf, pinIdentities, identityFile } from '../../coordinator/simulate.ts';
import { makeCa, makeServerCert } from '../certs.fixture.ts';
import { freePort, tempDir, until } from '../fixtures.ts';
import { httpsJson } from './https.fixture.ts';
import { run, runOk, Service } from './processes.fixture.ts';
import { readUnit, relocate, single } from './systemdUnit.fixture.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const DEPLOY = join(REPO, 'deploy');
const VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
const PARTIES = ['bank', 'insurer'] as const;

/** What an operator's shell has: the system's tools, no npm settings and nothing of this clone. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const path = (process.env.PATH ?? '').split(':').filter((p) => p && !p.includes('node_modules') && !p.startsWith(REPO)).join(':');
  return { PATH: path, HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8', ...extra };
}

/** The argv of a unit's ExecStart (fedmark's units quote nothing). */
function argv(execStart: string): string[] {
  expect(execStart).not.toMatch(/["'\\$%]/);
  return execStart.split(/\s+/);
}

let root: string;
let tarball: string;
let prefix: string;
const services: Service[] = [];

beforeAll(async () => {
  root = await tempDir('install');
  await mkdir(join(root, 'dist'));
  tarball = (await runOk('sh', [join(DEPLOY, 'pack.sh'), join(root, 'dist')], { cwd: REPO })).stdout.trim();
  prefix = join(root, 'opt', `fedmark-${VERSION}`);
  await mkdir(join(root, 'opt'));
  // --offline: CI's `npm ci` has put every package of the lockfile in npm's cache; a test that downloads fails there.
  const installed = await runOk('sh', [join(DEPLOY, 'install.sh'), tarball, prefix, '--offline'], { cwd: join(root, 'opt'), env: cleanEnv() });
  expect(installed.stdout).toContain(`fedmark installed in ${prefix} (Node v24.`);
  await symlink(prefix, join(root, 'opt', 'fedmark'));
}, 240_000);

afterAll(async () => {
  await Promise.all(services.map((s) => s.stop()));
});

describe('install from the release tarball', () => {
  it('ships the lockfile and the launcher, and the installed copy runs on its own Node 24', async () => {
    const listing = (await runOk('tar', ['-tzf', tarball])).stdout.split('\n');
    expect(tarball).toBe(join(root, 'dist', `fedmark-${VERSION}.tgz`));
    for (const file of ['npm-shrinkwrap.json', 'bin/fedmark', 'bin/fedmark.ts', 'deploy/fedmark-party.service', 'deploy/fedmark-coordinator.service', 'deploy/install.sh']) {
      expect(listing).toContain(`package/${file}`);
    }
    expect(listing.some((f) => f.startsWith('package/node_modules/'))).toBe(false);
    const node = join(prefix, 'node_modules', 'node', 'bin', 'node');
    expect((await runOk(node, ['--version'])).stdout).toMatch(/^v24\./);
    // The host's own Node (v20 on this machine) does not matter: the launcher picks the installed one.
    const help = await runOk(join(root, 'opt', 'fedmark', 'bin', 'fedmark'), ['party', '--help'], { env: cleanEnv() });
    expect(help.stdout).toContain('usage: fedmark party --config FILE');
    // Each version goes into a folder of its own; an existing one is never overwritten.
    const again = await run('sh', [join(DEPLOY, 'install.sh'), tarball, prefix], { env: cleanEnv() });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`${prefix} exists already`);
  });

  for (const role of ['party', 'coordinator'] as const) {
    it(`fedmark-${role}.service: hardened, its ExecStart is the installed launcher, and the example config writes only where the unit allows`, async () => {
      const unit = readUnit(join(DEPLOY, `fedmark-${role}.service`));
      const state = role === 'party' ? '/var/lib/fedmark' : '/var/lib/fedmark-coordinator';
      expect(single(unit, 'Service', 'ExecStart')).toBe(`/opt/fedmark/bin/fedmark ${role} --config /etc/fedmark/${role}.yaml`);
      expect(single(unit, 'Service', 'User')).toBe('fedmark');
      expect(single(unit, 'Service', 'NoNewPrivileges')).toBe('yes');
      expect(single(unit, 'Service', 'ProtectSystem')).toBe('strict');
      expect(single(unit, 'Service', 'ReadWritePaths')).toBe(state);
      expect(`/var/lib/${single(unit, 'Service', 'StateDirectory')}`).toBe(state);
      expect(single(unit, 'Service', 'CapabilityBoundingSet')).toBe('');
      if (role === 'party') expect(single(unit, 'Service', 'EnvironmentFile')).toBe('/etc/fedmark/party.env');
      const launcher = argv(relocate(single(unit, 'Service', 'ExecStart'), { '/opt/fedmark': join(root, 'opt', 'fedmark') }))[0] as string;
      accessSync(launcher, constants.X_OK);
      expect(realpathSync(launcher)).toBe(join(prefix, 'bin', 'fedmark'));

      const example = fromYaml(await readFile(join(DEPLOY, `${role}.example.yaml`), 'utf8')) as Record<string, string>;
      const written = role === 'party' ? [example.workDir, example.identity] : [example.store];
      for (const path of written) expect(path?.startsWith(`${state}/`)).toBe(true);
    });
  }

  const verify = existsSync('/usr/bin/systemd-analyze') || process.env.CI === 'true';
  // Skipped only off CI on a machine without systemd; under CI a missing systemd-analyze fails the test.
  it.runIf(verify)('systemd-analyze verify accepts both units against the installed layout', async () => {
    const dir = join(root, 'units');
    await mkdir(dir, { recursive: true });
    for (const role of ['party', 'coordinator']) {
      const text = await readFile(join(DEPLOY, `fedmark-${role}.service`), 'utf8');
      await writeFile(join(dir, `fedmark-${role}.service`), relocate(text, { '/opt/fedmark': join(root, 'opt', 'fedmark') }));
    }
    const verified = await run('systemd-analyze', ['verify', join(dir, 'fedmark-party.service'), join(dir, 'fedmark-coordinator.service')]);
    expect(verified.stderr.split('\n').filter((l) => l.includes('fedmark-'))).toEqual([]);
    expect(verified.code).toBe(0);
  });

  it('the installed coordinator and two installed parties, started as the units say, serve a PSI job over WSS', async () => {
    const ca = await makeCa('fedmark install CA');
    const cert = await makeServerCert(ca);
    const port = await freePort();
    const adminKey = newSecret('fmk');
    const tokens = new Map(PARTIES.map((id) => [id, newSecret('fmp')]));

    const start = async (name: string, role: 'party' | 'coordinator', host: string, config: (example: Record<string, unknown>) => Record<string, unknown>, files: Record<string, string> = {}) => {
      const moves = { '/opt/fedmark': join(root, 'opt', 'fedmark'), '/etc/fedmark': join(host, 'etc', 'fedmark'), '/var/lib': join(host, 'var', 'lib'), '/srv/fedmark': join(host, 'srv', 'fedmark') };
      const unit = readUnit(join(DEPLOY, `fedmark-${role}.service`));
      const at = (key: string) => relocate(single(unit, 'Service', key), moves);
      const example = fromYaml(relocate(await readFile(join(DEPLOY, `${role}.example.yaml`), 'utf8'), moves)) as Record<string, unknown>;
      const [command, ...args] = argv(at('ExecStart'));
      const configFile = args[args.indexOf('--config') + 1] as string;
      await mkdir(dirname(configFile), { recursive: true });
      await mkdir(at('WorkingDirectory'), { recursive: true, mode: 0o700 });
      await writeFile(configFile, toYaml(config(example)));
      for (const [file, text] of Object.entries(files)) {
        const path = relocate(file, moves);
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, text);
      }
      // systemd reads the EnvironmentFile (KEY=value lines) and starts the command with that environment only.
      const envFile = unit.Service?.EnvironmentFile?.[0];
      const fromFile = envFile ? Object.fromEntries((await readFile(relocate(envFile, moves), 'utf8')).trim().split('\n').map((l) => l.split(/=(.*)/s).slice(0, 2) as [string, string])) : {};
      const service = new Service(name, command as string, args, { cwd: at('WorkingDirectory'), env: cleanEnv(fromFile) });
      services.push(service);
      return { service, example };
    };

    const coordinatorHost = join(root, 'hosts', 'coordinator');
    const { service: coordinator } = await start('coordinator', 'coordinator', coordinatorHost, (example) => ({
      ...example, host: '127.0.0.1', port, logLevel: 'warn',
      parties: PARTIES.map((id) => ({ id, tokenSha256: hashSecret(tokens.get(id) as string) })),
      apiKeys: [{ id: 'ops', role: 'admin', keySha256: hashSecret(adminKey) }],
    }), { '/etc/fedmark/coordinator.crt': cert.certPem, '/etc/fedmark/coordinator.key': cert.keyPem });

    const pins = Object.assign({}, ...PARTIES.map((id) => pinIdentities(join(root, 'hosts', id, 'var', 'lib', 'fedmark'), [id]))) as Record<string, string>;
    const parties: Service[] = [];
    for (const [i, id] of PARTIES.entries()) {
      const host = join(root, 'hosts', id);
      await mkdir(join(host, 'srv', 'fedmark'), { recursive: true });
      await copyFile(fate(i === 0 ? 'breast_hetero_guest' : 'breast_hetero_host'), join(host, 'srv', 'fedmark', 'crm.csv.gz'));
      const { service, example } = await start(id, 'party', host, (example) => ({
        ...example, id, coordinator: `wss://127.0.0.1:${port}`, logLevel: 'warn',
        identity: identityFile(join(host, 'var', 'lib', 'fedmark'), id),
        knownPartners: partnersOf(pins, id),
        datasets: { crm: { ...(example.datasets as { crm: object }).crm, idColumn: 'id' } },
      }), { '/etc/fedmark/ca.crt': ca.pem, '/etc/fedmark/party.env': `FEDMARK_PARTY_TOKEN=${tokens.get(id)}\n` });
      expect((example.datasets as { crm: { csv: string } }).crm.csv).toBe(join(host, 'srv', 'fedmark', 'crm.csv.gz'));
      parties.push(service);
    }

    const url = `https://127.0.0.1:${port}`;
    const all = [coordinator, ...parties];
    const failed = () => all.map((s) => s.describe()).join('\n');
    await until(async () => {
      if (all.some((s) => s.exited)) throw new Error(`a service stopped:\n${failed()}`);
      const online = await httpsJson<Array<{ id: string; online: boolean }>>(`${url}/v1/parties`, { ca: ca.pem, key: adminKey }).catch(() => undefined);
      return online?.body.filter((p) => p.online).length === PARTIES.length;
    }, 60_000, 'the installed parties online');

    for (const service of all) {
      // Each process is the installed Node running the installed code, nothing from this clone.
      expect(realpathSync(`/proc/${service.child.pid}/exe`)).toBe(realpathSync(join(prefix, 'node_modules', 'node', 'bin', 'node')));
      expect(readFileSync(`/proc/${service.child.pid}/cmdline`, 'utf8').split('\0')[1]).toBe(join(prefix, 'bin', 'fedmark.ts'));
    }

    const spec = { name: 'installed-psi', kind: 'psi', parties: [{ id: 'bank', role: 'guest', data: { dataset: 'crm' } }, { id: 'insurer', role: 'host', data: { dataset: 'crm' } }] };
    const submitted = await httpsJson<{ id: string }>(`${url}/v1/jobs`, { ca: ca.pem, key: adminKey, method: 'POST', body: spec });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
    const { body: view } = await httpsJson<JobView>(`${url}/v1/jobs/${submitted.body.id}/wait`, { ca: ca.pem, key: adminKey });
    expect(view.state, `${JSON.stringify(view.error)}\n${failed()}`).toBe('succeeded');
    expect(view.result?.psi?.intersectionSize).toBe(569);
    const workDir = join(root, 'hosts', 'bank', 'var', 'lib', 'fedmark', 'work');
    expect((await readFile(join(workDir, 'jobs', view.id, 'intersection.csv'), 'utf8')).trim().split('\n')).toHaveLength(570);
  });
});
