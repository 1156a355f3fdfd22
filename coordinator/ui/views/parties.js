// Parties: who is configured, who is connected and when each was last heard from, the aggregates
// each reported about the tables it served (counts and missing rates, never values), and, on
// request, a party's own listing of its datasets (names, columns with types, row counts) when its
// policy allows.
import { api } from '../api.js';
import { badge, card, clear, h, table } from '../dom.js';
import { ago, int, pct, when } from '../format.js';
import { pageHeader, poll } from './common.js';

export function partiesView(main) {
  const status = h('div');
  const body = h('div');
  const catalogue = h('div', { id: 'party-catalogue' });
  main.append(pageHeader('Parties', h('p.muted', {}, 'Party nodes connect out to this coordinator; their data never leaves their premises.')), status, body, catalogue);
  return poll(async () => {
    const [parties, datasets] = await Promise.all([api('GET', '/v1/parties'), api('GET', '/v1/parties/datasets')]);
    const meanMissing = (d) => {
      const rates = Object.values(d.stats.missingRate ?? {});
      return rates.length ? rates.reduce((a, b) => a + b, 0) / rates.length : undefined;
    };
    clear(body,
      card('Connections', table([
        { label: 'Party', value: (p) => h('strong', {}, p.id) },
        { label: 'Link', value: (p) => badge(p.online ? 'online' : 'offline') },
        { label: 'Connected since', value: (p) => (p.online ? when(p.connectedAt) : '–') },
        { label: 'Last seen', value: (p) => (p.lastSeen ? `${ago(p.lastSeen)} (${when(p.lastSeen)})` : 'never') },
        { label: 'Tables reported', num: true, value: (p) => datasets.filter((d) => d.party === p.id).length },
        { label: 'Catalogue', value: (p) => (p.online ? h('button.small', { 'data-list-datasets': p.id, onclick: () => showCatalogue(catalogue, p.id) }, 'List datasets') : '–') },
      ], parties, { empty: 'No parties configured.', attrs: { id: 'parties-table' } })),
      card('Datasets: what each party reported', table([
        { label: 'Party', value: (d) => h('strong', {}, d.party) },
        { label: 'Table', value: (d) => h('span.mono.small', { title: d.path }, d.path.split('/').at(-1)) },
        { label: 'Rows', num: true, value: (d) => int(d.stats.totalRows) },
        { label: 'With consent', num: true, value: (d) => int(d.stats.consentingRows) },
        { label: 'Dropped (no consent)', num: true, value: (d) => int(d.stats.droppedWithoutConsent) },
        { label: 'Features', num: true, value: (d) => int(d.stats.features) },
        { label: 'Label positives', num: true, value: (d) => (typeof d.stats.labelPositives === 'number' ? `${int(d.stats.labelPositives)} (${pct(d.stats.labelPositives / d.stats.consentingRows)})` : '–') },
        { label: 'Mean missing rate', num: true, value: (d) => pct(meanMissing(d), 2) },
        { label: 'Reported', value: (d) => h('a.nowrap', { href: `#/jobs/${encodeURIComponent(d.job)}` }, when(d.at)) },
      ], datasets, { empty: 'No reports yet: a party reports when it loads a table for a job.' }),
      h('p.small.muted', {}, 'Counts and per-column missing rates are all a party sends about its table; no IDs, labels or feature values.')));
  }, 5000, status);
}

/** Asks the party (through the coordinator) for its datasets; the party's policy may refuse. */
async function showCatalogue(target, party) {
  clear(target, card(`Datasets of ${party}`, h('p.muted', {}, 'Asking the party…')));
  try {
    const { datasets } = await api('GET', `/v1/parties/${encodeURIComponent(party)}/datasets`);
    clear(target, card(`Datasets of ${party}`, table([
      { label: 'Dataset', value: (d) => h('strong', {}, d.name) },
      { label: 'Rows', num: true, value: (d) => (typeof d.rows === 'number' ? int(d.rows) : '–') },
      { label: 'Columns', value: (d) => (d.error ? h('span.muted', {}, `unavailable: ${d.error.message}`) : (d.columns ?? []).map((c) => h('span.mono.small', {}, `${c.name} (${c.type}) `))) },
    ], datasets, { empty: 'This party names no datasets.', attrs: { id: 'catalogue-table' } }),
    h('p.small.muted', {}, 'Names, column types and row counts are all a party lists: no paths, connections or values.')));
  } catch (err) {
    clear(target, card(`Datasets of ${party}`, h('p.error', { id: 'catalogue-error' }, err.message)));
  }
}
