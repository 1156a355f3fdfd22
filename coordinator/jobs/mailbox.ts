// Waits for a party's answer within a job: frames are queued per (job, party) until someone asks,
// waits time out, and a party that drops its link fails the waits that depend on it.
import { FedmarkError } from '../../errors/table.ts';
import type { LinkFrame, MessageKind } from '../../protocol/messages/index.ts';

interface Waiter {
  kinds: readonly MessageKind[];
  resolve: (frame: LinkFrame) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
  onTimeout: () => void;
  timeoutMs: number;
}

export class Mailbox {
  private readonly queued = new Map<string, LinkFrame[]>();
  private readonly waiters = new Map<string, Waiter>();
  /** Jobs aborted (cancelled): their waits, pending or future, fail with this error. */
  private readonly aborted = new Map<string, Error>();

  deliver(party: string, frame: LinkFrame): boolean {
    if (frame.job === undefined) return false;
    const key = `${frame.job}\u0000${party}`;
    const waiter = this.waiters.get(key);
    if (waiter && waiter.kinds.includes(frame.kind)) {
      this.waiters.delete(key);
      clearTimeout(waiter.timer);
      waiter.resolve(frame);
      return true;
    }
    const queue = this.queued.get(key) ?? [];
    queue.push(frame);
    this.queued.set(key, queue);
    return true;
  }

  wait(job: string, party: string, kinds: readonly MessageKind[], timeoutMs: number): Promise<LinkFrame> {
    const abort = this.aborted.get(job);
    if (abort) return Promise.reject(abort);
    const key = `${job}\u0000${party}`;
    const queue = this.queued.get(key);
    const i = queue?.findIndex((f) => kinds.includes(f.kind)) ?? -1;
    if (queue && i >= 0) {
      const [frame] = queue.splice(i, 1);
      return Promise.resolve(frame as LinkFrame);
    }
    return new Promise((resolve, reject) => {
      const onTimeout = () => {
        this.waiters.delete(key);
        reject(new FedmarkError('FM_ERR_JOB_TIMEOUT', { job, party, seconds: Math.round(timeoutMs / 1000) }));
      };
      this.waiters.set(key, { kinds, resolve, reject, timer: setTimeout(onTimeout, timeoutMs), onTimeout, timeoutMs });
    });
  }

  /** A job that reports progress is alive: its waits start their deadlines again. */
  extend(job: string): void {
    for (const [key, waiter] of this.waiters) {
      if (!key.startsWith(`${job}\u0000`)) continue;
      clearTimeout(waiter.timer);
      waiter.timer = setTimeout(waiter.onTimeout, waiter.timeoutMs);
    }
  }

  partyGone(party: string): void {
    for (const [key, waiter] of this.waiters) {
      if (!key.endsWith(`\u0000${party}`)) continue;
      this.waiters.delete(key);
      clearTimeout(waiter.timer);
      waiter.reject(new FedmarkError('FM_ERR_JOB_PARTY_OFFLINE', { party }));
    }
  }

  abort(job: string, err: Error): void {
    this.aborted.set(job, err);
    for (const [key, waiter] of this.waiters) {
      if (!key.startsWith(`${job}\u0000`)) continue;
      this.waiters.delete(key);
      clearTimeout(waiter.timer);
      waiter.reject(err);
    }
  }

  /** The job's attempt ended: queued frames go, and waits still open end (their step has already failed). */
  forget(job: string): void {
    this.aborted.delete(job);
    for (const key of this.queued.keys()) if (key.startsWith(`${job}\u0000`)) this.queued.delete(key);
    for (const [key, waiter] of this.waiters) {
      if (!key.startsWith(`${job}\u0000`)) continue;
      this.waiters.delete(key);
      clearTimeout(waiter.timer);
      waiter.reject(new FedmarkError('FM_ERR_INTERNAL', { reason: `step of job ${job} abandoned` }));
    }
  }
}
