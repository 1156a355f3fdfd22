// Asks a party for the listing of its data catalogue and waits for the answer. The party decides
// (its policy) and answers with names, column names and types and row counts only; the coordinator
// relays the listing and keeps nothing of it.
import type { CatalogueEntry } from '../protocol/messages/dataset.ts';
import type { PartyLinks } from './links.ts';

export class PartyCatalogues {
  private readonly links: PartyLinks;
  private readonly timeoutMs: number;

  constructor(links: PartyLinks, timeoutMs = 60_000) {
    this.links = links;
    this.timeoutMs = timeoutMs;
  }

  async list(party: string): Promise<CatalogueEntry[]> {
    const frame = await this.links.requests.ask(party, 'datasets.list', {}, { what: 'dataset listing', timeoutMs: this.timeoutMs });
    return frame.body.datasets;
  }
}
