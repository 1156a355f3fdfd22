// Durable jobs with real processes: a host SIGKILLed mid-training and started again, and a
// coordinator SIGKILLed mid-job and started again, both end with the model of an uninterrupted
// run; a party that never comes back fails the job naming it; a cancelled job stops the parties'
// work and is not resumed by a restarted coordinator.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { stringify as toYaml } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { hashSecret, newSecret } from '../protocol/auth/tokens.ts';
import { Parties } from '../coordinator/partyProcesses.ts';
import { linkCodec } from '../protocol/messages/index.ts';
import type { JobSpec, JobView } from '../protocol/messages/jobSpec.ts';
import { coordinatorConfig } from '../coordinator/config.ts';
import { startCoordinator, type Coordinator } from '../coordinator/server.ts';
import { simulate, stopChild, type SimulationResult } from '../coordinator/simulate.ts';
import type { FrameTap } from '../coordinator/links.ts';
import { fate } from '../data/sets.ts';
import { freePort, tempDir, until } from './fixtures.ts';

const CLI = fileURLToPath(new URL('../bin/fedmark.ts', import.meta.url));
// Mini-batches, so a resumed run matches only if the intersection order and batch order are the same.
const TRAINING = { epochs: 6, batchSize: 200, learningRate: 0.15, l2: 0.01, seed: 3 };
const SPEC: JobSpec = {
  name: 'breast-durable', kind: 'vertical', model: 'logistic', training: TRAINING, validation: { fraction: 0.3 },
  parties: [
    { id: 'bank', role: 'guest', data: { path: fate('breast_hetero_guest'), idColumn: 'id', labelColumn: 'y' } },
    { id: 'partner1', role: 'host', data: { path: fate('breast_hetero_host'), idColumn: 'id' } },
  ],
};
function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

async function hostWeights(runDir: string, job: string): Promise<number[]> {
  return (JSON.parse(await readFile(join(runDir, 'party-partner1', 'models', SPEC.name, `${job}.json`), 'utf8')) as { weights: number[] }).weights;
}

async function inProcessCoordinator(dir: string, parties: Parties, extra: Record<string, unknown>, port = 0, tap?: FrameTap): Promise<Coordinator> {
  const config = coordinatorConfig({ port, store: join(dir, 'coordinator.db'), logLevel: 'info', parties: parties.config, ...extra }, 'test');
  const logger = pino({ level: 'info', base: { role: 'coordinator' } }, createWriteStream(join(dir, 'logs', 'coordinator.log'), { flags: 'a' }));
  return startCoordinator(config, { logger, ...(tap ? { tap } : {}) });
}

/** Starts every party process and waits until the coordinator sees them all. */
async function startAll(parties: Parties, c: Coordinator): Promise<void> {
  for (const p of SPEC.parties) await parties.start(p.id);
  await until(() => SPEC.parties.every((p) => c.links.isOnline(p.id)), 30_000, 'parties online');
}

/** Resolves once `party` has deleted its checkpoints of the job. */
function checkpointsDeleted(dir: string, party: string, job: string): Promise<boolean> {
  return until(async () => access(join(dir, `party-${party}`, 'jobs', job, 'checkpoint')).then(() => false, () => true), 5000, `${party}'s checkpoints deleted`);
}

let baseline: SimulationResult;
let baselineWeights: number[];

beforeAll(async () => {
  const dir = await tempDir('durable-baseline');
  baseline = await simulate(SPEC, { runDir: join(dir, 'run'), logLevel: 'warn' });
  expect(baseline.error).toBeUndefined();
  expect(baseline.metrics?.auc).toBeGreaterThan(0.97);
  baselineWeights = await hostWeights(join(dir, 'run'), baseline.job);
}, 120_000);

