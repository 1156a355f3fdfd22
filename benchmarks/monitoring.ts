// What score monitoring adds to a scoring call, in one process against a file store (node:sqlite,
// WAL, as the coordinator runs it): ScoreMonitor.served for 1, 100 and 10,000 scores per call —
// counts in memory and the PSI read of the day — against writing each call's counts straight to
// the store (one commit per call, the design it replaced), and one flush of the counts held.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { ScoreMonitor } from '../coordinator/monitoring/monitor.ts';
import { Store } from '../coordinator/store.ts';
import type { ModelCard } from '../protocol/messages/jobSpec.ts';

const HELP = `usage: npm run bench -- monitoring [--json]

  --json   one JSON line on stdout instead of the table`;

interface Row { scoresPerCall: number; calls: number; servedUs: number; commitUs: number }

function microseconds(calls: number, work: () => void): number {
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) work();
  return Number(process.hrtime.bigint() - started) / calls / 1000;
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' }, help: { type: 'boolean' } } });
  if (values.help) return void process.stdout.write(`${HELP}\n`);
  const dir = await mkdtemp(join(tmpdir(), 'fedmark-bench-monitoring-'));
  const store = new Store(join(dir, 'coordinator.db'));
  try {
    store.createJob('job-1', { name: 'm', kind: 'vertical', parties: [
      { id: 'bank', role: 'guest', data: { path: '/a.csv', idColumn: 'id' } },
      { id: 'insurer', role: 'host', data: { path: '/b.csv', idColumn: 'id' } },
    ] });
    const card = { job: 'job-1', kind: 'vertical', intersectionSize: 30_000, trainRows: 21_000, evalRows: 9000, featuresByParty: {}, metrics: {}, lift: [], history: [],
      deciles: [2, 1.5, 1, 0.5, 0, -0.5, -1, -1.5, -2], training: { epochs: 1, batchSize: 1, learningRate: 1, l2: 0, seed: 1 } } as ModelCard;
    store.addModel('m', 'job-1', card);
    const model = store.model('m', 1) as NonNullable<ReturnType<Store['model']>>;
    const monitor = new ScoreMonitor(store, { psiWarn: 0.1, psiAlert: 0.25, minScores: 200 }, pino({ level: 'silent' }));
    const rows: Row[] = [];
    for (const [size, calls] of [[1, 20_000], [100, 5000], [10_000, 200]] as const) {
      const deciles = Float64Array.from({ length: size }, (_, i) => 1 + (i % 10));
      const counts = new Array<number>(10).fill(Math.ceil(size / 10));
      const servedUs = microseconds(calls, () => monitor.served(model, deciles));
      monitor.flush();
      const commitUs = microseconds(Math.min(calls, 500), () => store.addServedDeciles('m', 1, '2026-12-01', counts));
      rows.push({ scoresPerCall: size, calls, servedUs, commitUs });
      process.stderr.write(`${size} scores per call done\n`);
    }
    monitor.served(model, Float64Array.from([1]));
    const flushMs = microseconds(1, () => monitor.flush()) / 1000;
    if (values.json) return void process.stdout.write(`${JSON.stringify({ rows, flushMs })}\n`);
    const lines = [
      'scores per call   calls   served() µs   commit per call µs',
      ...rows.map((r) => `${String(r.scoresPerCall).padStart(15)}  ${String(r.calls).padStart(6)}  ${r.servedUs.toFixed(1).padStart(12)}  ${r.commitUs.toFixed(1).padStart(19)}`),
      `one flush of the counts held: ${flushMs.toFixed(2)} ms`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    store.close();
    await rm(dir, { recursive: true, force: true });
  }
}
