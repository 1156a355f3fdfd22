// The coordinator's one tracker of what it awaits from parties, on its link layer (links.ts owns
// one). Two ways to wait, one set of rules (a deadline; a party that drops its link fails what
// depends on it):
// - ask(): a request to one party (scoring, audiences, seed uploads, catalogue listings) gets the
//   next request number; the party's frame of the reply kind REPLIES names, carrying that number,
//   settles it, and an error reply becomes a FedmarkError naming the party. Replies are routed by
//   (party, request number) and kind: a reply of another kind, or late, is dropped.
// - wait(): within a job, the next frame of the given kinds from one party (job.ready, job.done,
//   a round's upload): frames queue per (job, party) until asked for; deadlines start again while
//   the job reports progress (extend); a cancelled job's waits fail (abort); an ended attempt's
//   queue goes (forget).
import { FedmarkError, fromWireError } from '../errors/table.ts';
import type { SendOptions } from '../protocol/envelope.ts';
import { isReply, REPLIES, type BodyOf, type LinkFrame, type LinkMessage, type MessageKind, type ReplyOf, type RequestKind } from '../protocol/messages/index.ts';

/** What the tracker needs of the links: sending, and whether a party is connected. */
export interface RequestLink {
  isOnline(party: string): boolean;
  send<K extends MessageKind>(party: string, kind: K, body: BodyOf<K>, opts?: SendOptions): void;
}

export interface AskOptions {
  /** What is asked, for the timeout and failure messages ("seed upload", "scoring m"). */
  what: string;
  timeoutMs: number;
  job?: string;
  payload?: Uint8Array;
}

interface Asked {
  party: string;
  kind: MessageKind;
  what: string;
  resolve: (frame: LinkFrame) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

interface Waiter {
  kinds: readonly MessageKind[];
  resolve: (frame: LinkFrame) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
  onTimeout: () => void;
  timeoutMs: number;
}

const jobKey = (job: string, party: string) => `${job}\u0000${party}`;

export class PartyRequests {
  private readonly link: RequestLink;
  private nextRequest = 0;
  private readonly asked = new Map<number, Asked>();
  private readonly queued = new Map<string, LinkFrame[]>();
  private readonly waiters = new Map<string, Waiter>();
  /** Jobs aborted (cancelled): their waits, pending or future, fail with this error. */
  private readonly aborted = new Map<string, Error>();

  constructor(link: RequestLink) {
    this.link = link;
  }

  /** Sends `kind` to `party` and resolves with the reply of the kind that answers it. */
  ask<K extends RequestKind>(party: string, kind: K, body: BodyOf<K>, opts: AskOptions): Promise<LinkMessage<ReplyOf<K>>> {
    if (!this.link.isOnline(party)) return Promise.reject(new FedmarkError('FM_ERR_JOB_PARTY_OFFLINE', { party }));
    const request = this.nextRequest++;
    const reply = new Promise<LinkFrame>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.asked.delete(request);
        reject(new FedmarkError('FM_ERR_JOB_TIMEOUT', { job: opts.what, party, seconds: Math.round(opts.timeoutMs / 1000) }));
      }, opts.timeoutMs);
      this.asked.set(request, { party, kind: REPLIES[kind], what: opts.what, resolve, reject, timer });
    });
    try {
      this.link.send(party, kind, body, { request, ...(opts.job === undefined ? {} : { job: opts.job }), ...(opts.payload ? { payload: opts.payload } : {}) });
    } catch (err) {
      this.settleWith(request, (a) => a.reject(err as Error));
    }
    return reply as Promise<LinkMessage<ReplyOf<K>>>;
  }

  /**
   * A reply frame from `party`: settles the request it answers. Returns false for frames that are
   * no reply (they belong to a job or a service).
   */
  settle(party: string, frame: LinkFrame): boolean {
    if (!isReply(frame)) return false;
    const asked = frame.request === undefined ? undefined : this.asked.get(frame.request);
    if (!asked || asked.party !== party || asked.kind !== frame.kind) return true;
    this.settleWith(frame.request as number, (a) => {
      if (frame.error) a.reject(fromWireError(frame.error, 'FM_ERR_JOB_PARTY_FAILED', { party, reason: `${a.what} failed` }));
      else a.resolve(frame);
    });
    return true;
  }

  /** A frame of a running job, for its waits; false when it names no job. */
  deliver(party: string, frame: LinkFrame): boolean {
    if (frame.job === undefined) return false;
    const key = jobKey(frame.job, party);
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

  /** The next frame of `kinds` from `party` in `job`, queued or still to come. */
  wait<K extends MessageKind>(job: string, party: string, kinds: readonly K[], timeoutMs: number): Promise<Extract<LinkFrame, { kind: K }>> {
    // Only frames whose kind is in `kinds` settle the wait.
    return this.waitAny(job, party, kinds, timeoutMs) as Promise<Extract<LinkFrame, { kind: K }>>;
  }

  private waitAny(job: string, party: string, kinds: readonly MessageKind[], timeoutMs: number): Promise<LinkFrame> {
    const abort = this.aborted.get(job);
    if (abort) return Promise.reject(abort);
    const key = jobKey(job, party);
    const queue = this.queued.get(key);
    const i = queue?.findIndex((f) => kinds.includes(f.kind)) ?? -1;
    if (queue && i >= 0) return Promise.resolve(queue.splice(i, 1)[0] as LinkFrame);
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

  /** The party's link dropped: what it was asked and what its jobs wait for from it fail. */
  partyGone(party: string): void {
    const gone = () => new FedmarkError('FM_ERR_JOB_PARTY_OFFLINE', { party });
    for (const [request, a] of this.asked) if (a.party === party) this.settleWith(request, (x) => x.reject(gone()));
    this.rejectWaits((key) => key.endsWith(`\u0000${party}`), gone);
  }

  /** The job was cancelled: its waits fail with `err`, now and later, until its attempt is forgotten. */
  abort(job: string, err: Error): void {
    this.aborted.set(job, err);
    this.rejectWaits((key) => key.startsWith(`${job}\u0000`), () => err);
  }

  /** The job's attempt ended: queued frames go, and waits still open end (their step has already failed). */
  forget(job: string): void {
    this.aborted.delete(job);
    for (const key of this.queued.keys()) if (key.startsWith(`${job}\u0000`)) this.queued.delete(key);
    this.rejectWaits((key) => key.startsWith(`${job}\u0000`), () => new FedmarkError('FM_ERR_INTERNAL', { reason: `step of job ${job} abandoned` }));
  }

  private settleWith(request: number, settle: (a: Asked) => void): void {
    const a = this.asked.get(request);
    if (!a) return;
    this.asked.delete(request);
    clearTimeout(a.timer);
    settle(a);
  }

  private rejectWaits(matches: (key: string) => boolean, err: () => Error): void {
    for (const [key, waiter] of this.waiters) {
      if (!matches(key)) continue;
      this.waiters.delete(key);
      clearTimeout(waiter.timer);
      waiter.reject(err());
    }
  }
}
