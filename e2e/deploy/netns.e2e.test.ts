// A deployment with no shared disk: the coordinator, a bank (guest), an insurer (host) and a data
// scientist each on a host of their own — a network namespace and a folder the others' processes
// cannot see (netns.fixture.ts) — started with `ip netns exec NS node bin/fedmark.ts …` as an
// operator would. The certificates come from the README's openssl recipe, run on the coordinator's
// host; the parties dial wss://coordinator.example:7400, checking the CA and the pinned
// fingerprint, pin each other's identity and serve datasets from their own folders; the scientist
// submits a job file that names datasets only, through the CLI, then publishes and scores.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { copyFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { fate } from '../../data/sets.ts';
import { hashSecret, newSecret } from '../../protocol/auth/tokens.ts';
import type { JobView } from '../../protocol/messages/jobSpec.ts';
import { identityFile, partnersOf, pinIdentities } from '../../coordinator/simulate.ts';
import { tempDir } from '../fixtures.ts';
import { Lab, netnsUnavailable } from './netns.fixture.ts';
import type { Ran, Service } from './processes.fixture.ts';

const CLI = fileURLToPath(new URL('../../bin/fedmark.ts', import.meta.url));
const NODE = [process.execPath, '--disable-warning=ExperimentalWarning', CLI];
const COORDINATOR = 'coordinator.example';
const PARTIES = { bank: 'breast_hetero_guest', insurer: 'breast_hetero_host' } as const;
type Party = keyof typeof PARTIES;

// The README's step 1, as written there (run on the coordinator's host).
const CERTIFICATE_RECIPE = `set -e
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 825 -subj "/CN=fedmark CA" \\
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -keyout ca.key -out ca.crt
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=coordinator.example" \\
  -keyout coordinator.key -out coordinator.csr
printf "subjectAltName=DNS:coordinator.example\\nextendedKeyUsage=serverAuth\\n" > coordinator.ext
openssl x509 -req -in coordinator.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 397 -extfile coordinator.ext -out coordinator.crt
openssl x509 -in coordinator.crt -noout -fingerprint -sha256
`;

