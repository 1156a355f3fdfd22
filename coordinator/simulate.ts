// `fedmark simulate`: a real coordinator on loopback and one party-node process per party,
// running one job file end to end over real sockets and the real protocol.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { stringify as toYaml } from 'yaml';
import { FedmarkError, serializeError } from '../errors/table.ts';
import { hashSecret, newSecret } from '../protocol/auth/tokens.ts';
import type { JobResult, JobSpec } from '../protocol/messages/jobSpec.ts';
import { pathUnder } from '../protocol/jobs/pathUnder.ts';
import type { TrainProgress } from '../protocol/messages/train.ts';
import { fingerprint } from '../protocol/identity/signedKey.ts';
import { loadOrCreateIdentity } from '../protocol/identity/keyFile.ts';
import { coordinatorConfig } from './config.ts';
import { startCoordinator, type Coordinator } from './server.ts';
import type { FrameTap } from './links.ts';

const CLI = fileURLToPath(new URL('../bin/fedmark.ts', import.meta.url));

export interface SimulationResult {
  status: 'succeeded' | 'failed';
  job: string;
  name: string;
  kind: string;
  durationMs: number;
  psi?: NonNullable<JobResult['psi']>;
  /** Vertical jobs: auc, ks, logLoss, guestOnlyAuc, guestOnlyKs, bestEpoch, epochs, secondsPerEpoch (at the guest, on the evaluation rows). */
  metrics?: Record<string, number>;
  /** Vertical jobs: the registered model version (each party keeps its own weight shard); horizontal: every member keeps the whole model. */
  model?: { name: string; version: number };
  /** Lookalike jobs: the audience file the guest wrote at its premises, and its size; horizontal: per member, `{ <member>: { path, size } }`. */
  audience?: JobResult['audience'] | JobResult['memberAudiences'];
  /** Horizontal jobs: per member, on its own evaluation table, auc/ks/logLoss of the federated model and localAuc/localKs of its local-only model (metrics itself holds numbers only). */
  memberMetrics?: Record<string, Record<string, number>>;
  /** Horizontal jobs: members that dropped out. */
  dropped?: string[];
  /** Horizontal jobs: why the rounds ended (converged or the round cap), after how many, the round whose model was kept. */
  stopped?: JobResult['stopped'];
  /** Files each party wrote at its own premises (here: under the run directory). */
  outputs: Record<string, { intersection?: string; model?: string }>;
  runDir: string;
  error?: { code: string; message: string };
}

export interface SimulateOptions {
  runDir?: string;
  logLevel?: string;
  threads?: number;
  tap?: FrameTap;
  /** Extra fields for a party's config, e.g. to test limits. */
  partyOverrides?: Record<string, Record<string, unknown>>;
  /** Extra fields for the coordinator's config, e.g. a stepTimeoutMs above a long PSI. */
  coordinatorOverrides?: Record<string, unknown>;
  connectTimeoutMs?: number;
  /** Called with each party's process once it is spawned (e.g. to stop one mid-job in a test). */
  onSpawn?: (party: string, child: ChildProcess) => void;
  /** Called for every training epoch the guest reports. */
  onProgress?: (p: TrainProgress) => void;
  /**
   * Runs after the job, while the coordinator and parties are still up (e.g. to publish and score):
   * gets the API's base URL and two keys valid for this run only, one admin and one scorer.
   */
  /** Runs once every party is online, before the job is submitted (e.g. to upload a seed list through the API). */
  beforeJob?: (ctx: { url: string; adminKey: string }) => Promise<void>;
  afterJob?: (ctx: { url: string; adminKey: string; scorerKey: string; result: SimulationResult }) => Promise<void>;
  /** Runs while the job runs (e.g. to watch it in the dashboard), from just after its submission; the job's result waits for it. */
  whileRunning?: (ctx: { url: string; adminKey: string; job: string }) => Promise<void>;
}

