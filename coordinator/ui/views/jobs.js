// Every job, newest first, refreshed every few seconds.
import { api } from '../api.js';
import { badge, card, clear, h, table } from '../dom.js';
import { duration, int, num, when } from '../format.js';
import { pageHeader, poll } from './common.js';

export function jobsView(main) {
  const status = h('div');
  const body = h('div');
  main.append(pageHeader('Jobs', h('p.muted', {}, 'PSI, training and other jobs of this coordinator. Open one to follow it live.')), status, body);
  return poll(async () => {
    const jobs = await api('GET', '/v1/jobs');
    clear(body, card(null, table([
      { label: 'Job', value: (j) => h('a', { href: `#/jobs/${encodeURIComponent(j.id)}` }, h('strong', {}, j.name), h('div.mono.small.muted', {}, j.id)) },
      { label: 'Kind', value: (j) => j.kind },
      { label: 'State', value: (j) => badge(j.state) },
      { label: 'Intersection', num: true, value: (j) => int(j.result?.psi?.intersectionSize) },
      { label: 'AUC', num: true, value: (j) => num(j.result?.metrics?.auc) },
      { label: 'Model', value: (j) => (j.result?.model ? h('a', { href: `#/models/${encodeURIComponent(j.result.model.name)}/${j.result.model.version}` }, `${j.result.model.name} v${j.result.model.version}`) : '–') },
      { label: 'Submitted', value: (j) => h('span.nowrap', {}, when(j.createdAt)) },
      { label: 'Duration', num: true, value: (j) => duration(j.durationMs) },
    ], jobs, { empty: 'No jobs yet: submit one with fedmark job submit JOB.yaml.', attrs: { id: 'jobs-table' } })));
  }, 4000, status);
}
