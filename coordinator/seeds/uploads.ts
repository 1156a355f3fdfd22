// Seed-list uploads through the coordinator: it fetches a party's seed-upload public key for the
// scientist's client, and relays the sealed list to the party. It never holds the list in clear.
import type { Logger } from 'pino';
import { FedmarkError, fromWireError } from '../../protocol/errors.ts';
import type { BodyOf, LinkFrame } from '../../protocol/messages/index.ts';
import { BOX_PUBLIC_KEY_BYTES } from '../../protocol/e2e/sealedBox.ts';
import type { KeyEndorsementWire } from '../../protocol/messages/identity.ts';
import type { PartyLinks } from '../links.ts';

interface Pending {
  resolve: (frame: LinkFrame) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class SeedUploads {
  private readonly links: PartyLinks;
  private readonly log: Logger;
  private readonly timeoutMs: number;
  private nextRequest = 0;
  private readonly pending = new Map<string, Pending>();

  constructor(links: PartyLinks, log: Logger, timeoutMs = 30_000) {
    this.links = links;
    this.log = log;
    this.timeoutMs = timeoutMs;
    links.on('frame', (party, frame) => {
      if (frame.kind !== 'seeds.keyed' && frame.kind !== 'seeds.stored') return;
      const key = `${party}\u0000${(frame.body as { request: number }).request}`;
      const p = this.pending.get(key);
      if (!p) return;
      this.pending.delete(key);
      clearTimeout(p.timer);
      if (frame.error) p.reject(fromWireError(frame.error, 'FM_ERR_JOB_PARTY_FAILED', { party, reason: 'seed upload failed' }));
      else p.resolve(frame);
    });
  }

  /** The party's seed-upload key and its identity's signature, passed on for the uploader to check. */
  async publicKey(party: string): Promise<{ key: Uint8Array; endorsement?: KeyEndorsementWire }> {
    const frame = await this.ask(party, (request) => this.links.send(party, 'seeds.key', { request }));
    if (frame.payload?.length !== BOX_PUBLIC_KEY_BYTES) throw new FedmarkError('FM_ERR_JOB_PARTY_FAILED', { party, reason: 'no seed-upload key in the reply' });
    const { endorsement } = frame.body as BodyOf<'seeds.keyed'>;
    return { key: frame.payload, ...(endorsement ? { endorsement } : {}) };
  }

  async store(party: string, name: string, sealed: Uint8Array): Promise<number> {
    const frame = await this.ask(party, (request) => this.links.send(party, 'seeds.store', { request, name }, { payload: sealed }));
    const rows = (frame.body as BodyOf<'seeds.stored'>).rows;
    this.log.info({ party, name, rows, bytes: sealed.length }, 'sealed seed list relayed');
    return rows;
  }

  private ask(party: string, write: (request: number) => void): Promise<LinkFrame> {
    if (!this.links.isOnline(party)) throw new FedmarkError('FM_ERR_JOB_PARTY_OFFLINE', { party });
    const request = this.nextRequest++;
    const key = `${party}\u0000${request}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(key);
        reject(new FedmarkError('FM_ERR_JOB_TIMEOUT', { job: 'seed upload', party, seconds: Math.round(this.timeoutMs / 1000) }));
      }, this.timeoutMs);
      this.pending.set(key, { resolve, reject, timer });
      write(request);
    });
  }
}