export async function simulate(spec: JobSpec, opts: SimulateOptions = {}): Promise<SimulationResult> {
  const runDir = resolve(opts.runDir ?? pathUnder(join('.fedmark', 'runs'), 'the runs folder', `${new Date().toISOString().replace(/[:.]/g, '-')}-${spec.name}`));
  await mkdir(join(runDir, 'logs'), { recursive: true });
  const logLevel = opts.logLevel ?? 'info';
  const tokens = new Map(spec.parties.map((p) => [p.id, newSecret('fmp')]));
  const adminKey = newSecret('fmk');
  const scorerKey = newSecret('fmk');
  const config = coordinatorConfig(
    {
      port: 0, store: join(runDir, 'coordinator.db'), logLevel,
      parties: spec.parties.map((p) => ({ id: p.id, tokenSha256: hashSecret(tokens.get(p.id) as string) })),
      apiKeys: [{ id: 'simulate-admin', role: 'admin', keySha256: hashSecret(adminKey) }, { id: 'simulate-scorer', role: 'scorer', keySha256: hashSecret(scorerKey) }],
      ...opts.coordinatorOverrides,
    },
    'simulate',
  );
  const logStream = createWriteStream(join(runDir, 'logs', 'coordinator.log'));
  const coordinator = await startCoordinator(config, { logger: pino({ level: logLevel, base: { role: 'coordinator' } }, logStream), ...(opts.tap ? { tap: opts.tap } : {}) });
  const children: ChildProcess[] = [];
  try {
    const online = waitForParties(coordinator, spec.parties.map((p) => p.id), opts.connectTimeoutMs ?? 30_000);
    const pins = pinIdentities(runDir, spec.parties.map((p) => p.id));
    for (const party of spec.parties) {
      const seeds = spec.kind === 'vertical' && party.role === 'guest' ? spec.seeds?.path : undefined;
      children.push(await spawnParty(runDir, coordinator.url, party, tokens.get(party.id) as string, pins, logLevel, opts, seeds));
      opts.onSpawn?.(party.id, children.at(-1) as ChildProcess);
    }
    await Promise.race([online, ...children.map((c, i) => exitedEarly(c, spec.parties[i]?.id ?? '?', runDir))]);
    if (opts.onProgress) coordinator.runner.progress.on('progress', (_job, p) => opts.onProgress?.(p));
    await opts.beforeJob?.({ url: coordinator.url, adminKey });
    // Submitted as the run's admin key would: the model's trainer for four-eyes publishing.
    const id = coordinator.runner.submit(spec, 'simulate-admin');
    const [view] = await Promise.all([coordinator.runner.waitFor(id), opts.whileRunning?.({ url: coordinator.url, adminKey, job: id })]);
    const outputs: SimulationResult['outputs'] = {};
    for (const p of spec.parties) {
      if (view.state !== 'succeeded') outputs[p.id] = {};
      else if (spec.kind === 'horizontal') outputs[p.id] = view.result?.dropped?.includes(p.id) ? {} : { model: join(runDir, `party-${p.id}`, 'models', spec.name, `${id}.json`) };
      else outputs[p.id] = { intersection: join(runDir, `party-${p.id}`, 'jobs', id, 'intersection.csv') };
    }
    const result: SimulationResult = {
      status: view.state === 'succeeded' ? 'succeeded' : 'failed',
      job: id, name: spec.name, kind: spec.kind, durationMs: view.durationMs ?? 0, outputs, runDir,
    };
    if (view.result?.psi) result.psi = view.result.psi;
    if (view.result?.metrics) result.metrics = view.result.metrics;
    if (view.result?.model) result.model = view.result.model;
    if (view.result?.audience) result.audience = view.result.audience;
    if (view.result?.memberAudiences) result.audience = view.result.memberAudiences;
    if (view.result?.memberMetrics) result.memberMetrics = view.result.memberMetrics;
    if (view.result?.dropped) result.dropped = view.result.dropped;
    if (view.result?.stopped) result.stopped = view.result.stopped;
    if (view.error) result.error = view.error;
    if (opts.afterJob && result.status === 'succeeded') await opts.afterJob({ url: coordinator.url, adminKey, scorerKey, result });
    return result;
  } catch (err) {
    return { status: 'failed', job: '', name: spec.name, kind: spec.kind, durationMs: 0, outputs: {}, runDir, error: serializeError(err) };
  } finally {
    await Promise.all(children.map(stopChild));
    await coordinator.close();
    logStream.end();
  }
}

