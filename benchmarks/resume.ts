// Resume benchmark: what a host lost mid-training costs. default_credit (30,000 rows, guest 13 +
// host 10 features), full-batch vertical LR, a real in-process coordinator and one party-node
// process per party. Run 1 is uninterrupted; in run 2 the host is SIGKILLed once `--kill-after`
// epochs are checkpointed everywhere and restarted at once. Reported in the same run: both wall
// times, the overhead in epochs, the AUC difference, checkpoint sizes, and the cost of the fresh
// arbiter key each resumed attempt generates, as a share of one epoch.

import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import type { JobSpec } from '../protocol/messages/jobSpec.ts';
import { coordinatorConfig } from '../coordinator/config.ts';
import { startCoordinator } from '../coordinator/server.ts';
import { Arbiter } from '../coordinator/jobs/arbiter.ts';
import { Parties, until } from '../coordinator/partyProcesses.ts';
import { fate } from '../data/sets.ts';

const HELP = `usage: npm run bench -- resume [--json] [--epochs N] [--kill-after N]

  --epochs      epochs per run (default 6)
  --kill-after  checkpointed epochs before the host is killed (default 3)
  --json        one JSON line on stdout instead of the table`;


interface RunResult {
  seconds: number;
  auc: number;
  secondsPerEpoch: number;
  resumedFromEpoch?: number;
  psiReused?: boolean;
  checkpointBytes?: Record<string, number>;
  /** From the SIGKILL to the resumed attempt's start: process start, reconnect, both parties reloading their tables. */
  killToResumedSeconds?: number;
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' }, epochs: { type: 'string' }, 'kill-after': { type: 'string' }, help: { type: 'boolean' } } });
  if (values.help) return void process.stdout.write(`${HELP}\n`);
  const epochs = Number(values.epochs ?? 6);
  const killAfter = Number(values['kill-after'] ?? 3);
  const spec: JobSpec = {
    name: 'bench-resume', kind: 'vertical', model: 'logistic', validation: { fraction: 0.3 },
    training: { epochs, batchSize: 1 << 20, learningRate: 1, l2: 0.001, seed: 42 },
    parties: [
      { id: 'bank', role: 'guest', data: { path: fate('default_credit_hetero_guest'), idColumn: 'id', labelColumn: 'y' } },
      { id: 'partner1', role: 'host', data: { path: fate('default_credit_hetero_host'), idColumn: 'id' } },
    ],
  };
  const dir = await mkdtemp(join(tmpdir(), 'fedmark-bench-resume-'));
  try {
    process.stderr.write('resume: uninterrupted run...\n');
    const plain = await runJob(spec, join(dir, 'plain'));
    process.stderr.write(`resume: run with the host killed after ${killAfter} epochs...\n`);
    const killed = await runJob(spec, join(dir, 'killed'), killAfter);
    const keygenMs = await arbiterKeyMs(5);
    const result = {
      rows: 30_000, epochs, killAfter,
      uninterruptedSeconds: round(plain.seconds), interruptedSeconds: round(killed.seconds),
      overheadSeconds: round(killed.seconds - plain.seconds),
      overheadEpochs: round((killed.seconds - plain.seconds) / plain.secondsPerEpoch),
      killToResumedSeconds: round(killed.killToResumedSeconds ?? Number.NaN),
      secondsPerEpoch: round(plain.secondsPerEpoch),
      aucUninterrupted: round(plain.auc, 5), aucInterrupted: round(killed.auc, 5), aucDifference: round(Math.abs(plain.auc - killed.auc), 6),
      resumedFromEpoch: killed.resumedFromEpoch, psiReused: killed.psiReused,
      checkpointKiB: Object.fromEntries(Object.entries(killed.checkpointBytes ?? {}).map(([p, b]) => [p, round(b / 1024, 1)])),
      arbiterKeyMs: round(keygenMs, 1), arbiterKeyShareOfEpoch: round(keygenMs / 1000 / plain.secondsPerEpoch, 4),
    };
    if (values.json) return void process.stdout.write(`${JSON.stringify(result)}\n`);
    const rows: Array<[string, string]> = [
      ['rows × epochs (full batch)', `${result.rows} × ${epochs}`],
      ['uninterrupted', `${result.uninterruptedSeconds} s (${result.secondsPerEpoch} s per epoch)`],
      [`host SIGKILLed after ${killAfter} epochs, restarted`, `${result.interruptedSeconds} s`],
      ['overhead', `${result.overheadSeconds} s = ${result.overheadEpochs} epochs`],
      ['  of which kill → resumed attempt starts', `${result.killToResumedSeconds} s (host process start, reconnect, tables reloaded)`],
      ['resumed from epoch / PSI reused', `${result.resumedFromEpoch} / ${result.psiReused}`],
      ['AUC uninterrupted / interrupted / |Δ|', `${result.aucUninterrupted} / ${result.aucInterrupted} / ${result.aucDifference}`],
      ['checkpoint size per party', Object.entries(result.checkpointKiB).map(([p, k]) => `${p} ${k} KiB`).join(', ')],
      ['fresh arbiter key', `${result.arbiterKeyMs} ms = ${result.arbiterKeyShareOfEpoch} of an epoch`],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    process.stdout.write(`${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function runJob(spec: JobSpec, dir: string, killAfter?: number): Promise<RunResult> {
  await mkdir(join(dir, 'logs'), { recursive: true });
  let url = '';
  const parties = new Parties(spec, dir, () => url);
  const logger = pino({ level: 'info', base: { role: 'coordinator' } }, createWriteStream(join(dir, 'logs', 'coordinator.log')));
  const coordinator = await startCoordinator(coordinatorConfig({ port: 0, store: join(dir, 'coordinator.db'), logLevel: 'info', parties: parties.config }, 'bench'), { logger });
  url = coordinator.url.replace(/^http/, 'ws');
  try {
    for (const p of spec.parties) await parties.start(p.id, 'warn');
    await until(() => spec.parties.every((p) => coordinator.links.isOnline(p.id)), 60_000, 'parties online');
    const started = performance.now();
    const id = coordinator.runner.submit(spec);
    const out: Partial<RunResult> = {};
    if (killAfter !== undefined) {
      await until(() => (coordinator.store.job(id)?.checkpoint?.epochs ?? 0) >= killAfter, 600_000, `${killAfter} checkpointed epochs`);
      out.checkpointBytes = Object.fromEntries(await Promise.all(spec.parties.map(async (p) => [p.id, await dirBytes(join(dir, `party-${p.id}`, 'jobs', id, 'checkpoint'))] as const)));
      await parties.kill('partner1');
      out.killToResumedSeconds = -Date.now() / 1000;
      await parties.start('partner1', 'warn');
    }
    const view = await coordinator.runner.waitFor(id);
    if (view.state !== 'succeeded') throw new Error(`job ${view.state}: ${view.error?.message ?? ''}`);
    const resumed = coordinator.store.events(id).find((e) => e.type === 'job.resumed')?.detail;
    const resumedAt = coordinator.store.events(id).find((e) => e.type === 'job.resumed')?.at;
    if (resumed && resumedAt && out.killToResumedSeconds !== undefined) {
      out.killToResumedSeconds += Date.parse(resumedAt) / 1000;
      out.resumedFromEpoch = resumed.fromEpoch as number;
      out.psiReused = resumed.psiReused as boolean;
    }
    return { ...out, seconds: (performance.now() - started) / 1000, auc: view.result?.metrics?.auc as number, secondsPerEpoch: view.result?.metrics?.secondsPerEpoch as number };
  } finally {
    await parties.stop();
    await coordinator.close();
  }
}

async function arbiterKeyMs(times: number): Promise<number> {
  const spec = { parties: [{ id: 'bank', role: 'guest' as const, data: { path: 'bank.csv', idColumn: 'id' } }] };
  (await Arbiter.create('bench', spec)).dispose();
  const started = performance.now();
  for (let i = 0; i < times; i++) (await Arbiter.create('bench', spec)).dispose();
  return (performance.now() - started) / times;
}

async function dirBytes(path: string): Promise<number> {
  const names = await readdir(path).catch(() => [] as string[]);
  const sizes = await Promise.all(names.map(async (n) => (await stat(join(path, n))).size));
  return sizes.reduce((s, v) => s + v, 0);
}

function round(v: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
