// Resident memory of the processes a benchmark spawns (Linux /proc; elsewhere it reports nothing):
// VmRSS sampled every interval, so a report can give the peak of each step (loading, PSI) from
// the steps' times in the logs, and VmHWM, the kernel's own peak over the process's life.

import { readFileSync } from 'node:fs';

interface Sample {
  at: number;
  rss: number;
}

export class RssWatch {
  readonly available = process.platform === 'linux';
  readonly #pids = new Map<string, number>();
  readonly #samples = new Map<string, Sample[]>();
  readonly #hwm = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;

  /** Starts following `pid` under `label` (a party's name). */
  watch(label: string, pid: number | undefined): void {
    if (pid === undefined) return;
    this.#pids.set(label, pid);
    this.#samples.set(label, []);
    this.#hwm.delete(label);
  }

  start(intervalMs = 200): void {
    this.#timer = setInterval(() => this.sample(), intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Reads every watched process now (also call it just before the processes are stopped). */
  sample(): void {
    if (!this.available) return;
    const at = Date.now();
    for (const [label, pid] of this.#pids) {
      const status = readStatus(pid);
      if (status === undefined) continue;
      this.#samples.get(label)?.push({ at, rss: status.rss });
      this.#hwm.set(label, Math.max(this.#hwm.get(label) ?? 0, status.hwm));
    }
  }

  /** Highest sampled VmRSS (bytes) of `label` between two Date.now() times. */
  peak(label: string, from: number, to: number): number | undefined {
    let best: number | undefined;
    for (const s of this.#samples.get(label) ?? []) if (s.at >= from && s.at <= to) best = Math.max(best ?? 0, s.rss);
    return best;
  }

  /** VmRSS (bytes) of the last sample at or before `at`. */
  at(label: string, at: number): number | undefined {
    let last: number | undefined;
    for (const s of this.#samples.get(label) ?? []) if (s.at <= at) last = s.rss;
    return last;
  }

  /** VmHWM (bytes): the process's peak resident memory, as the kernel counts it. */
  highWater(label: string): number | undefined {
    return this.#hwm.get(label);
  }
}

function readStatus(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? Number.NaN) * 1024;
    const rss = kb('VmRSS');
    const hwm = kb('VmHWM');
    // An exited process not yet reaped still has a status file, without memory lines.
    return Number.isNaN(rss) || Number.isNaN(hwm) ? undefined : { rss, hwm };
  } catch {
    return undefined; // the process is gone
  }
}