describe('durable jobs between real processes', () => {
  it('a host SIGKILLed mid-training and restarted: the job waits, resumes from the checkpoints and ends with the uninterrupted model', async () => {
    const dir = await tempDir('durable-host');
    let coordinator: Coordinator | undefined;
    const parties = new Parties(SPEC, dir, () => (coordinator as Coordinator).url.replace(/^http/, 'ws'));
    await mkdir(join(dir, 'logs'), { recursive: true });
    coordinator = await inProcessCoordinator(dir, parties, { partyWaitMs: 60_000 });
    try {
      const c = coordinator;
      await startAll(parties, c);
      const id = c.runner.submit(SPEC);
      await until(() => (c.store.job(id)?.checkpoint?.epochs ?? 0) >= 2, 60_000, 'two checkpointed epochs');
      await parties.kill('partner1');
      const waiting = await until(() => (c.store.job(id)?.state === 'waiting-for-party' ? c.store.job(id) : undefined), 10_000, 'waiting-for-party');
      expect(waiting.waitingFor).toBe('partner1');
      expect(waiting.checkpoint?.epochs).toBeGreaterThanOrEqual(2);
      await parties.start('partner1');
      const view = await c.runner.waitFor(id);
      expect(view.error).toBeUndefined();
      expect(view.state).toBe('succeeded');
      expect(Math.abs((view.result?.metrics?.auc as number) - (baseline.metrics?.auc as number))).toBeLessThanOrEqual(0.002);
      // Stronger than the AUC: the host's weights are the uninterrupted run's.
      const weights = await hostWeights(dir, id);
      weights.forEach((w, j) => expect(w).toBeCloseTo(baselineWeights[j] as number, 9));
      const events = c.store.events(id);
      expect(events.find((e) => e.type === 'job.waiting-for-party')?.detail).toMatchObject({ party: 'partner1' });
      const resumed = events.find((e) => e.type === 'job.resumed')?.detail;
      expect(resumed).toMatchObject({ attempt: 1, psiReused: true });
      expect(resumed?.fromEpoch as number).toBeGreaterThanOrEqual(1);
      // Checkpoints are released once the job is over.
      await checkpointsDeleted(dir, 'bank', id);
    } finally {
      await parties.stop();
      await coordinator.close();
    }
  }, 120_000);

  it('a coordinator SIGKILLed mid-job and restarted resumes the job from the parties\' checkpoints', async () => {
    const dir = await tempDir('durable-coordinator');
    await mkdir(join(dir, 'logs'), { recursive: true });
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const parties = new Parties(SPEC, dir, () => url.replace(/^http/, 'ws'));
    const adminKey = newSecret('fmk');
    const configFile = join(dir, 'coordinator.yaml');
    await writeFile(configFile, toYaml({
      port, store: join(dir, 'coordinator.db'), partyWaitMs: 60_000, logLevel: 'info',
      parties: parties.config, apiKeys: [{ id: 'test-admin', role: 'admin', keySha256: hashSecret(adminKey) }],
    }));
    const api = async (path: string, init: RequestInit = {}): Promise<unknown> => {
      const res = await fetch(`${url}${path}`, { ...init, headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json', ...init.headers } });
      return res.json();
    };
    const startProcess = async (): Promise<ChildProcess> => {
      const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', CLI, 'coordinator', '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
      const log = createWriteStream(join(dir, 'logs', 'coordinator.log'), { flags: 'a' });
      child.stdout?.pipe(log);
      child.stderr?.pipe(log);
      await until(() => fetch(`${url}/openapi.json`).then((r) => r.ok, () => false), 30_000, 'coordinator up');
      return child;
    };
    let coordinator = await startProcess();
    try {
      for (const p of SPEC.parties) await parties.start(p.id);
      await until(async () => ((await api('/v1/parties')) as Array<{ online: boolean }>).every((p) => p.online), 30_000, 'parties online');
      const { id } = (await api('/v1/jobs', { method: 'POST', body: JSON.stringify(SPEC) })) as { id: string };
      await until(async () => (((await api(`/v1/jobs/${id}`)) as JobView).checkpoint?.epochs ?? 0) >= 2, 60_000, 'two checkpointed epochs');
      await killed(coordinator);
      coordinator = await startProcess();
      const view = (await api(`/v1/jobs/${id}/wait`)) as JobView;
      expect(view.error).toBeUndefined();
      expect(view.state).toBe('succeeded');
      expect(Math.abs((view.result?.metrics?.auc as number) - (baseline.metrics?.auc as number))).toBeLessThanOrEqual(0.002);
      const weights = await hostWeights(dir, id);
      weights.forEach((w, j) => expect(w).toBeCloseTo(baselineWeights[j] as number, 9));
      const events = (await api(`/v1/jobs/${id}/events`)) as Array<{ type: string; detail: Record<string, unknown> }>;
      expect(events.find((e) => e.type === 'job.resumed')?.detail).toMatchObject({ attempt: 1, psiReused: true });
      expect(view.checkpoint?.attempt).toBe(1);
    } finally {
      await parties.stop();
      await stopChild(coordinator);
    }
  }, 120_000);

  it('a party that does not come back within partyWaitMs fails the job with an error naming it', async () => {
    const dir = await tempDir('durable-lost');
    await mkdir(join(dir, 'logs'), { recursive: true });
    let coordinator: Coordinator | undefined;
    const parties = new Parties(SPEC, dir, () => (coordinator as Coordinator).url.replace(/^http/, 'ws'));
    coordinator = await inProcessCoordinator(dir, parties, { partyWaitMs: 1500 });
    try {
      const c = coordinator;
      await startAll(parties, c);
      const id = c.runner.submit(SPEC);
      await until(() => (c.store.job(id)?.checkpoint?.epochs ?? 0) >= 1, 60_000, 'a checkpointed epoch');
      await parties.kill('partner1');
      const view = await c.runner.waitFor(id);
      expect(view.state).toBe('failed');
      expect(view.error?.code).toBe('FM_ERR_JOB_PARTY_LOST');
      expect(view.error?.message).toMatch(/party partner1 left job .* did not come back within 2 s/);
      // The guest was told the job is over and released its checkpoints.
      await checkpointsDeleted(dir, 'bank', id);
    } finally {
      await parties.stop();
      await coordinator.close();
    }
  }, 60_000);

  it('job.cancel stops both parties\' training loops at once, and a restarted coordinator does not resume the cancelled job', async () => {
    const dir = await tempDir('durable-cancel');
    await mkdir(join(dir, 'logs'), { recursive: true });
    const inbound: Array<{ at: number; kind: string; job?: string }> = [];
    const tap: FrameTap = ({ direction, bytes }) => {
      try {
        const f = linkCodec.decode(bytes, 64 * 1024 * 1024);
        inbound.push({ at: Date.now(), kind: `${direction}:${f.kind}`, ...(f.job ? { job: f.job } : {}) });
      } catch {
        // Frames the links reject are not the parties' work.
      }
    };
    let coordinator: Coordinator | undefined;
    const parties = new Parties(SPEC, dir, () => (coordinator as Coordinator).url.replace(/^http/, 'ws'));
    coordinator = await inProcessCoordinator(dir, parties, { partyWaitMs: 60_000 }, 0, tap);
    const port = Number(new URL(coordinator.url).port);
    try {
      const c = coordinator;
      await startAll(parties, c);
      const id = c.runner.submit(SPEC);
      await until(() => (c.store.job(id)?.checkpoint?.epochs ?? 0) >= 1, 60_000, 'a checkpointed epoch');
      // What cancelling does (the API's cancel): the job is marked cancelled and every party gets job.cancel.
      c.store.setState(id, 'cancelled');
      for (const p of SPEC.parties) c.links.send(p.id, 'job.cancel', { reason: 'cancelled by a test' }, { job: id });
      const stopped = async (party: string) => {
        const log = await readFile(join(dir, 'logs', `party-${party}.log`), 'utf8');
        const line = log.split('\n').find((l) => l.includes(id) && l.includes('"job work stopped"'));
        return line ? (JSON.parse(line) as { time: number }).time : undefined;
      };
      const stoppedAt = await Promise.all(SPEC.parties.map((p) => until(() => stopped(p.id), 10_000, `${p.id} stopped`)));
      // Nothing of the job's work arrives after both loops stopped.
      await new Promise((r) => setTimeout(r, 1000));
      const last = Math.max(...stoppedAt);
      const late = inbound.filter((f) => f.job === id && f.kind.startsWith('in:') && f.at > last + 100);
      expect(late).toEqual([]);
      for (const p of SPEC.parties) {
        await checkpointsDeleted(dir, p.id, id);
      }

      await coordinator.close();
      inbound.length = 0;
      coordinator = await inProcessCoordinator(dir, parties, { partyWaitMs: 60_000 }, port, tap);
      const again = coordinator;
      await until(() => SPEC.parties.every((p) => again.links.isOnline(p.id)), 30_000, 'parties back');
      await new Promise((r) => setTimeout(r, 500));
      expect(inbound.filter((f) => f.kind === 'out:job.prepare')).toEqual([]);
      expect(again.store.job(id)?.state).toBe('cancelled');
    } finally {
      await parties.stop();
      await coordinator.close();
    }
  }, 90_000);
});
