// The model page's monitoring section: the population stability index (PSI) of the served scores
// day by day against the evaluation deciles, with the configured warn and alert lines, the share of
// each decile on the most recent days beside the evaluation's tenth, and a table of every day.
// From GET …/versions/{version}/monitoring; counts only, no customer is ever named.
import { api } from '../api.js';
import { card, clear, h, kpi, table } from '../dom.js';
import { int, num, pct } from '../format.js';
import { COLORS, lineChart } from '../charts.js';
import { errorBox } from './common.js';

const LEVEL_COLORS = { ok: '#15803d', warn: '#ca8a04', alert: '#b91c1c', 'too-few': '#64748b' };
const RECENT_DAYS = 7;

const levelTag = (level) => h('span.tag', { 'data-level': level, style: `color: ${LEVEL_COLORS[level] ?? '#334155'}` }, level);

/** A section that fills itself once the page has placed it (charts size to their container). */
export function monitoringSection(path, charts) {
  const section = card('Monitoring: served scores against the evaluation distribution');
  section.id = 'monitoring';
  const body = h('div', {}, h('p.small.muted', {}, 'Loading…'));
  section.append(body);
  api('GET', `${path}/monitoring?days=30`).then((m) => render(body, m, charts), (err) => clear(body, errorBox(err)));
  return section;
}

function render(body, m, charts) {
  const { psiWarn, psiAlert, minScores } = m.thresholds;
  if (m.expectedShares.length === 0) return clear(body, h('p.small.muted', {}, 'This model has no evaluation deciles (a horizontal model trained with differential privacy): its scores are not monitored.'));
  if (m.days.length === 0) return clear(body, h('p.small.muted', { id: 'monitoring-empty' }, 'No scores served in the last 30 days.'));
  const today = m.days.at(-1);
  const psiEl = h('div', { id: 'psi-chart' });
  const sharesEl = h('div', { id: 'decile-share-chart' });
  const recent = m.days.slice(-RECENT_DAYS);
  clear(body,
    h('div.kpis', { id: 'monitoring-kpis' },
      kpi(`PSI on ${today.day}`, num(today.psi, 3), `warn ≥ ${psiWarn}, alert ≥ ${psiAlert}`),
      kpi('Reading', levelTag(today.level), today.level === 'too-few' ? `fewer than ${int(minScores)} scores: not judged` : ''),
      kpi('Served that day', int(today.served), 'scores placed in a decile'),
      kpi('Top decile', pct(today.shares[0]), `evaluation ${pct(m.expectedShares[0])}`)),
    h('div.two-col', {},
      h('div', {}, h('h3', {}, 'Population stability index by day (UTC)'), psiEl),
      h('div', {}, h('h3', {}, `Share of served scores by decile, last ${recent.length} day${recent.length === 1 ? '' : 's'}`), sharesEl)),
    table([
      { label: 'Day', value: (d) => d.day },
      { label: 'Served', num: true, value: (d) => int(d.served) },
      { label: 'PSI', num: true, value: (d) => num(d.psi, 3) },
      { label: 'Reading', value: (d) => levelTag(d.level) },
      ...m.expectedShares.map((_, k) => ({ label: `D${k + 1}`, num: true, value: (d) => pct(d.shares[k], 0) })),
    ], [...m.days].reverse(), { attrs: { id: 'monitoring-table' } }),
    h('p.small.muted', {}, `Decile 1 = scores in the top 10% of the evaluation rows; each decile held a tenth of them (where scores tie across cut points, a decile between equal cuts holds none and the one above holds its tenth). A day with fewer than ${int(minScores)} scores is not judged.`));

  const days = m.days.map((d) => d.day);
  const dayTicks = (_u, ticks) => ticks.map((t) => (Number.isInteger(t) && days[t] ? days[t].slice(5) : ''));
  charts.push(lineChart(psiEl, {
    x: { label: 'day', range: [-0.5, days.length - 0.5], values: dayTicks },
    y: { label: 'PSI', range: (_u, _min, max) => [0, Math.max(psiAlert * 1.4, max * 1.15)] },
    series: [
      { label: 'PSI', color: COLORS.joint, points: true },
      { label: `warn (${psiWarn})`, color: LEVEL_COLORS.warn, dash: [5, 5] },
      { label: `alert (${psiAlert})`, color: LEVEL_COLORS.alert, dash: [5, 5] },
    ],
    data: [days.map((_, i) => i), m.days.map((d) => d.psi), days.map(() => psiWarn), days.map(() => psiAlert)],
  }));
  const deciles = m.expectedShares.map((_, k) => k + 1);
  charts.push(lineChart(sharesEl, {
    x: { label: 'score decile (1 = highest scores)', range: [0.5, deciles.length + 0.5], values: (_u, ticks) => ticks.map((t) => (Number.isInteger(t) ? t : '')) },
    y: { label: 'share of served scores', range: (_u, _min, max) => [0, Math.max(0.2, max * 1.1)], values: (_u, ticks) => ticks.map((t) => `${Math.round(t * 100)}%`) },
    series: [
      // Older days lighter, the latest darkest.
      ...recent.map((d, i) => ({ label: d.day, color: `hsl(221, 75%, ${recent.length === 1 ? 40 : 78 - (38 * i) / (recent.length - 1)}%)`, points: true })),
      { label: 'evaluation', color: COLORS.baseline, dash: [5, 5] },
    ],
    data: [deciles, ...recent.map((d) => d.shares), m.expectedShares],
  }));
}
