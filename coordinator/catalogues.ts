// Asks a party for the listing of its data catalogue and waits for the answer. The party decides
// (its policy) and answers with names, column names and types and row counts only; the coordinator
// relays the listing and keeps nothing of it.
import type { CatalogueEntry } from '../protocol/messages/dataset.ts';
import type { BodyOf } from '../protocol/messages/index.ts';
import type { PartyLinks } from './links.ts';
import { PartyRequests } from './partyRequests.ts';

export class PartyCatalogues {
  private readonly links: PartyLinks;
  private readonly requests: PartyRequests;

  constructor(links: PartyLinks, timeoutMs = 60_000) {
    this.links = links;
    this.requests = new PartyRequests(links, { replies: ['datasets.listed'], what: 'dataset listing', timeoutMs });
  }

  async list(party: string): Promise<CatalogueEntry[]> {
    const frame = await this.requests.ask(party, (request) => this.links.send(party, 'datasets.list', { request }));
    return (frame.body as BodyOf<'datasets.listed'>).datasets;
  }
}
