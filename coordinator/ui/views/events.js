// The coordinator's event log: job transitions and progress, parties' reports, models, keys.
import { api, ApiError } from '../api.js';
import { card, clear, h, table } from '../dom.js';
import { when } from '../format.js';
import { describe, errorBox, pageHeader, poll } from './common.js';

const TYPES = [['', 'all events'], ['job.', 'jobs'], ['train.', 'training progress'], ['party.', 'party reports'], ['psi.', 'PSI'], ['model.', 'models'], ['key.', 'API keys'], ['api.', 'API calls']];

export function eventsView(main) {
  const status = h('div');
  const body = h('div');
  const filter = h('select', { id: 'event-type', 'aria-label': 'event type' }, TYPES.map(([v, l]) => h('option', { value: v }, l)));
  let stop = () => {};
  const start = () => {
    stop();
    stop = poll(async () => {
      const q = new URLSearchParams({ limit: '300', ...(filter.value ? { type: filter.value } : {}) });
      let events;
      try {
        events = await api('GET', `/v1/events?${q}`);
      } catch (err) {
        if (err instanceof ApiError && err.status === 403) return void clear(body, errorBox(new Error('The event log needs an admin key.')));
        throw err;
      }
      clear(body, card(null, table([
        { label: 'Time', value: (e) => h('span.mono.small.nowrap', {}, when(e.at)) },
        { label: 'Event', value: (e) => h('span.tag', {}, e.type) },
        { label: 'Job', value: (e) => (e.job ? h('a.mono.small.nowrap', { href: `#/jobs/${encodeURIComponent(e.job)}`, title: e.job }, e.job.slice(0, 12)) : '–') },
        { label: 'Detail', value: (e) => h('span.small', {}, describe(e.detail)) },
      ], events, { empty: 'No events.', attrs: { id: 'events-table' } })));
    }, 5000, status);
  };
  filter.addEventListener('change', start);
  main.append(pageHeader('Event log', h('div.header-actions', {}, h('label.small.muted', {}, 'Show ', filter))), status, body);
  start();
  return () => stop();
}
