// Asks a party for the listing of its data catalogue and waits for the answer. The party decides
// (its policy) and answers with names, column names and types and row counts only; the coordinator
// relays the listing and keeps nothing of it.
import { FedmarkError, fromWireError } from '../protocol/errors.ts';
import type { CatalogueEntry } from '../protocol/messages/dataset.ts';
import type { BodyOf } from '../protocol/messages/index.ts';
import type { PartyLinks } from './links.ts';

interface Pending {
  resolve: (datasets: CatalogueEntry[]) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class PartyCatalogues {
  private readonly links: PartyLinks;
  private readonly timeoutMs: number;
  private nextRequest = 0;
  private readonly pending = new Map<string, Pending>();

  constructor(links: PartyLinks, timeoutMs = 60_000) {
    this.links = links;
    this.timeoutMs = timeoutMs;
    links.on('frame', (party, frame) => {
      if (frame.kind !== 'datasets.listed') return;
      const body = frame.body as BodyOf<'datasets.listed'>;
      const key = `${party}\u0000${body.request}`;
      const p = this.pending.get(key);
      if (!p) return;
      this.pending.delete(key);
      clearTimeout(p.timer);
      if (frame.error) p.reject(fromWireError(frame.error, 'FM_ERR_JOB_PARTY_FAILED', { party, reason: 'listing its datasets failed' }));
      else p.resolve(body.datasets);
    });
  }

  list(party: string): Promise<CatalogueEntry[]> {
    if (!this.links.isOnline(party)) throw new FedmarkError('FM_ERR_JOB_PARTY_OFFLINE', { party });
    const request = this.nextRequest++;
    const key = `${party}\u0000${request}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(key);
        reject(new FedmarkError('FM_ERR_JOB_TIMEOUT', { job: 'dataset listing', party, seconds: Math.round(this.timeoutMs / 1000) }));
      }, this.timeoutMs);
      this.pending.set(key, { resolve, reject, timer });
      this.links.send(party, 'datasets.list', { request });
    });
  }
}
