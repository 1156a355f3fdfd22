// The model registry: every version with its status and headline metrics.
import { api } from '../api.js';
import { badge, card, clear, h, table } from '../dom.js';
import { num, when } from '../format.js';
import { pageHeader, poll } from './common.js';

export function modelsView(main) {
  const status = h('div');
  const body = h('div');
  main.append(pageHeader('Models', h('p.muted', {}, 'Versions start as candidates when their training job succeeds; publish one to serve scores.')), status, body);
  return poll(async () => {
    const models = await api('GET', '/v1/models');
    clear(body, card(null, table([
      { label: 'Model', value: (m) => h('a', { href: `#/models/${encodeURIComponent(m.name)}/${m.version}` }, h('strong', {}, m.name), ` v${m.version}`) },
      { label: 'Status', value: (m) => badge(m.status) },
      { label: 'AUC', num: true, value: (m) => num(m.metrics.auc) },
      { label: 'Guest alone', num: true, value: (m) => num(m.metrics.guestOnlyAuc) },
      { label: 'Partners add', num: true, value: (m) => (m.metrics.auc !== undefined && m.metrics.guestOnlyAuc !== undefined ? `${m.metrics.auc >= m.metrics.guestOnlyAuc ? '+' : ''}${num(m.metrics.auc - m.metrics.guestOnlyAuc)}` : '–') },
      { label: 'KS', num: true, value: (m) => num(m.metrics.ks) },
      { label: 'Created', value: (m) => h('span.nowrap', {}, when(m.createdAt)) },
      { label: 'Job', value: (m) => h('a.mono.small.nowrap', { href: `#/jobs/${encodeURIComponent(m.job)}`, title: m.job }, m.job.slice(0, 12)) },
    ], models, { empty: 'No models yet: a vertical training job registers one.', attrs: { id: 'models-table' } })));
  }, 10_000, status);
}
