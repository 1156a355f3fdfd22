// PSI benchmark: the whole ECDH-PSI job (protocols.md, section PSI) through `simulate()` — a real
// coordinator on loopback, one party-node process per party, real sockets, the end-to-end channel
// and the real protocol — compared with the machine's X25519 bound.
//
// Per size N: two CSV files of N IDs each (`C-<24 hex>`, rows shuffled, one numeric feature),
// N/2 of them shared. The protocol needs 2 scalar multiplications per ID per side (blind one's
// own, re-blind the peer's), so 2·(N_guest + N_host) in all. The bound is measured first, in the
// same run, with every core busy: bound time = 2·(N_guest + N_host) / aggregate rate.
// Reported: IDs/s achieved ((N_guest + N_host) / PSI time, PSI time = max over parties of the
// `PSI finished` ms in their logs), the bound's IDs/s, their ratio (goal ≥ 0.67), the job time
// (coordinator's view: includes CSV loading) and the bytes through the coordinator.
// The intersection is checked: size N/2, both parties' aligned files identical, every ID shared.
//
// The machine may not be ours alone, and wall-clock ratios then mean little: the bound and the
// runs are slowed by different amounts. So, on Linux, the CPU of the machine during the PSI
// window is split into this run's, other processes' and idle, and a CPU-normalised ratio is
// given beside the wall-clock one: the multiplications' CPU time at the single-core rate
// (measured as mult per CPU-second, which sharing the core does not change) over the capacity
// this run used or left idle. On an idle machine the two agree; idle capacity is what the
// protocol's own stalls cost.

import { randomBytes } from 'node:crypto';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { simulate } from '../coordinator/simulate.ts';
import { measureBound, scalarMultRate, type HardwareBound } from '../protocol/psi/bound.ts';
import type { JobSpec } from '../protocol/messages/jobSpec.ts';
import { CpuWatch, type CpuWindow } from './cpu.ts';

const HELP = `usage: npm run bench -- psi [--json] [--sizes N,N...] [--quick] [--threads N] [--chunk-size N]
                           [--bound-seconds S] [--keep]

  --sizes          IDs per party, comma-separated, even (default 100000,1000000)
  --quick          smoke run: --sizes 10000,100000
  --threads        blinding threads per party process (default os.availableParallelism())
  --chunk-size     PSI chunk size, the party config's psiChunkSize (default: the party default)
  --bound-seconds  how long to measure the X25519 bound (default 3)
  --keep           keep the temporary data and run directories (logs) and print where they are
  --json           one JSON line on stdout instead of the table`;

const GOAL = 0.67;
/** Above this share of the machine taken by other processes, a wall-clock number is flagged. */
const BUSY = 0.1;

interface Bound {
  /** Aggregate X25519 mult/s with every core busy (measureBound). */
  multPerSecond: number;
  perThread: number[];
  /** Share of the machine other processes used while it was measured. */
  othersShare: number | null;
  /** Multiplications per CPU-second of each pool thread, all running at once (Linux only). */
  perCpuSecondPerCore: number | null;
}