// Without root, namespaces cannot be made: a developer's unprivileged run skips this file. As root
// or under CI (which runs as root) it runs, and a machine that cannot build namespaces fails it.
const unavailable = netnsUnavailable();
describe.skipIf(unavailable !== undefined && process.env.CI !== 'true')('a deployment across network namespaces, no shared disk', () => {
  let root: string;
  let lab: Lab;
  const keys = { scientist: newSecret('fmk'), scorer: newSecret('fmk') };
  const parties = new Map<Party, Service>();
  let coordinator: Service;
  let job: JobView;

  const env = (extra: Record<string, string> = {}) => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...extra });
  const dir = (host: string) => lab.host(host).dir;
  /** The CLI on the scientist's host, with the coordinator's name, the key and the CA as an operator's shell has them. */
  const scientist = async (args: string[], key = keys.scientist): Promise<Ran> => lab.exec('scientist', [...NODE, ...args], {
    env: env({ FEDMARK_URL: `https://${COORDINATOR}:7400`, FEDMARK_KEY: key, NODE_EXTRA_CA_CERTS: join(dir('scientist'), 'ca.crt') }),
  });
  const failure = () => [coordinator, ...parties.values()].filter(Boolean).map((s) => s.describe()).join('\n');

  beforeAll(async () => {
    if (unavailable) throw new Error(`this test needs network namespaces: ${unavailable}`);
    root = await tempDir('netns');
    lab = await Lab.create(root, 'coordinator', ['bank', 'insurer', 'scientist'], COORDINATOR);

    const recipe = await lab.exec('coordinator', ['sh', '-c', CERTIFICATE_RECIPE], { env: env() });
    expect(recipe.code, recipe.stderr).toBe(0);
    const pin = /Fingerprint=([0-9A-F:]{95})/.exec(recipe.stdout)?.[1] as string;
    expect(pin).toBeDefined();
    // "keep ca.key offline": off the coordinator's host, where no test process can see it.
    await mkdir(join(root, 'offline'));
    await rename(join(dir('coordinator'), 'ca.key'), join(root, 'offline', 'ca.key'));
    // Handed to each party and the scientist over a channel other than the link itself.
    for (const host of ['bank', 'insurer', 'scientist']) await copyFile(join(dir('coordinator'), 'ca.crt'), join(dir(host), 'ca.crt'));

    const tokens = new Map((Object.keys(PARTIES) as Party[]).map((id) => [id, newSecret('fmp')]));
    await writeFile(join(dir('coordinator'), 'coordinator.yaml'), toYaml({
      host: '0.0.0.0', port: 7400, store: 'state/coordinator.db', tls: { cert: 'coordinator.crt', key: 'coordinator.key' }, logLevel: 'info',
      parties: [...tokens].map(([id, token]) => ({ id, tokenSha256: hashSecret(token) })),
      apiKeys: [{ id: 'alice', role: 'scientist', keySha256: hashSecret(keys.scientist) }, { id: 'campaign', role: 'scorer', keySha256: hashSecret(keys.scorer) }],
    }));
    coordinator = lab.start('coordinator', 'coordinator', [...NODE, 'coordinator', '--config', 'coordinator.yaml'], { env: env(), hidden: [join(root, 'offline')] });
    await coordinator.waitFor('"msg":"coordinator listening"', 30_000);

    // Each identity key is made on its own host, beside that party's config (the default place).
    const pins: Record<string, string> = {};
    for (const id of Object.keys(PARTIES) as Party[]) Object.assign(pins, pinIdentities(dir(id), [id]));
    for (const [id, set] of Object.entries(PARTIES) as Array<[Party, string]>) {
      await mkdir(join(dir(id), 'data'));
      await copyFile(fate(set), join(dir(id), 'data', 'crm.csv.gz'));
      expect(identityFile(dir(id), id)).toBe(join(dir(id), `party-${id}.identity.key`));
      await writeFile(join(dir(id), `party-${id}.yaml`), toYaml({
        id, coordinator: `wss://${COORDINATOR}:7400`, tls: { ca: 'ca.crt', pinSha256: pin }, knownPartners: partnersOf(pins, id),
        datasets: { crm: { csv: 'data/crm.csv.gz', idColumn: 'id' } }, workDir: 'work', threads: 1, logLevel: 'info',
      }));
      parties.set(id, lab.start(id, id, [...NODE, 'party', '--config', `party-${id}.yaml`], { env: env({ FEDMARK_PARTY_TOKEN: tokens.get(id) as string }), hidden: [join(root, 'offline')] }));
    }
    for (const party of parties.values()) await party.waitFor('connected to coordinator', 30_000);

    await writeFile(join(dir('scientist'), 'job.yaml'), toYaml({
      name: 'netns-propensity', kind: 'vertical', model: 'logistic',
      training: { epochs: 5, batchSize: 65_536, learningRate: 0.5, l2: 0.001, seed: 42 }, validation: { fraction: 0.3 },
      parties: [{ id: 'bank', role: 'guest', data: { dataset: 'crm', labelColumn: 'y' } }, { id: 'insurer', role: 'host', data: { dataset: 'crm' } }],
    }));
    const submitted = await scientist(['job', 'submit', 'job.yaml', '--wait', '--json']);
    expect(submitted.code, `${submitted.stderr}\n${failure()}`).toBe(0);
    job = JSON.parse(submitted.stdout.trim().split('\n').at(-1) as string) as JobView;
  }, 150_000);

  afterAll(async () => {
    await lab?.destroy();
    expect(existsSync(`/etc/netns/${lab?.host('bank').ns}`)).toBe(false);
  });

  it('runs a vertical job from a job file that names datasets only, over WSS between namespaces', async () => {
    expect(await readFile(join(dir('scientist'), 'job.yaml'), 'utf8')).not.toMatch(/path|\//);
    expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
    expect(job.result?.psi?.intersectionSize).toBe(569);
    console.log(`netns deployment: breast vertical, 5 epochs, AUC ${job.result?.metrics?.auc} in ${job.durationMs} ms`);
    expect(job.result?.metrics?.auc).toBeGreaterThan(0.9);
    // The banks' hosts reach the coordinator and nothing else: no route from one party to another.
    const probe = `require('net').connect(7400, '${lab.host('insurer').link?.address}').on('error', (e) => { console.log(e.code); process.exit(0); }).on('connect', () => { console.log('connected'); process.exit(0); })`;
    expect((await lab.exec('bank', [process.execPath, '-e', probe], { env: env() })).stdout.trim()).toBe('ENETUNREACH');
  });

  it('each party read its data in its own folder, which no other host\'s process can see', () => {
    for (const id of Object.keys(PARTIES) as Party[]) {
      const data = join(dir(id), 'data', 'crm.csv.gz');
      const own = parties.get(id)?.child.pid as number;
      expect(existsSync(`/proc/${own}/root${data}`)).toBe(true);
      for (const other of [...parties.values(), coordinator].filter((s) => s.child.pid !== own)) {
        expect(existsSync(`/proc/${other.child.pid}/root${data}`), `${other.name} sees ${id}'s data`).toBe(false);
        expect(existsSync(`/proc/${other.child.pid}/root${dir(id)}/party-${id}.identity.key`)).toBe(false);
      }
      // What the job left at the party is in that party's own work folder.
      expect(readFileSync(join(dir(id), 'work', 'jobs', job.id, 'intersection.csv'), 'utf8').trim().split('\n')).toHaveLength(570);
      // Every process runs as started: ip netns exec → sh → exec node, one process, in the party's namespace.
      expect(realpathSync(`/proc/${own}/exe`)).toBe(realpathSync(process.execPath));
      expect(readFileSync(`/proc/${own}/cmdline`, 'utf8').split('\0')).toContain(`party-${id}.yaml`);
    }
    expect(existsSync(join(dir('coordinator'), 'state', 'coordinator.db'))).toBe(true);
    expect(existsSync(`/proc/${coordinator.child.pid}/root${join(root, 'offline', 'ca.key')}`)).toBe(false);
  });

  it('the model is published and scored through the coordinator by the scientist and a scorer key', async () => {
    const model = job.result?.model as { name: string; version: number };
    const published = await scientist(['models', 'publish', model.name, String(model.version)]);
    expect(published.code, published.stderr).toBe(0);
    const scored = await scientist(['score', '--model', model.name, '--ids', '133,273,no-such-customer', '--json'], keys.scorer);
    expect(scored.code, scored.stderr).toBe(0);
    const { results } = JSON.parse(scored.stdout) as { results: Array<{ id: string; score: number | null; status: string }> };
    expect(results.map((r) => [r.id, r.status])).toEqual([['133', 'ok'], ['273', 'ok'], ['no-such-customer', 'unscorable']]);
    for (const r of results.slice(0, 2)) expect(r.score).toBeGreaterThan(0);
    // A scorer key may only score: publishing with it is refused.
    const refused = await scientist(['models', 'retire', model.name, String(model.version)], keys.scorer);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('FM_ERR_AUTH_ROLE');
  });
});
