// `fedmark parties`: who is configured and connected, and what each party reported about its tables.
import { parseArgs } from 'node:util';
import { ApiClient, CONNECTION_HELP, CONNECTION_OPTIONS } from './client.ts';
import { table } from './jobs.ts';
import { fail } from './output.ts';
import { usageError } from '../../protocol/usage.ts';
import type { CatalogueEntry } from '../../protocol/messages/dataset.ts';

export const PARTIES_HELP = `usage: fedmark parties list [--json]
       fedmark parties datasets [PARTY] [--json]

  list             the configured parties, online or offline, and when each was last heard from.
  datasets         the latest aggregates each party reported about each table it served (rows,
                   consenting rows, features, label positives, missing rates); never values.
  datasets PARTY   the datasets PARTY offers to jobs: name, columns with their types, row count;
                   asked of the party itself, which answers only if its policy allows listing.

${CONNECTION_HELP}`;

interface PartyStatus { id: string; online: boolean; connectedAt?: string; lastSeen?: string }
interface DatasetReport { party: string; path: string; job: string; at: string; stats: Record<string, unknown> }

export async function partiesCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { ...CONNECTION_OPTIONS, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  const [verb = 'list'] = positionals;
  if (values.help) return void console.log(PARTIES_HELP);
  if (verb !== 'list' && verb !== 'datasets') usageError(`unknown parties command "${verb}" (list or datasets)`);
  const api = await ApiClient.from(values);
  const time = (iso: string | undefined) => (iso ? iso.replace('T', ' ').slice(0, 19) : '-');
  if (verb === 'list') {
    const parties = await api.call<PartyStatus[]>('GET', '/v1/parties');
    if (values.json) return void console.log(JSON.stringify(parties));
    if (parties.length === 0) return void console.log('no parties configured (coordinator config, "parties:")');
    return void console.log(table(['PARTY', 'LINK', 'CONNECTED SINCE (UTC)', 'LAST SEEN (UTC)'], parties.map((p) => [p.id, p.online ? 'online' : 'offline', p.online ? time(p.connectedAt) : '-', time(p.lastSeen)])));
  }
  const party = positionals[1];
  if (party !== undefined) return catalogue(api, party, values.json === true);
  const reports = await api.call<DatasetReport[]>('GET', '/v1/parties/datasets');
  if (values.json) return void console.log(JSON.stringify(reports));
  if (reports.length === 0) return void console.log('no reports yet: a party reports when it loads a table for a job');
  const n = (v: unknown) => (typeof v === 'number' ? String(v) : '-');
  console.log(table(['PARTY', 'TABLE', 'ROWS', 'CONSENTING', 'FEATURES', 'POSITIVES', 'REPORTED (UTC)'],
    reports.map((r) => [r.party, r.path, n(r.stats.totalRows), n(r.stats.consentingRows), n(r.stats.features), n(r.stats.labelPositives), time(r.at)])));
}

async function catalogue(api: ApiClient, party: string, json: boolean): Promise<void> {
  const { datasets } = await api.call<{ party: string; datasets: CatalogueEntry[] }>('GET', `/v1/parties/${encodeURIComponent(party)}/datasets`);
  if (json) return void console.log(JSON.stringify(datasets));
  if (datasets.length === 0) return void console.log(`party ${party} has no datasets in its catalogue`);
  console.log(table(['DATASET', 'ROWS', 'COLUMNS'], datasets.map((d) => [
    d.name,
    d.rows === undefined ? '-' : String(d.rows),
    d.error ? `unavailable: ${d.error.message}` : (d.columns ?? []).map((c) => `${c.name} (${c.type})`).join(', '),
  ])));
}