/**
 * What operators do out of band, done here for parties that all run on this machine: each party's
 * identity key is created under `runDir` (kept if there already), and its fingerprint is returned
 * for the others to pin.
 */
export function pinIdentities(runDir: string, parties: readonly string[]): Record<string, string> {
  return Object.fromEntries(parties.map((id) => [id, fingerprint(loadOrCreateIdentity(identityFile(runDir, id)).identity.publicKey)]));
}

/** Where pinIdentities keeps `party`'s identity key (the default beside a config file `party-<id>.yaml` in `runDir`). */
export function identityFile(runDir: string, party: string): string {
  return join(runDir, `party-${party}.identity.key`);
}

/** The `knownPartners` of `party`'s config: every other party's pinned fingerprint. */
export function partnersOf(pins: Readonly<Record<string, string>>, party: string): Record<string, string> {
  return Object.fromEntries(Object.entries(pins).filter(([id]) => id !== party));
}

/**
 * One party-node process for `party`, config and log under `runDir`, pinning the fingerprints in
 * `pins` (from pinIdentities) of the others; a restart with the same arguments keeps its work dir.
 */
export async function spawnParty(
  runDir: string, coordinatorUrl: string, party: JobSpec['parties'][number], token: string, pins: Readonly<Record<string, string>>,
  logLevel: string, opts: SimulateOptions, seeds?: string,
): Promise<ChildProcess> {
  const roots = [...new Set([party.data.path, party.evaluation?.path, seeds].filter((p): p is string => p !== undefined).map((p) => dirname(p)))];
  const config: Record<string, unknown> = {
    id: party.id,
    coordinator: coordinatorUrl.replace(/^http/, 'ws'),
    // Paths in the job file reach this party as they are: its config serves their folders.
    ...(roots.length > 0 ? { dataRoots: roots } : {}),
    workDir: join(runDir, `party-${party.id}`),
    identity: identityFile(runDir, party.id),
    knownPartners: partnersOf(pins, party.id),
    logLevel,
    ...(opts.threads ? { threads: opts.threads } : {}),
    ...opts.partyOverrides?.[party.id],
  };
  const file = join(runDir, `party-${party.id}.yaml`);
  await writeFile(file, toYaml(config));
  const log = createWriteStream(join(runDir, 'logs', `party-${party.id}.log`), { flags: 'a' });
  // The token goes by environment, not argv, so other users of the machine cannot read it from ps.
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', CLI, 'party', '--config', file], {
    env: { ...process.env, FEDMARK_PARTY_TOKEN: token },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  return child;
}

function waitForParties(coordinator: Coordinator, parties: string[], timeoutMs: number): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const check = () => {
      if (parties.every((p) => coordinator.links.isOnline(p))) {
        clearTimeout(timer);
        coordinator.links.off('connected', check);
        resolvePromise();
      }
    };
    const timer = setTimeout(() => {
      coordinator.links.off('connected', check);
      const missing = parties.find((p) => !coordinator.links.isOnline(p)) ?? '?';
      reject(new FedmarkError('FM_ERR_JOB_PARTY_OFFLINE', { party: missing }));
    }, timeoutMs);
    coordinator.links.on('connected', check);
    check();
  });
}

function exitedEarly(child: ChildProcess, party: string, runDir: string): Promise<never> {
  return new Promise((_, reject) => {
    child.once('exit', (code) => {
      reject(new FedmarkError('FM_ERR_JOB_PARTY_FAILED', { party, reason: `party process exited with code ${code}; see ${join(runDir, 'logs', `party-${party}.log`)}` }));
    });
  });
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    child.kill('SIGTERM');
  });
}

/** A vertical lookalike's single audience at the guest (a horizontal one is a record per member). */
export function guestAudience(r: SimulationResult): NonNullable<JobResult['audience']> | undefined {
  const a = r.audience as { path?: unknown; size?: unknown } | undefined;
  return typeof a?.path === 'string' ? (a as NonNullable<JobResult['audience']>) : undefined;
}
