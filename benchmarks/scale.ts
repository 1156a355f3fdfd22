// Scale benchmark (issue 15): PSI of N × N IDs with half shared, then an incremental second PSI
// with a share of the IDs changed, each through `simulate()` (a real coordinator on loopback, one
// party-node process per party, real sockets and the end-to-end channel), with each party's peak
// resident memory; one epoch of vertical logistic regression at R rows × (30 + 300) features; a
// Parquet file and a PostgreSQL table of L rows loaded into a Dataset. Figures stand next to the
// machine's bound measured in the same run and to the issue's goals.
//
// PSI data: IDs `C-<24 hex>` (the first 8 hex digits a bijection of the row's index, so all
// distinct), guest rows 0..N-1, host rows N/2..3N/2-1, each file shuffled, with one numeric column.
// The second PSI: each side drops changed·N/2 of its IDs (spread over the file, some shared) and
// adds as many new ones, half of the new ones held by both; the same parties' work folders, so the
// reuse state of the first job is there. Checked: the intersection size the coordinator reports
// and the parties' intersection files, identical at both.
//
// Bound: ECDH-PSI needs, over both parties, 2N hashes to the curve and 4N X25519 multiplications
// (2 per ID per side); bound time = 2N / (hash rate) + 4N / (multiplication rate), both rates with
// every core busy (the hash rate is one thread's, times the cores). The incremental run's bound
// counts only the changed IDs (and the fingerprints of every ID).
// Memory per million customers: with several --ids, the slope of each step's peak RSS over N.
// The machine may not be ours alone: the load average and other processes' share of the CPU
// during each PSI are printed beside its time, with the CPU time the two party processes used,
// which other processes' load does not change: the incremental run's speedup is given in both.

import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { simulate, type SimulationResult } from '../coordinator/simulate.ts';
import { measureBound, scalarMultRate } from '../protocol/psi/bound.ts';
import { hashIdsToPoints } from '../protocol/psi/hash.ts';
import type { JobSpec } from '../protocol/messages/jobSpec.ts';
import { fmix32, mulberry32 } from '../models/random.ts';
import { datasetFromBatches } from '../party-node/data/dataset.ts';
import { readParquetBatches } from '../party-node/data/parquet.ts';
import { readPostgresBatches } from '../party-node/data/postgres.ts';
import { startPostgres } from './postgresServer.ts';
import { loadDataset } from '../party-node/data/dataset.ts';
import { CpuWatch } from './cpu.ts';
import { RssWatch } from './memory.ts';
import { partyLogs, type LogLine } from './psi.ts';

const HELP = `usage: npm run bench -- scale [--json] [--ids N[,N...]] [--changed F] [--vlr-rows N] [--load-rows N]
                             [--only psi,vlr,load] [--bound-seconds S] [--keep]

  --ids            IDs per party, even; several sizes give the memory per million customers
                   (default 200000; the issue's run: --ids 10000000)
  --changed        share of each side's IDs changed before the second PSI (default 0.01)
  --vlr-rows       rows of the vertical LR epoch, 30 + 300 features (default 20000; the issue's: 1000000)
  --load-rows      rows of the Parquet and PostgreSQL sources (default 200000; the issue's: 1000000)
  --only           run some parts only: psi, vlr, load (default all)
  --bound-seconds  how long to measure the X25519 bound (default 3)
  --keep           keep the temporary data and run folders and print where they are
  --json           one JSON line on stdout instead of the tables`;

const GOALS = {
  psi10M: { seconds: 12 * 60, rssBytes: 1.5e9 },
  incrementalSpeedup: 20,
  vlr1M: { seconds: 70, rssBytes: 3e9 },
  loadRowsPerSecond: 500_000,
} as const;

const MB = 1e6;
/** The coordinator waits this long for a party's answer: a PSI of 10 million IDs per party takes longer than the default 10 minutes. */
const STEP_TIMEOUT_MS = 6 * 3600_000;

interface PartyFigures {
  loadMs: number;
  psiMs: number;
  /** CPU time of the party process during the PSI window (all its threads); null off Linux. */
  psiCpuMs: number | null;
  /** Peak VmRSS sampled while the table loaded, at the start of PSI, during PSI; VmHWM over the process. */
  loadPeakRss: number | null;
  rssAtPsiStart: number | null;
  psiPeakRss: number | null;
  highWater: number | null;
}