export interface PsiRunResult {
  n: number;
  guestIds: number;
  hostIds: number;
  intersection: number;
  /** Max over parties of the party's own PSI time (job.start to intersection written). */
  psiMs: number;
  psiMsByParty: Record<string, number>;
  /** Max over parties of the dataset load time (CSV parse, checks, encoding). */
  loadMs: number;
  /** The coordinator's job duration: prepare (load) + PSI + bookkeeping. */
  jobMs: number;
  idsPerSecond: number;
  boundMs: number;
  boundIdsPerSecond: number;
  /** idsPerSecond / boundIdsPerSecond = boundMs / psiMs. */
  ratio: number;
  /** Frame bytes the coordinator received from, and sent to, the parties during the job. */
  bytesIn: number;
  bytesOut: number;
  /** Linux only (else null): CPU during the PSI window (first party's start to last party's end). */
  cpu: null | {
    /** CPU ms of each party process: its blinding worker threads, its main thread, in all. */
    parties: Record<string, { totalMs: number; blindMs: number; mainMs: number }>;
    /** Shares of the machine (wall × cores): this run (parties + coordinator), other processes plus hypervisor steal, idle. */
    runShare: number;
    othersShare: number;
    idleShare: number;
    /** CPU ms the multiplications need at the single-core CPU rate. */
    multCpuMs: number;
    /** multCpuMs / (this run's CPU + idle): the ratio had the machine been ours alone. */
    ratioAlone: number;
  };
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      json: { type: 'boolean', default: false },
      sizes: { type: 'string' },
      quick: { type: 'boolean', default: false },
      threads: { type: 'string' },
      'chunk-size': { type: 'string' },
      'bound-seconds': { type: 'string', default: '3' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return void process.stdout.write(`${HELP}\n`);
  if (values.sizes !== undefined && values.quick) throw new Error('--sizes and --quick exclude each other');
  const sizes = values.sizes !== undefined ? values.sizes.split(',').map((s) => positiveInt('--sizes', s.trim())) : values.quick ? [10_000, 100_000] : [100_000, 1_000_000];
  for (const n of sizes) if (n % 2 !== 0) throw new Error(`--sizes: expected even sizes (half of them overlap), got ${n}`);
  const threads = values.threads === undefined ? availableParallelism() : positiveInt('--threads', values.threads);
  const chunkSize = values['chunk-size'] === undefined ? undefined : positiveInt('--chunk-size', values['chunk-size']);
  const boundSeconds = Number(values['bound-seconds']);
  if (!(boundSeconds > 0)) throw new Error(`--bound-seconds: expected a positive number, got ${values['bound-seconds']}`);

  const progress = (line: string) => process.stderr.write(`psi: ${line}\n`);
  progress(`measuring the X25519 bound on ${availableParallelism()} threads for ${boundSeconds} s`);
  const bound = await measureBoundWatched(boundSeconds, progress);
  const singleCore = singleCoreCpuRate();
  progress(`one thread alone: ${fmtInt(singleCore)} mult per CPU-second`);
  // For the CPU-normalised ratio: the per-CPU-second rate with every core busy, as in the bound.
  const cpuRate = bound.perCpuSecondPerCore ?? singleCore;

  const dir = await mkdtemp(join(tmpdir(), 'fedmark-bench-psi-'));
  const runs: PsiRunResult[] = [];
  let boundAfter: Bound | undefined;
  try {
    for (const n of sizes) runs.push(await runOne(dir, n, { bound, cpuRate, threads, chunkSize, progress }));
    // Measured again afterwards only as a check on noise: the ratio uses the bound measured first.
    progress('measuring the bound again as a noise check');
    boundAfter = await measureBoundWatched(boundSeconds, progress);
    const drift = Math.abs(boundAfter.multPerSecond - bound.multPerSecond) / bound.multPerSecond;
    if (drift > 0.15) progress(`warning: the bound moved by ${pct(drift)} during the run (${fmtInt(bound.multPerSecond)} -> ${fmtInt(boundAfter.multPerSecond)} mult/s)`);
  } finally {
    if (values.keep) progress(`kept ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }

  const report = {
    benchmark: 'psi',
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    threadsPerParty: threads,
    chunkSize: chunkSize ?? null,
    bound: { threads: availableParallelism(), seconds: boundSeconds, ...bound },
    boundAfter: boundAfter ?? null,
    singleThreadMultPerCpuSecond: Math.round(singleCore),
    goal: GOAL,
    runs,
  };
  if (values.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else process.stdout.write(table(bound, boundAfter, threads, runs));
}

/** measureBound on every core, and how much of the machine other processes took meanwhile. */
async function measureBoundWatched(seconds: number, progress: (line: string) => void): Promise<Bound> {
  const watch = new CpuWatch(() => undefined, { self: true });
  watch.start(100);
  const started = Date.now();
  const measured: HardwareBound = await measureBound({ threads: availableParallelism(), seconds });
  watch.stop();
  const cpu = watch.between(started, Date.now());
  const othersShare = cpu ? round3(share(cpu.othersMs + cpu.stealMs, cpu)) : null;
  // The pool's threads ran the loop for about `seconds` each: multiplications per CPU-second of
  // them. Their start-up (loading libsodium) is in workerMs too, so this errs a little low.
  const workerMs = cpu ? blindingMs(cpu.children.self?.threads ?? {}) : 0;
  const perCpuSecond = workerMs > 0 ? (measured.perSecond * seconds) / (workerMs / 1000) : null;
  const bound: Bound = {
    multPerSecond: Math.round(measured.perSecond), perThread: measured.perThread.map(Math.round), othersShare,
    perCpuSecondPerCore: perCpuSecond === null ? null : Math.round(perCpuSecond),
  };
  progress(`bound: ${fmtInt(bound.multPerSecond)} mult/s in all (${bound.perThread.map(fmtInt).join(' + ')})${othersShare === null ? '' : `; other processes and steal took ${pct(othersShare)} of the machine meanwhile`}${bound.perCpuSecondPerCore === null ? '' : `; ${fmtInt(bound.perCpuSecondPerCore)} mult per CPU-second per thread`}`);
  if (othersShare !== null && othersShare > BUSY) progress('warning: the bound was measured on a busy machine: it is understated, the wall-clock ratios overstated');
  return bound;
}

/** X25519 multiplications per CPU-second of one core: unlike a wall-clock rate, sharing the core does not lower it. */
function singleCoreCpuRate(): number {
  const cpu = process.cpuUsage();
  const wall = performance.now();
  const perWallSecond = scalarMultRate(1);
  const wallS = (performance.now() - wall) / 1000;
  const used = process.cpuUsage(cpu);
  return (perWallSecond * wallS) / ((used.user + used.system) / 1e6);
}

async function runOne(
  dir: string, n: number,
  opts: { bound: Bound; cpuRate: number; threads: number; chunkSize: number | undefined; progress: (line: string) => void },
): Promise<PsiRunResult> {
  const { progress } = opts;
  progress(`N=${fmtInt(n)}: writing data`);
  const data = await writeData(dir, n);

  const spec: JobSpec = {
    name: `bench-psi-${n}`,
    kind: 'psi',
    parties: [
      { id: 'guest', role: 'guest', data: { path: data.guest, idColumn: 'id', features: ['x'] } },
      { id: 'host', role: 'host', data: { path: data.host, idColumn: 'id', features: ['x'] } },
    ],
  };
  let bytesIn = 0;
  let bytesOut = 0;
  const runDir = join(dir, `run-${n}`);
  progress(`N=${fmtInt(n)}: running the job (${opts.threads} blinding thread(s) per party)`);
  const watch = new CpuWatch((cmdline) => /party-([^/\0]+)\.yaml/.exec(cmdline)?.[1]);
  watch.start();
  const result = await simulate(spec, {
    runDir,
    logLevel: 'info',
    threads: opts.threads,
    ...(opts.chunkSize === undefined ? {} : { partyOverrides: { guest: { psiChunkSize: opts.chunkSize }, host: { psiChunkSize: opts.chunkSize } } }),
    tap: ({ direction, bytes }) => {
      if (direction === 'in') bytesIn += bytes.length;
      else bytesOut += bytes.length;
    },
  }).finally(() => watch.stop());
  if (result.status !== 'succeeded') {
    throw new Error(`N=${n}: job ${result.status}: ${result.error?.code ?? '?'} ${result.error?.message ?? ''} (logs in ${runDir}/logs; rerun with --keep)`);
  }

  // The intersection must be exactly the shared half, in the same order at both parties.
  const size = result.psi?.intersectionSize;
  if (size !== n / 2) throw new Error(`N=${n}: intersection has ${size} rows, expected ${n / 2}`);
  const aligned = await Promise.all(spec.parties.map(async ({ id }) => {
    const path = result.outputs[id]?.intersection;
    if (!path) throw new Error(`N=${n}: party ${id} wrote no intersection file`);
    return readFile(path, 'utf8');
  }));
  if (aligned[0] !== aligned[1]) throw new Error(`N=${n}: the two parties' intersection files differ (rows not aligned)`);
  const ids = (aligned[0] as string).trimEnd().split('\n').slice(1);
  if (ids.length !== n / 2) throw new Error(`N=${n}: intersection file has ${ids.length} rows, expected ${n / 2}`);
  for (const id of ids) if (!data.shared.has(id)) throw new Error(`N=${n}: intersection holds an ID that is not shared`);

  // PSI time per party from its log; the window runs from the first start to the last finish.
  const logs = await partyLogs(join(runDir, 'logs'));
  const psiMsByParty: Record<string, number> = {};
  let loadMs = 0;
  let from = Infinity;
  let to = -Infinity;
  for (const { id } of spec.parties) {
    const lines = logs[id] ?? [];
    const finished = lines.find((l) => l.msg === 'PSI finished');
    if (typeof finished?.ms !== 'number' || typeof finished.time !== 'number') throw new Error(`N=${n}: no "PSI finished" line with ms in the log of ${id}`);
    psiMsByParty[id] = finished.ms;
    from = Math.min(from, finished.time - finished.ms);
    to = Math.max(to, finished.time);
    const loaded = lines.find((l) => l.msg === 'dataset loaded');
    if (typeof loaded?.ms === 'number') loadMs = Math.max(loadMs, loaded.ms);
  }
  const psiMs = Math.max(...Object.values(psiMsByParty));
  const idCount = 2 * n; // N_guest + N_host
  const mults = 2 * idCount;
  const boundMs = (mults / opts.bound.multPerSecond) * 1000;
  const out: PsiRunResult = {
    n, guestIds: n, hostIds: n, intersection: size,
    psiMs, psiMsByParty, loadMs, jobMs: result.durationMs,
    idsPerSecond: Math.round(idCount / (psiMs / 1000)),
    boundMs: Math.round(boundMs),
    boundIdsPerSecond: Math.round(idCount / (boundMs / 1000)),
    ratio: round3(boundMs / psiMs),
    bytesIn, bytesOut,
    cpu: cpuSummary(watch.between(from, to), (mults / opts.cpuRate) * 1000),
  };

  progress(`N=${fmtInt(n)}: PSI ${fmtMs(psiMs)} (${Object.entries(psiMsByParty).map(([p, ms]) => `${p} ${fmtMs(ms)}`).join(', ')}), job ${fmtMs(out.jobMs)}, ratio ${out.ratio}`);
  if (out.cpu) {
    const c = out.cpu;
    progress(`N=${fmtInt(n)}: CPU in the PSI window: ${Object.entries(c.parties).map(([p, x]) => `${p} ${fmtMs(x.totalMs)} (blinding threads ${fmtMs(x.blindMs)}, main ${fmtMs(x.mainMs)})`).join('; ')}`);
    progress(`N=${fmtInt(n)}: machine: this run ${pct(c.runShare)}, other processes and steal ${pct(c.othersShare)}, idle ${pct(c.idleShare)}; ratio had the machine been ours alone ≈ ${c.ratioAlone}`);
    if (c.othersShare > BUSY) progress(`warning: other processes and steal took ${pct(c.othersShare)} of the machine during N=${n}: its wall-clock numbers are understated`);
  }
  return out;
}

function cpuSummary(window: CpuWindow | undefined, multCpuMs: number): PsiRunResult['cpu'] {
  if (!window) return null;
  const parties: NonNullable<PsiRunResult['cpu']>['parties'] = {};
  let partyMs = 0;
  for (const [label, c] of Object.entries(window.children)) {
    const blindMs = blindingMs(c.threads);
    parties[label] = { totalMs: Math.round(c.totalMs), blindMs: Math.round(blindMs), mainMs: Math.round(c.threads.MainThread ?? 0) };
    partyMs += c.totalMs;
  }
  const runMs = partyMs + window.selfMs;
  return {
    parties,
    runShare: round3(share(runMs, window)),
    othersShare: round3(share(window.othersMs + window.stealMs, window)),
    idleShare: round3(share(window.idleMs, window)),
    multCpuMs: Math.round(multCpuMs),
    ratioAlone: round3(multCpuMs / (runMs + window.idleMs)),
  };
}

/** Two shuffled CSV files of n IDs each, n/2 of them in both; returns the shared IDs as written. */
async function writeData(dir: string, n: number): Promise<{ guest: string; host: string; shared: Set<string> }> {
  const half = n / 2;
  // 12 random bytes per ID: a collision among 1.5·n IDs has probability below n²/2^97.
  const fresh = (count: number): string[] => {
    const bytes = randomBytes(12 * count);
    const out = new Array<string>(count);
    for (let i = 0; i < count; i++) out[i] = `C-${bytes.toString('hex', 12 * i, 12 * (i + 1))}`;
    return out;
  };
  const shared = fresh(half);
  const guestIds = shuffleInPlace(shared.concat(fresh(half)));
  const hostIds = shuffleInPlace(shared.concat(fresh(half)));
  const guest = join(dir, `guest-${n}.csv`);
  const host = join(dir, `host-${n}.csv`);
  await writeFile(guest, csv(guestIds));
  await writeFile(host, csv(hostIds));
  return { guest, host, shared: new Set(shared) };
}

function csv(ids: string[]): string {
  const lines = new Array<string>(ids.length + 1);
  lines[0] = 'id,x';
  for (let i = 0; i < ids.length; i++) lines[i + 1] = `${ids[i]},${(Math.random() * 1000).toFixed(3)}`;
  return `${lines.join('\n')}\n`;
}

// Fisher–Yates with Math.random: test data only, no secret depends on this order.
function shuffleInPlace<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    const t = items[i] as T;
    items[i] = items[j] as T;
    items[j] = t;
  }
  return items;
}

export type LogLine = Record<string, unknown> & { msg?: unknown; ms?: unknown; time?: unknown };

/** pino JSON lines of each party-<id>.log; lines that are not JSON (stray output) are skipped. */
export async function partyLogs(dir: string): Promise<Record<string, LogLine[]>> {
  const out: Record<string, LogLine[]> = {};
  for (const file of await readdir(dir)) {
    const m = /^party-(.+)\.log$/.exec(file);
    if (!m) continue;
    const lines: LogLine[] = [];
    for (const raw of (await readFile(join(dir, file), 'utf8')).split('\n')) {
      if (!raw.startsWith('{')) continue;
      try {
        const parsed: unknown = JSON.parse(raw);
        if (typeof parsed === 'object' && parsed !== null) lines.push(parsed as LogLine);
      } catch {
        // not a log line
      }
    }
    out[m[1] as string] = lines;
  }
  return out;
}

function table(bound: Bound, after: Bound | undefined, threads: number, runs: PsiRunResult[]): string {
  const header = ['N per party', 'IDs/s', 'bound IDs/s', 'ratio', 'PSI time', 'bound time', 'load time', 'job time', 'relayed', 'CPU run/others/idle', 'ratio alone'];
  const rows = runs.map((r) => [
    fmtInt(r.n), fmtInt(r.idsPerSecond), fmtInt(r.boundIdsPerSecond), `${r.ratio.toFixed(2)}${r.ratio >= GOAL ? '' : ' *'}`,
    fmtMs(r.psiMs), fmtMs(r.boundMs), fmtMs(r.loadMs), fmtMs(r.jobMs), `${(r.bytesIn / 1e6).toFixed(1)} MB`,
    r.cpu ? `${pct(r.cpu.runShare)}/${pct(r.cpu.othersShare)}/${pct(r.cpu.idleShare)}` : '-',
    r.cpu ? `${r.cpu.ratioAlone.toFixed(2)}${r.cpu.ratioAlone >= GOAL ? '' : ' *'}` : '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  const busy = (b: Bound) => (b.othersShare === null ? '' : `, others ${pct(b.othersShare)}`);
  return [
    `PSI benchmark — ${availableParallelism()} cores, ${threads} blinding thread(s) per party, Node ${process.version}`,
    `bound: ${fmtInt(bound.multPerSecond)} X25519 mult/s on all cores${busy(bound)}${after ? `; again after the runs: ${fmtInt(after.multPerSecond)}${busy(after)}` : ''}${bound.perCpuSecondPerCore === null ? '' : `; ${fmtInt(bound.perCpuSecondPerCore)} mult per CPU-second per core`}`,
    `IDs/s = (N_guest + N_host) / PSI time; bound = 2 mult per ID per side at the bound rate; goal ratio ≥ ${GOAL} (* = below)`,
    'relayed = frame bytes into the coordinator; CPU = shares of the machine in the PSI window (others = other processes + steal);',
    'ratio alone = mult CPU time at the all-cores per-CPU-second rate / (this run\'s CPU + idle): the ratio had the machine been ours alone',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
  ].join('\n');
}

/** CPU ms of BlindingPool worker threads (named fedmark-psi-blind, cut to 15 characters by Linux). */
function blindingMs(threads: Record<string, number>): number {
  return Object.entries(threads).filter(([name]) => name.startsWith('fedmark-psi')).reduce((sum, [, ms]) => sum + ms, 0);
}

function share(ms: number, window: { wallMs: number; cores: number }): number {
  return ms / (window.wallMs * window.cores);
}

function round3(x: number): number {
  return Number(x.toFixed(3));
}

function pct(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}

function positiveInt(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${flag}: expected a positive integer, got "${text}"`);
  return n;
}

function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function fmtMs(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 1000).toFixed(2)} s`;
}
