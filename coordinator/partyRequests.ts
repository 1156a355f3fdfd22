// Request/reply with one party over its link: a request number per call, the reply matched by
// (party, request) among the reply kinds given, a deadline, and an error reply turned into a
// FedmarkError that names the party. The services that ask parties something (seed uploads,
// catalogue listings) decide what to send and what the reply means; this only correlates.
import { FedmarkError, fromWireError } from '../errors/table.ts';
import type { LinkFrame } from '../protocol/messages/index.ts';
import type { PartyLinks } from './links.ts';

interface Pending {
  resolve: (frame: LinkFrame) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export interface PartyRequestsOptions {
  /** The frame kinds that answer a request; each body carries `request`. */
  replies: readonly string[];
  /** What is asked, for the timeout and failure messages ("seed upload", "dataset listing"). */
  what: string;
  timeoutMs: number;
}

export class PartyRequests {
  private readonly links: PartyLinks;
  private readonly opts: PartyRequestsOptions;
  private nextRequest = 0;
  private readonly pending = new Map<string, Pending>();

  constructor(links: PartyLinks, opts: PartyRequestsOptions) {
    this.links = links;
    this.opts = opts;
    links.on('frame', (party, frame) => {
      if (!opts.replies.includes(frame.kind)) return;
      const key = `${party}\u0000${(frame.body as { request: number }).request}`;
      const p = this.pending.get(key);
      if (!p) return;
      this.pending.delete(key);
      clearTimeout(p.timer);
      if (frame.error) p.reject(fromWireError(frame.error, 'FM_ERR_JOB_PARTY_FAILED', { party, reason: `${opts.what} failed` }));
      else p.resolve(frame);
    });
  }

  /** Sends with `write(request)` and waits for the party's reply to that request number. */
  ask(party: string, write: (request: number) => void): Promise<LinkFrame> {
    if (!this.links.isOnline(party)) throw new FedmarkError('FM_ERR_JOB_PARTY_OFFLINE', { party });
    const request = this.nextRequest++;
    const key = `${party}\u0000${request}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(key);
        reject(new FedmarkError('FM_ERR_JOB_TIMEOUT', { job: this.opts.what, party, seconds: Math.round(this.opts.timeoutMs / 1000) }));
      }, this.opts.timeoutMs);
      this.pending.set(key, { resolve, reject, timer });
      write(request);
    });
  }
}