interface PsiRun {
  ids: number;
  changed: number;
  intersection: number;
  psiMs: number;
  jobMs: number;
  relayedBytes: number;
  parties: Record<string, PartyFigures>;
  boundMs: number;
  /** The hashes and multiplications at the per-CPU-second rates: the least CPU time the run can take. */
  boundCpuMs: number;
  loadAverage: [number, number];
  othersShare: number | null;
  /** CPU time of both party processes during the PSI window: unlike wall time, other processes' load does not change it. */
  cpuMs: number | null;
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      json: { type: 'boolean', default: false },
      ids: { type: 'string', default: '200000' },
      changed: { type: 'string', default: '0.01' },
      'vlr-rows': { type: 'string', default: '20000' },
      'load-rows': { type: 'string', default: '200000' },
      only: { type: 'string', default: 'psi,vlr,load' },
      'bound-seconds': { type: 'string', default: '3' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return void process.stdout.write(`${HELP}\n`);
  const sizes = values.ids.split(',').map((s) => positiveInt('--ids', s.trim()));
  for (const n of sizes) if (n % 2 !== 0) throw new Error(`--ids: expected even sizes (half of them overlap), got ${n}`);
  const changed = Number(values.changed);
  if (!(changed > 0 && changed <= 0.5)) throw new Error(`--changed: expected a share in (0, 0.5], got ${values.changed}`);
  const vlrRows = positiveInt('--vlr-rows', values['vlr-rows']);
  const loadRows = positiveInt('--load-rows', values['load-rows']);
  const parts = new Set(values.only.split(',').map((s) => s.trim()));
  for (const p of parts) if (!['psi', 'vlr', 'load'].includes(p)) throw new Error(`--only: expected psi, vlr or load, got "${p}"`);
  const boundSeconds = Number(values['bound-seconds']);
  if (!(boundSeconds > 0)) throw new Error(`--bound-seconds: expected a positive number, got ${values['bound-seconds']}`);

  const progress = (line: string) => process.stderr.write(`scale: ${line}\n`);
  const dir = await mkdtemp(join(tmpdir(), 'fedmark-bench-scale-'));
  const report: Record<string, unknown> = { benchmark: 'scale', node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: availableParallelism(), goals: GOALS };
  try {
    if (parts.has('psi')) {
      const bound = await measureRates(boundSeconds, progress);
      const runs: PsiRun[] = [];
      for (const n of sizes) runs.push(...(await psiRuns(dir, n, changed, bound, progress)));
      report.bound = bound;
      report.psi = runs;
      report.memoryPerMillion = sizes.length > 1 ? memorySlopes(runs) : null;
    }
    if (parts.has('vlr')) report.vlr = await verticalEpoch(dir, vlrRows, progress);
    if (parts.has('load')) report.load = await loadRates(dir, loadRows, progress);
  } finally {
    if (values.keep) progress(`kept ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
  process.stdout.write(values.json ? `${JSON.stringify(report)}\n` : tables(report));
}

// ---------------------------------------------------------------------------------------------
// Bound

interface Rates {
  /** X25519 multiplications per second, every core busy. */
  multPerSecond: number;
  /** Hashes to the curve per second: one thread's rate times the cores. */
  hashPerSecond: number;
  hashPerSecondOneThread: number;
  /** Per CPU-second of one thread: what sharing the core with other processes does not lower. */
  multPerCpuSecond: number;
  hashPerCpuSecond: number;
  loadAverage: number;
}

async function measureRates(seconds: number, progress: (line: string) => void): Promise<Rates> {
  progress(`measuring the X25519 rate on ${availableParallelism()} threads for ${seconds} s`);
  const mult = await measureBound({ threads: availableParallelism(), seconds });
  const ids = Array.from({ length: 2048 }, (_, i) => idOf(i));
  let hashed = 0;
  let cpu = process.cpuUsage();
  const started = performance.now();
  while (performance.now() - started < 1000) {
    hashIdsToPoints(ids, 'bench-scale-bound');
    hashed += ids.length;
  }
  const oneThread = hashed / ((performance.now() - started) / 1000);
  const hashCpu = process.cpuUsage(cpu);
  cpu = process.cpuUsage();
  const wall = performance.now();
  const multWall = scalarMultRate(1);
  const multCpu = process.cpuUsage(cpu);
  const rates: Rates = {
    multPerSecond: Math.round(mult.perSecond), hashPerSecondOneThread: Math.round(oneThread), hashPerSecond: Math.round(oneThread * availableParallelism()),
    hashPerCpuSecond: Math.round(hashed / ((hashCpu.user + hashCpu.system) / 1e6)),
    multPerCpuSecond: Math.round((multWall * (performance.now() - wall)) / 1000 / ((multCpu.user + multCpu.system) / 1e6)),
    loadAverage: round2(loadavg()[0] ?? 0),
  };
  progress(`bound rates: ${fmtInt(rates.multPerSecond)} X25519 mult/s on all cores, ${fmtInt(rates.hashPerSecondOneThread)} hashes/s on one thread (load average ${rates.loadAverage}); per CPU-second of one thread: ${fmtInt(rates.multPerCpuSecond)} mult, ${fmtInt(rates.hashPerCpuSecond)} hashes`);
  return rates;
}

// ---------------------------------------------------------------------------------------------
// PSI

/** `C-` and 24 hex digits; the first 8 a bijection of i (murmur3's finaliser is one), so IDs never repeat. */
function idOf(i: number): string {
  return `C-${hex8(fmix32(i ^ 0x5bd1e995))}${hex8(fmix32(i ^ 0x9e3779b9))}${hex8(fmix32(i ^ 0x85ebca6b))}`;
}

function hex8(x: number): string {
  return x.toString(16).padStart(8, '0');
}

interface Sides {
  guest: Uint32Array;
  host: Uint32Array;
  /** Size of the plain intersection. */
  intersection: number;
}

/** The first job's rows (indices of idOf), each side shuffled, and the second job's after the changes. */
function psiSides(n: number, changed: number): { first: Sides; second: Sides; changedPerSide: number } {
  const random = mulberry32(n);
  const shuffled = (from: number, count: number) => {
    const out = Uint32Array.from({ length: count }, (_, k) => from + k);
    for (let i = count - 1; i > 0; i--) {
      const j = random() % (i + 1);
      const t = out[i]!;
      out[i] = out[j]!;
      out[j] = t;
    }
    return out;
  };
  const first: Sides = { guest: shuffled(0, n), host: shuffled(n / 2, n), intersection: n / 2 };
  // c removed and c added per side: 2c changed IDs out of n.
  const c = Math.max(1, Math.round((changed * n) / 2));
  const stride = n / c;
  const guestDrop = new Set(Array.from({ length: c }, (_, k) => Math.floor(k * stride)));
  const hostDrop = new Set(Array.from({ length: c }, (_, k) => n / 2 + ((Math.floor(k * stride) + 1) % n)));
  const guestAdd = Uint32Array.from({ length: c }, (_, k) => 2 * n + k);
  const hostAdd = Uint32Array.from({ length: c }, (_, k) => 2 * n + Math.floor(c / 2) + k);
  const guest = Uint32Array.from([...Array.from(first.guest).filter((i) => !guestDrop.has(i)), ...guestAdd]);
  const host = Uint32Array.from([...Array.from(first.host).filter((i) => !hostDrop.has(i)), ...hostAdd]);
  let intersection = c - Math.floor(c / 2); // new IDs both sides added
  for (let i = n / 2; i < n; i++) if (!guestDrop.has(i) && !hostDrop.has(i)) intersection++;
  return { first, second: { guest, host, intersection }, changedPerSide: 2 * c };
}

async function writeIds(path: string, rows: Uint32Array): Promise<void> {
  const out = createWriteStream(path);
  await write(out, 'id,x\n');
  for (let from = 0; from < rows.length; from += 100_000) {
    const lines: string[] = [];
    for (const i of rows.subarray(from, from + 100_000)) lines.push(`${idOf(i)},${(i % 1000) / 8}`);
    await write(out, `${lines.join('\n')}\n`);
  }
  out.end();
  await once(out, 'finish');
}

async function write(out: WriteStream, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

async function psiRuns(dir: string, n: number, changed: number, bound: Rates, progress: (line: string) => void): Promise<PsiRun[]> {
  const { first, second, changedPerSide } = psiSides(n, changed);
  const guestPath = join(dir, `guest-${n}.csv`);
  const hostPath = join(dir, `host-${n}.csv`);
  const runDir = join(dir, `psi-${n}`);
  const spec: JobSpec = {
    name: `bench-scale-psi-${n}`,
    kind: 'psi',
    parties: [
      { id: 'guest', role: 'guest', data: { path: guestPath, idColumn: 'id' } },
      { id: 'host', role: 'host', data: { path: hostPath, idColumn: 'id' } },
    ],
  };
  const runs: PsiRun[] = [];
  for (const [label, sides, changedIds] of [['full', first, 0], ['incremental', second, changedPerSide]] as const) {
    progress(`N=${fmtInt(n)}: writing the ${label} run's tables`);
    await writeIds(guestPath, sides.guest);
    await writeIds(hostPath, sides.host);
    progress(`N=${fmtInt(n)}: ${label} PSI (load average ${loadavg().map(round2).join(', ')})`);
    // Over both sides: each hashes and blinds its own items and re-blinds the other's (N each in full; the added half of its changed IDs otherwise).
    const items = changedIds === 0 ? n : changedIds / 2;
    const boundMs = ((2 * items) / bound.hashPerSecond + (4 * items) / bound.multPerSecond) * 1000;
    const boundCpuMs = ((2 * items) / bound.hashPerCpuSecond + (4 * items) / bound.multPerCpuSecond) * 1000;
    const r = await psiJob(spec, runDir, sides, { n, changedIds, boundMs, boundCpuMs });
    progress(`N=${fmtInt(n)}: ${label} PSI ${fmtS(r.psiMs)} (bound ${fmtS(r.boundMs)}; parties' CPU ${r.cpuMs === null ? '?' : fmtS(r.cpuMs)}), peak RSS ${Object.entries(r.parties).map(([p, f]) => `${p} ${fmtMB(f.highWater)}`).join(', ')}, other processes took ${r.othersShare === null ? '?' : pct(r.othersShare)} of the CPU`);
    runs.push(r);
  }
  return runs;
}

async function psiJob(spec: JobSpec, runDir: string, sides: Sides, o: { n: number; changedIds: number; boundMs: number; boundCpuMs: number }): Promise<PsiRun> {
  const rss = new RssWatch();
  const cpu = new CpuWatch((cmdline) => /party-([^/\0]+)\.yaml/.exec(cmdline)?.[1]);
  const reuse = { guest: { psiReuse: { host: { rotateDays: 30 } } }, host: { psiReuse: { guest: { rotateDays: 30 } } } };
  let relayedBytes = 0;
  let intersectionFiles: string[] = [];
  const loadBefore = loadavg()[0] ?? 0;
  rss.start();
  cpu.start();
  const result: SimulationResult = await simulate(spec, {
    runDir, logLevel: 'info', partyOverrides: reuse, connectTimeoutMs: 120_000, coordinatorOverrides: { stepTimeoutMs: STEP_TIMEOUT_MS },
    onSpawn: (party, child) => rss.watch(party, child.pid),
    tap: (e) => {
      if (e.direction === 'in') relayedBytes += e.bytes.length;
    },
    afterJob: async ({ result: r }) => {
      rss.sample();
      intersectionFiles = spec.parties.map((p) => r.outputs[p.id]?.intersection ?? '');
    },
  }).finally(() => {
    rss.stop();
    cpu.stop();
  });
  if (result.status !== 'succeeded') throw new Error(`PSI of ${o.n}: ${result.error?.code ?? '?'} ${result.error?.message ?? ''} (rerun with --keep for the logs in ${runDir}/logs)`);
  if (result.psi?.intersectionSize !== sides.intersection) throw new Error(`PSI of ${o.n}: intersection of ${result.psi?.intersectionSize}, expected ${sides.intersection}`);
  const digests = await Promise.all(intersectionFiles.map(digestLines));
  if (digests.some((d) => d.digest !== digests[0]!.digest || d.lines !== sides.intersection + 1)) throw new Error(`PSI of ${o.n}: the parties' intersection files differ or have the wrong length`);

  const logs = await partyLogs(join(runDir, 'logs'));
  const parties: Record<string, PartyFigures> = {};
  let from = Infinity;
  let to = -Infinity;
  for (const { id } of spec.parties) {
    const lines = (logs[id] ?? []).filter((l) => l.job === result.job);
    const finished = need(lines, 'PSI finished', id);
    const loaded = need(lines, 'dataset loaded', id);
    const psiStart = (finished.time as number) - (finished.ms as number);
    from = Math.min(from, psiStart);
    to = Math.max(to, finished.time as number);
    parties[id] = {
      loadMs: loaded.ms as number,
      psiMs: finished.ms as number,
      psiCpuMs: null,
      loadPeakRss: rss.peak(id, 0, loaded.time as number) ?? null,
      rssAtPsiStart: rss.at(id, psiStart) ?? null,
      psiPeakRss: rss.peak(id, psiStart, finished.time as number) ?? null,
      highWater: rss.highWater(id) ?? null,
    };
  }
  const window = cpu.between(from, to);
  for (const [id, party] of Object.entries(parties)) {
    const used = window?.children[id]?.totalMs;
    if (used !== undefined) party.psiCpuMs = Math.round(used);
  }
  const cpuValues = Object.values(parties).map((p) => p.psiCpuMs);
  return {
    ids: o.n, changed: o.changedIds, intersection: sides.intersection,
    psiMs: Math.max(...Object.values(parties).map((p) => p.psiMs)),
    jobMs: result.durationMs, relayedBytes, parties, boundMs: Math.round(o.boundMs), boundCpuMs: Math.round(o.boundCpuMs),
    loadAverage: [round2(loadBefore), round2(loadavg()[0] ?? 0)],
    othersShare: window ? round3((window.othersMs + window.stealMs) / (window.wallMs * window.cores)) : null,
    cpuMs: cpuValues.every((v) => v !== null) ? cpuValues.reduce((a, b) => a! + b!, 0) : null,
  };
}

function need(lines: LogLine[], msg: string, party: string): LogLine {
  const line = lines.find((l) => l.msg === msg);
  if (typeof line?.ms !== 'number' || typeof line.time !== 'number') throw new Error(`no "${msg}" line with ms in the log of ${party}`);
  return line;
}

/** SHA-256 and line count of a file, read as a stream. */
async function digestLines(path: string): Promise<{ digest: string; lines: number }> {
  const hash = createHash('sha256');
  let lines = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
  }
  return { digest: hash.digest('hex'), lines };
}

/** Least-squares slope of each step's peak RSS over the IDs per party: bytes per customer. */
function memorySlopes(runs: PsiRun[]): Record<string, Record<string, number | null>> {
  const out: Record<string, Record<string, number | null>> = {};
  for (const kind of ['full', 'incremental'] as const) {
    const subset = runs.filter((r) => (kind === 'full') === (r.changed === 0));
    for (const party of ['guest', 'host']) {
      const slope = (pick: (f: PartyFigures) => number | null) => {
        const points = subset.map((r) => [r.ids, pick(r.parties[party]!)] as const).filter((p): p is readonly [number, number] => p[1] !== null);
        if (points.length < 2) return null;
        const mx = points.reduce((s, p) => s + p[0], 0) / points.length;
        const my = points.reduce((s, p) => s + p[1], 0) / points.length;
        const sxx = points.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
        return sxx === 0 ? null : Math.round(points.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0) / sxx);
      };
      out[`${kind} ${party}`] = {
        loadPeak: slope((f) => f.loadPeakRss),
        psiStart: slope((f) => f.rssAtPsiStart),
        psiPeak: slope((f) => f.psiPeakRss),
        psiStep: slope((f) => (f.psiPeakRss === null || f.rssAtPsiStart === null ? null : f.psiPeakRss - f.rssAtPsiStart)),
        highWater: slope((f) => f.highWater),
      };
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Vertical LR

interface VlrFigures {
  rows: number;
  features: { guest: number; host: number };
  secondsPerEpoch: number;
  jobMs: number;
  loadMs: Record<string, number>;
  highWater: Record<string, number | null>;
  auc: number;
  loadAverage: [number, number];
}

/** FATE's performance shape (as vertical-lr.ts), written as a stream: guest 30 features and the label, host 300. */
async function writeFateShape(dir: string, rows: number): Promise<{ guest: string; host: string }> {
  const next = mulberry32(7);
  const uniform = () => (next() + 0.5) / 4294967296;
  const gauss = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const guest = createWriteStream(join(dir, 'vlr-guest.csv'));
  const host = createWriteStream(join(dir, 'vlr-host.csv'));
  await write(guest, `id,y,${Array.from({ length: 30 }, (_, j) => `x${j}`).join(',')}\n`);
  await write(host, `id,${Array.from({ length: 300 }, (_, j) => `x${j}`).join(',')}\n`);
  const g = new Float64Array(30);
  const h = new Float64Array(300);
  for (let from = 0; from < rows; from += 5000) {
    const guestLines: string[] = [];
    const hostLines: string[] = [];
    for (let i = from; i < Math.min(rows, from + 5000); i++) {
      for (let j = 0; j < 30; j++) g[j] = gauss();
      for (let j = 0; j < 300; j++) h[j] = gauss();
      const u = 0.8 * g[0]! - 0.5 * g[1]! + 0.7 * h[0]! + 0.4 * h[1]! - 0.3 * h[2]!;
      const y = uniform() < 1 / (1 + Math.exp(-u)) ? 1 : 0;
      guestLines.push(`${idOf(i)},${y},${Array.from(g, (v) => v.toFixed(4)).join(',')}`);
      hostLines.push(`${idOf(i)},${Array.from(h, (v) => v.toFixed(4)).join(',')}`);
    }
    await write(guest, `${guestLines.join('\n')}\n`);
    await write(host, `${hostLines.join('\n')}\n`);
  }
  guest.end();
  host.end();
  await Promise.all([once(guest, 'finish'), once(host, 'finish')]);
  return { guest: join(dir, 'vlr-guest.csv'), host: join(dir, 'vlr-host.csv') };
}

async function verticalEpoch(dir: string, rows: number, progress: (line: string) => void): Promise<VlrFigures> {
  progress(`vertical LR: writing ${fmtInt(rows)} × (30 + 300) tables`);
  const files = await writeFateShape(dir, rows);
  const spec: JobSpec = {
    name: `bench-scale-vlr-${rows}`, kind: 'vertical', model: 'logistic',
    training: { epochs: 1, batchSize: 1 << 20, learningRate: 1, l2: 0.001, seed: 42 }, validation: { fraction: 0.3 },
    parties: [
      { id: 'guest', role: 'guest', data: { path: files.guest, idColumn: 'id', labelColumn: 'y' } },
      { id: 'host', role: 'host', data: { path: files.host, idColumn: 'id' } },
    ],
  };
  const rss = new RssWatch();
  const runDir = join(dir, `vlr-${rows}`);
  const loadBefore = loadavg()[0] ?? 0;
  progress(`vertical LR: one epoch (load average ${loadavg().map(round2).join(', ')})`);
  rss.start();
  const result = await simulate(spec, {
    runDir, logLevel: 'info', connectTimeoutMs: 120_000, coordinatorOverrides: { stepTimeoutMs: STEP_TIMEOUT_MS },
    onSpawn: (party, child) => rss.watch(party, child.pid),
    afterJob: async () => rss.sample(),
  }).finally(() => rss.stop());
  if (result.status !== 'succeeded') throw new Error(`vertical LR of ${rows}: ${result.error?.code ?? '?'} ${result.error?.message ?? ''}`);
  const logs = await partyLogs(join(runDir, 'logs'));
  const figures: VlrFigures = {
    rows, features: { guest: 30, host: 300 }, secondsPerEpoch: result.metrics?.secondsPerEpoch ?? Number.NaN, jobMs: result.durationMs,
    loadMs: Object.fromEntries(spec.parties.map((p) => [p.id, need((logs[p.id] ?? []).filter((l) => l.job === result.job), 'dataset loaded', p.id).ms as number])),
    highWater: Object.fromEntries(spec.parties.map((p) => [p.id, rss.highWater(p.id) ?? null])),
    auc: result.metrics?.auc ?? Number.NaN,
    loadAverage: [round2(loadBefore), round2(loadavg()[0] ?? 0)],
  };
  progress(`vertical LR: ${figures.secondsPerEpoch.toFixed(1)} s per epoch, peak RSS ${Object.entries(figures.highWater).map(([p, b]) => `${p} ${fmtMB(b)}`).join(', ')}`);
  return figures;
}

// ---------------------------------------------------------------------------------------------
// Loading

interface Rate {
  rowsPerSecond: number;
  rowsPerCpuSecond: number;
}

interface LoadFigures {
  rows: number;
  columns: string;
  csv: Rate;
  parquet: Rate;
  postgres: Rate;
  loadAverage: [number, number];
}

async function loadRates(dir: string, rows: number, progress: (line: string) => void): Promise<LoadFigures> {
  const columns = 'id (text), y (integer), x0..x9 (double)';
  const spec = { idColumn: 'id', labelColumn: 'y' };
  const source = { party: 'bench', file: 'bench table' };
  const loadBefore = loadavg()[0] ?? 0;
  const next = mulberry32(11);
  // Amounts with 4 decimals, as exports carry them.
  const value = (i: number, j: number) => Math.round((((i * 7 + j * 13) % 1000) / 7 + (next() % 1000) / 1e4) * 1e4) / 1e4;

  progress(`loading: writing a CSV and a Parquet file of ${fmtInt(rows)} rows`);
  const csvPath = join(dir, 'load.csv');
  const csv = createWriteStream(csvPath);
  await write(csv, `id,y,${Array.from({ length: 10 }, (_, j) => `x${j}`).join(',')}\n`);
  const columnsData = { id: new Array<string>(rows), y: new Array<number>(rows), x: Array.from({ length: 10 }, () => new Array<number>(rows)) };
  for (let from = 0; from < rows; from += 10_000) {
    const lines: string[] = [];
    for (let i = from; i < Math.min(rows, from + 10_000); i++) {
      columnsData.id[i] = idOf(i);
      columnsData.y[i] = i % 2;
      for (let j = 0; j < 10; j++) columnsData.x[j]![i] = value(i, j);
      lines.push(`${columnsData.id[i]},${columnsData.y[i]},${columnsData.x.map((c) => c[i]).join(',')}`);
    }
    await write(csv, `${lines.join('\n')}\n`);
  }
  csv.end();
  await once(csv, 'finish');
  const parquetPath = join(dir, 'load.parquet');
  const { parquetWriteFile } = await import('hyparquet-writer');
  parquetWriteFile({
    filename: parquetPath, rowGroupSize: 100_000,
    columnData: [
      { name: 'id', type: 'STRING', data: columnsData.id },
      { name: 'y', type: 'INT32', data: columnsData.y },
      ...columnsData.x.map((data, j) => ({ name: `x${j}`, type: 'DOUBLE' as const, data })),
    ],
  });

  // Wall-clock rows/s, and rows per CPU-second of this process (which other processes' load does not lower).
  const timed = async (what: string, load: () => Promise<{ rows: number }>): Promise<Rate> => {
    const cpu = process.cpuUsage();
    const started = performance.now();
    const d = await load();
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    if (d.rows !== rows) throw new Error(`${what}: loaded ${d.rows} rows, expected ${rows}`);
    const rate = { rowsPerSecond: Math.round(rows / seconds), rowsPerCpuSecond: Math.round(rows / ((used.user + used.system) / 1e6)) };
    progress(`loading: ${what} ${fmtInt(rate.rowsPerSecond)} rows/s (${fmtInt(rate.rowsPerCpuSecond)} per CPU-second of this process)`);
    return rate;
  };
  const csvRate = await timed('CSV', () => loadDataset({ path: csvPath, ...spec }, source));
  const parquetRate = await timed('Parquet', () => datasetFromBatches(readParquetBatches(parquetPath, source), spec, source));

  progress('loading: starting a PostgreSQL server and filling a table in SQL');
  const server = await startPostgres();
  let postgresRate: Rate;
  try {
    await server.sql('CREATE DATABASE bench');
    await server.sql("CREATE ROLE reader LOGIN PASSWORD 'reader-pw'; GRANT pg_read_all_data TO reader");
    await server.sql(`CREATE TABLE customers (id text PRIMARY KEY, y integer, ${Array.from({ length: 10 }, (_, j) => `x${j} double precision`).join(', ')})`, 'bench');
    await server.sql(`INSERT INTO customers SELECT 'C-' || g, g % 2, ${Array.from({ length: 10 }, (_, j) => `round((((g * 7 + ${j * 13}) % 1000) / 7.0 + random() / 10)::numeric, 4)::double precision`).join(', ')} FROM generate_series(0, ${rows - 1}) AS g`, 'bench');
    await server.sql('VACUUM ANALYZE customers', 'bench');
    const url = server.url('reader', 'reader-pw', 'bench');
    postgresRate = await timed('PostgreSQL', () => datasetFromBatches(readPostgresBatches({ url, table: 'customers' }, source), spec, source));
  } finally {
    await server.stop();
  }
  return { rows, columns, csv: csvRate, parquet: parquetRate, postgres: postgresRate, loadAverage: [round2(loadBefore), round2(loadavg()[0] ?? 0)] };
}

// ---------------------------------------------------------------------------------------------
// Report

function tables(report: Record<string, unknown>): string {
  const out: string[] = [`scale benchmark — ${report.cores} cores (${report.cpu}), Node ${report.node}`];
  const bound = report.bound as Rates | undefined;
  const runs = report.psi as PsiRun[] | undefined;
  if (bound && runs) {
    out.push('', `PSI (N × N IDs, half shared; two party processes). Bound rates: ${fmtInt(bound.multPerSecond)} X25519 mult/s on all cores, ${fmtInt(bound.hashPerSecond)} hashes/s (${fmtInt(bound.hashPerSecondOneThread)} on one thread × ${report.cores}); load average ${bound.loadAverage}`);
    out.push(`per CPU-second of one thread: ${fmtInt(bound.multPerCpuSecond)} X25519 mult, ${fmtInt(bound.hashPerCpuSecond)} hashes (CPU bound = the run's hashes and multiplications at these rates)`);
    out.push(`goal at 10M × 10M: ≤ ${GOALS.psi10M.seconds / 60} min and ≤ ${GOALS.psi10M.rssBytes / 1e9} GB per party; incremental (1% changed) ≥ ${GOALS.incrementalSpeedup}× faster`);
    const header = ['N per party', 'run', 'changed', 'PSI time', 'bound', 'job time', 'PSI CPU', 'CPU bound', 'guest load', 'guest peak', 'host peak', 'relayed', 'load avg', 'others', 'speedup', 'CPU speedup'];
    const rows = runs.map((r) => {
      const full = runs.find((f) => f.ids === r.ids && f.changed === 0);
      return [
        fmtInt(r.ids), r.changed === 0 ? 'full' : 'incremental', fmtInt(r.changed), fmtS(r.psiMs), fmtS(r.boundMs), fmtS(r.jobMs), r.cpuMs === null ? '-' : fmtS(r.cpuMs), fmtS(r.boundCpuMs),
        fmtS(r.parties.guest?.loadMs ?? 0), fmtMB(r.parties.guest?.highWater ?? null), fmtMB(r.parties.host?.highWater ?? null),
        `${(r.relayedBytes / MB).toFixed(0)} MB`, `${r.loadAverage[0]}→${r.loadAverage[1]}`, r.othersShare === null ? '-' : pct(r.othersShare),
        r.changed === 0 || !full ? '' : `${(full.psiMs / r.psiMs).toFixed(1)}×`,
        r.changed === 0 || !full || full.cpuMs === null || r.cpuMs === null ? '' : `${(full.cpuMs / r.cpuMs).toFixed(1)}×`,
      ];
    });
    out.push(...grid(header, rows));
    const slopes = report.memoryPerMillion as ReturnType<typeof memorySlopes> | null;
    if (slopes) {
      out.push('', 'memory per million customers (slope of peak RSS over N, MB per 10^6 IDs per party):');
      out.push(...grid(['step', 'load peak', 'RSS at PSI start', 'PSI peak', 'PSI step (peak − start)', 'VmHWM'], Object.entries(slopes).map(([k, s]) => [k, ...['loadPeak', 'psiStart', 'psiPeak', 'psiStep', 'highWater'].map((f) => String(s[f] ?? '-'))])));
    }
  }
  const vlr = report.vlr as VlrFigures | undefined;
  if (vlr) {
    out.push('', `vertical LR, one epoch at ${fmtInt(vlr.rows)} rows × (${vlr.features.guest} + ${vlr.features.host}) features (goal at 1M rows: ≤ ${GOALS.vlr1M.seconds} s, ≤ ${GOALS.vlr1M.rssBytes / 1e9} GB per party)`);
    out.push(...grid(['s/epoch', 'job time', 'guest load', 'host load', 'guest peak', 'host peak', 'AUC', 'load avg'], [[
      vlr.secondsPerEpoch.toFixed(1), fmtS(vlr.jobMs), fmtS(vlr.loadMs.guest ?? 0), fmtS(vlr.loadMs.host ?? 0),
      fmtMB(vlr.highWater.guest ?? null), fmtMB(vlr.highWater.host ?? null), vlr.auc.toFixed(4), `${vlr.loadAverage[0]}→${vlr.loadAverage[1]}`,
    ]]));
  }
  const load = report.load as LoadFigures | undefined;
  if (load) {
    out.push('', `loading ${fmtInt(load.rows)} rows of ${load.columns} into a Dataset (goal ≥ ${fmtInt(GOALS.loadRowsPerSecond)} rows/s)`);
    const row = (name: string, r: Rate) => [name, fmtInt(r.rowsPerSecond), fmtInt(r.rowsPerCpuSecond), r.rowsPerSecond >= GOALS.loadRowsPerSecond ? 'yes' : 'no'];
    out.push(...grid(['source', 'rows/s', 'rows per CPU-second', 'goal met'], [row('CSV', load.csv), row('Parquet', load.parquet), row('PostgreSQL (COPY)', load.postgres)]));
    out.push(`load average ${load.loadAverage[0]}→${load.loadAverage[1]}`);
  }
  return `${out.join('\n')}\n`;
}

function grid(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

function positiveInt(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${flag}: expected a positive integer, got "${text}"`);
  return n;
}

function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function fmtS(ms: number): string {
  return ms >= 100_000 ? `${(ms / 60_000).toFixed(1)} min` : `${(ms / 1000).toFixed(1)} s`;
}

function fmtMB(bytes: number | null): string {
  return bytes === null ? '-' : `${Math.round(bytes / MB)} MB`;
}

function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}

function round2(x: number): number {
  return Number(x.toFixed(2));
}

function round3(x: number): number {
  return Number(x.toFixed(3));
}
