// A small real deployment for end-to-end tests of the API, the dashboard and the CLI: a coordinator
// (in this process, so a test can read its store) with admin, scientist and scorer keys, and one
// party-node process per party started through the `fedmark party` command, serving the shared data.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify as toYaml } from 'yaml';
import { hashSecret, newSecret } from '../protocol/auth/tokens.ts';
import type { JobSpec, JobView } from '../protocol/messages/jobSpec.ts';
import { coordinatorConfig } from '../coordinator/config.ts';
import { startCoordinator, type Coordinator } from '../coordinator/server.ts';
import { identityFile, partnersOf, pinIdentities } from '../coordinator/simulate.ts';
import type { FrameTap } from '../coordinator/links.ts';
import type { Logger } from 'pino';
import { fate, FATE_DIR } from '../data/sets.ts';
import { tempDir, until } from './fixtures.ts';

const CLI = fileURLToPath(new URL('../bin/fedmark.ts', import.meta.url));

export interface Deployment {
  coordinator: Coordinator;
  url: string;
  dir: string;
  keys: { admin: string; scientist: string; scorer: string };
  /** Calls the API with a key (the scientist's unless given). */
  api<T>(method: string, path: string, body?: unknown, key?: string): Promise<{ status: number; body: T }>;
  /** A job when it reports progress (its first train.epoch event). */
  firstEpoch(job: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface DeploymentOptions {
  /** Per party: fields that replace the default config's (e.g. `datasets`, `policy`, or `dataRoots: undefined`). */
  partyConfig?: Record<string, Record<string, unknown>>;
  /** Every frame the coordinator sends or receives. */
  tap?: FrameTap;
  /** Where the coordinator logs (default: nowhere). */
  logger?: Logger;
  /** The coordinator's clock for dating served scores. */
  now?: () => Date;
  /** More API keys (e.g. approvers), each with the person holding it. */
  extraKeys?: Array<{ id: string; role: 'admin' | 'approver' | 'scientist' | 'scorer'; key: string; person?: string }>;
  /** Coordinator config fields beside the fixture's (e.g. fourEyesPublish). */
  coordinatorConfig?: Record<string, unknown>;
}

export async function startDeployment(prefix: string, parties: string[], opts: DeploymentOptions = {}): Promise<Deployment> {
  const dir = await tempDir(prefix);
  const tokens = new Map(parties.map((id) => [id, newSecret('fmp')]));
  const keys = { admin: newSecret('fmk'), scientist: newSecret('fmk'), scorer: newSecret('fmk') };
  const coordinator = await startCoordinator(coordinatorConfig({
    port: 0, store: join(dir, 'coordinator.db'), logLevel: opts.logger ? 'debug' : 'silent',
    parties: parties.map((id) => ({ id, tokenSha256: hashSecret(tokens.get(id) as string) })),
    apiKeys: [
      ...(['admin', 'scientist', 'scorer'] as const).map((role) => ({ id: `test-${role}`, role, keySha256: hashSecret(keys[role]), ratePerMinute: 100_000 })),
      ...(opts.extraKeys ?? []).map((k) => ({ id: k.id, role: k.role, keySha256: hashSecret(k.key), ratePerMinute: 100_000, ...(k.person ? { person: k.person } : {}) })),
    ],
    ...opts.coordinatorConfig,
  }, 'test'), { ...(opts.logger ? { logger: opts.logger } : {}), ...(opts.tap ? { tap: opts.tap } : {}), ...(opts.now ? { now: opts.now } : {}) });
  const children: ChildProcess[] = [];
  const pins = pinIdentities(dir, parties);
  for (const id of parties) {
    const file = join(dir, `party-${id}.yaml`);
    await writeFile(file, toYaml({
      id, coordinator: coordinator.url.replace(/^http/, 'ws'), dataRoots: [FATE_DIR], workDir: join(dir, id), threads: 1, logLevel: 'warn',
      identity: identityFile(dir, id), knownPartners: partnersOf(pins, id), ...opts.partyConfig?.[id],
    }));
    children.push(spawn(process.execPath, ['--disable-warning=ExperimentalWarning', CLI, 'party', '--config', file], {
      env: { ...process.env, FEDMARK_PARTY_TOKEN: tokens.get(id) as string }, stdio: 'ignore',
    }));
  }
  await until(() => parties.every((id) => coordinator.links.isOnline(id)), 20_000, 'parties online');

  const api = async <T,>(method: string, path: string, body?: unknown, key = keys.scientist) => {
    const res = await fetch(`${coordinator.url}${path}`, {
      method, headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as T };
  };
  return {
    coordinator, url: coordinator.url, dir, keys, api,
    firstEpoch: async (job, timeoutMs = 60_000) => void await until(() => coordinator.store.events(job).some((e) => e.type === 'train.epoch'), timeoutMs, `first epoch of ${job}`),
    async close() {
      await Promise.all(children.map((c) => new Promise<void>((done) => {
        if (c.exitCode !== null || c.signalCode !== null) return done();
        c.once('exit', () => done());
        c.kill('SIGTERM');
        setTimeout(() => c.kill('SIGKILL'), 5000).unref();
      })));
      await coordinator.close();
    },
  };
}

/** The breast-cancer vertical job (569 customers) between `guest` and `host`, with `epochs` epochs. */
export function breastVertical(name: string, epochs: number): JobSpec {
  return {
    name, kind: 'vertical', model: 'logistic',
    training: { epochs, batchSize: 65_536, learningRate: 0.5, l2: 0.001, seed: 42 },
    validation: { fraction: 0.3 },
    parties: [
      { id: 'guest', role: 'guest', data: { path: fate('breast_hetero_guest'), idColumn: 'id', labelColumn: 'y' } },
      { id: 'host', role: 'host', data: { path: fate('breast_hetero_host'), idColumn: 'id' } },
    ],
  };
}

export async function waitForJob(d: Deployment, id: string): Promise<JobView> {
  return d.coordinator.runner.waitFor(id);
}
