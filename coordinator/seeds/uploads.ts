// Seed-list uploads through the coordinator: it fetches a party's seed-upload public key for the
// scientist's client, and relays the sealed list to the party. It never holds the list in clear.
import type { Logger } from 'pino';
import { FedmarkError } from '../../errors/table.ts';
import { BOX_PUBLIC_KEY_BYTES } from '../../protocol/e2e/sealedBox.ts';
import type { KeyEndorsementWire } from '../../protocol/messages/identity.ts';
import type { PartyLinks } from '../links.ts';

export class SeedUploads {
  private readonly links: PartyLinks;
  private readonly log: Logger;
  private readonly timeoutMs: number;

  constructor(links: PartyLinks, log: Logger, timeoutMs = 30_000) {
    this.links = links;
    this.log = log;
    this.timeoutMs = timeoutMs;
  }

  /** The party's seed-upload key and its identity's signature, passed on for the uploader to check. */
  async publicKey(party: string): Promise<{ key: Uint8Array; endorsement: KeyEndorsementWire }> {
    const frame = await this.links.requests.ask(party, 'seeds.key', {}, { what: 'seed upload', timeoutMs: this.timeoutMs });
    if (frame.payload?.length !== BOX_PUBLIC_KEY_BYTES) throw new FedmarkError('FM_ERR_JOB_PARTY_FAILED', { party, reason: 'no seed-upload key in the reply' });
    return { key: frame.payload, endorsement: frame.body.endorsement };
  }

  async store(party: string, name: string, sealed: Uint8Array): Promise<number> {
    const frame = await this.links.requests.ask(party, 'seeds.store', { name }, { what: 'seed upload', timeoutMs: this.timeoutMs, payload: sealed });
    this.log.info({ party, name, rows: frame.body.rows, bytes: sealed.length }, 'sealed seed list relayed');
    return frame.body.rows;
  }
}
