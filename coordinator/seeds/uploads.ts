// Seed-list uploads through the coordinator: it fetches a party's seed-upload public key for the
// scientist's client, and relays the sealed list to the party. It never holds the list in clear.
import type { Logger } from 'pino';
import { FedmarkError } from '../../errors/table.ts';
import type { BodyOf } from '../../protocol/messages/index.ts';
import { BOX_PUBLIC_KEY_BYTES } from '../../protocol/e2e/sealedBox.ts';
import type { KeyEndorsementWire } from '../../protocol/messages/identity.ts';
import type { PartyLinks } from '../links.ts';
import { PartyRequests } from '../partyRequests.ts';

export class SeedUploads {
  private readonly links: PartyLinks;
  private readonly log: Logger;
  private readonly requests: PartyRequests;

  constructor(links: PartyLinks, log: Logger, timeoutMs = 30_000) {
    this.links = links;
    this.log = log;
    this.requests = new PartyRequests(links, { replies: ['seeds.keyed', 'seeds.stored'], what: 'seed upload', timeoutMs });
  }

  /** The party's seed-upload key and its identity's signature, passed on for the uploader to check. */
  async publicKey(party: string): Promise<{ key: Uint8Array; endorsement?: KeyEndorsementWire }> {
    const frame = await this.requests.ask(party, (request) => this.links.send(party, 'seeds.key', { request }));
    if (frame.payload?.length !== BOX_PUBLIC_KEY_BYTES) throw new FedmarkError('FM_ERR_JOB_PARTY_FAILED', { party, reason: 'no seed-upload key in the reply' });
    const { endorsement } = frame.body as BodyOf<'seeds.keyed'>;
    return { key: frame.payload, ...(endorsement ? { endorsement } : {}) };
  }

  async store(party: string, name: string, sealed: Uint8Array): Promise<number> {
    const frame = await this.requests.ask(party, (request) => this.links.send(party, 'seeds.store', { request, name }, { payload: sealed }));
    const rows = (frame.body as BodyOf<'seeds.stored'>).rows;
    this.log.info({ party, name, rows, bytes: sealed.length }, 'sealed seed list relayed');
    return rows;
  }
}
