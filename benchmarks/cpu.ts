// CPU accounting for benchmarks that spawn processes (Linux /proc; elsewhere it reports nothing).
// While a run is going it samples, every interval, the CPU time of this process's direct
// children per thread name (a Node process names its main thread "MainThread" and worker
// threads after their `name` option, cut to 15 characters), this process's own CPU time, and the
// whole machine's busy and stolen time (/proc/stat). `between(from, to)` then gives the CPU each used in
// a window, so a report can tell "the protocol left cores idle" apart from "other processes took
// the cores" — the machine a benchmark runs on is not always ours alone.

import { readFileSync, readdirSync } from 'node:fs';
import { cpus } from 'node:os';

/** USER_HZ: /proc reports CPU time in these ticks; 100 on every mainstream Linux build. */
const TICKS_PER_SECOND = 100;

export interface CpuWindow {
  wallMs: number;
  cores: number;
  /** CPU ms the whole machine spent busy (all processes, all cores). */
  machineBusyMs: number;
  /** CPU ms of this process (for simulate: the coordinator and the benchmark). */
  selfMs: number;
  /** CPU ms per child (by label; this process as "self" when asked for), per thread name, and in all. */
  children: Record<string, { threads: Record<string, number>; totalMs: number }>;
  /** machineBusyMs − selfMs − the children's: what other processes took. */
  othersMs: number;
  /** CPU ms the hypervisor gave to other guests while this machine wanted it (Linux "steal"). */
  stealMs: number;
  /** wall × cores − busy − steal: capacity nobody used. */
  idleMs: number;
}

interface Snapshot {
  at: number;
  machine: number;
  steal: number;
  self: number;
  children: Map<string, { threads: Record<string, number>; totalMs: number }>;
}

export class CpuWatch {
  readonly available = process.platform === 'linux';
  readonly #label: (cmdline: string) => string | undefined;
  readonly #labels = new Map<number, string | undefined>();
  /** pid -> tid -> last seen, so a thread that ended (a closed worker pool) keeps its time. */
  readonly #threads = new Map<number, Map<string, { comm: string; ms: number }>>();
  readonly #totals = new Map<number, number>();
  readonly #snapshots: Snapshot[] = [];
  #timer: NodeJS.Timeout | undefined;

  /**
   * `label` names a child from its NUL-separated command line; children it returns undefined for
   * are ignored. With `self`, this process's threads are also recorded, as child "self".
   */
  constructor(label: (cmdline: string) => string | undefined, options: { self?: boolean } = {}) {
    this.#label = label;
    if (options.self) this.#labels.set(process.pid, 'self');
  }

  start(intervalMs = 250): void {
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#sample();
  }

  /** CPU used between two Date.now() times (clamped to the samples taken); undefined off Linux. */
  between(from: number, to: number): CpuWindow | undefined {
    if (!this.available || this.#snapshots.length < 2) return undefined;
    const first = this.#nearest(from);
    const last = this.#nearest(to);
    if (last.at <= first.at) return undefined;
    const children: CpuWindow['children'] = {};
    let childMs = 0;
    for (const [label, end] of last.children) {
      const start = first.children.get(label) ?? { threads: {}, totalMs: 0 };
      const threads: Record<string, number> = {};
      for (const [name, ms] of Object.entries(end.threads)) threads[name] = ms - (start.threads[name] ?? 0);
      children[label] = { threads, totalMs: end.totalMs - start.totalMs };
      childMs += end.totalMs - start.totalMs;
    }
    const wallMs = last.at - first.at;
    const cores = cpus().length;
    const machineBusyMs = last.machine - first.machine;
    const stealMs = last.steal - first.steal;
    const selfMs = last.self - first.self;
    // This process's threads, when recorded, are already in selfMs.
    if (children.self) childMs -= children.self.totalMs;
    return {
      wallMs, cores, machineBusyMs, selfMs, children, stealMs,
      othersMs: Math.max(0, machineBusyMs - selfMs - childMs),
      idleMs: Math.max(0, wallMs * cores - machineBusyMs - stealMs),
    };
  }

  #nearest(at: number): Snapshot {
    let best = this.#snapshots[0] as Snapshot;
    for (const s of this.#snapshots) if (Math.abs(s.at - at) < Math.abs(best.at - at)) best = s;
    return best;
  }

  #sample(): void {
    const { busy, steal } = machineMs();
    const snapshot: Snapshot = { at: Date.now(), machine: busy, steal, self: selfMs(), children: new Map() };
    if (this.available) this.#readChildren();
    for (const [pid, tids] of this.#threads) {
      const label = this.#labels.get(pid);
      if (label === undefined) continue;
      const threads: Record<string, number> = {};
      for (const t of tids.values()) threads[t.comm] = (threads[t.comm] ?? 0) + t.ms;
      snapshot.children.set(label, { threads, totalMs: this.#totals.get(pid) ?? 0 });
    }
    this.#snapshots.push(snapshot);
  }

  // A child's time since its last sample is lost when it exits, so its totals are short by at
  // most one interval.
  #readChildren(): void {
    let pids: string[];
    try {
      pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
    } catch {
      return;
    }
    for (const p of pids) {
      const pid = Number(p);
      try {
        if (this.#labels.get(pid) === undefined && this.#labels.has(pid)) continue;
        const stat = parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
        if (stat.ppid !== process.pid && !(pid === process.pid && this.#labels.has(pid))) continue;
        if (!this.#labels.has(pid)) this.#labels.set(pid, this.#label(readFileSync(`/proc/${pid}/cmdline`, 'utf8')));
        if (this.#labels.get(pid) === undefined) continue;
        let tids = this.#threads.get(pid);
        if (!tids) this.#threads.set(pid, (tids = new Map()));
        for (const tid of readdirSync(`/proc/${pid}/task`)) {
          try {
            const t = parseStat(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'));
            tids.set(tid, { comm: t.comm, ms: t.ms });
          } catch {
            // the thread ended meanwhile
          }
        }
        this.#totals.set(pid, Math.max(this.#totals.get(pid) ?? 0, stat.ms));
      } catch {
        // the process ended between readdir and read
      }
    }
  }
}

function parseStat(text: string): { comm: string; ppid: number; ms: number } {
  // pid (comm) state ppid ... utime(14) stime(15); comm may hold spaces and parentheses.
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  const rest = text.slice(close + 2).split(' ');
  const ticks = Number(rest[11]) + Number(rest[12]);
  return { comm: text.slice(open + 1, close), ppid: Number(rest[1]), ms: (ticks * 1000) / TICKS_PER_SECOND };
}

/** Busy and stolen CPU ms of the whole machine since boot: /proc/stat on Linux, else os.cpus(). */
function machineMs(): { busy: number; steal: number } {
  try {
    // cpu  user nice system idle iowait irq softirq steal ...
    const f = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
    const at = (i: number) => f[i] ?? 0;
    const toMs = 1000 / TICKS_PER_SECOND;
    return { busy: (at(0) + at(1) + at(2) + at(5) + at(6)) * toMs, steal: at(7) * toMs };
  } catch {
    let busy = 0;
    for (const c of cpus()) busy += c.times.user + c.times.nice + c.times.sys + c.times.irq;
    return { busy, steal: 0 };
  }
}

function selfMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
