// Campaigns: the list, and one campaign with its report — rates per arm with their 95% intervals
// as a chart, uplift and the partners' extra conversions, uplift by decile. The coordinator holds
// counts only; the assignment and the outcomes stay at the guest.
import { api } from '../api.js';
import { badge, card, clear, h, kpi, table } from '../dom.js';
import { int, pct, when } from '../format.js';
import { COLORS, lineChart } from '../charts.js';
import { pageHeader, poll } from './common.js';

const ARM_LABEL = { joint: 'Joint model', guest: 'Guest alone', control: 'Control (held back)' };
const pts = (x) => (typeof x === 'number' ? `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)} pts` : '–');
const interval = (ci, f) => `[${f(ci[0])}, ${f(ci[1])}]`;
const one = (x) => (typeof x === 'number' ? x.toFixed(1) : '–');

function target(t) {
  if (t.topPercent !== undefined) return `top ${t.topPercent}%`;
  if (t.deciles) return `deciles ${t.deciles.join(', ')}`;
  return `audience ${t.audience}`;
}

export function campaignsView(main) {
  const status = h('div');
  const body = h('div');
  main.append(pageHeader('Campaigns', h('p.muted', {}, 'A published model carried into a campaign with a random control group. Assignments and outcomes stay at the guest; here are counts.')), status, body);
  return poll(async () => {
    const campaigns = await api('GET', '/v1/campaigns');
    clear(body, card(null, table([
      { label: 'Campaign', value: (c) => h('a', { href: `#/campaigns/${encodeURIComponent(c.id)}` }, h('strong', {}, c.name), ' ', h('span.mono.small.muted', {}, c.id)) },
      { label: 'Model', value: (c) => `${c.model.name} v${c.model.version}` },
      { label: 'Target', value: (c) => `${target(c.target)}, control ${pct(c.controlFraction, 0)}` },
      { label: 'Status', value: (c) => badge(c.status) },
      { label: 'Customers', num: true, value: (c) => int(c.assigned.reduce((s, a) => s + a.size, 0)) },
      { label: 'Created', value: (c) => h('span.nowrap', {}, when(c.createdAt)) },
    ], campaigns, { empty: 'No campaigns yet: fedmark campaign create, or POST /v1/campaigns.', attrs: { id: 'campaigns-table' } })));
  }, 10_000, status);
}

export function campaignView(main, [id]) {
  const status = h('div');
  const body = h('div');
  main.append(status, body);
  let chart;
  const stop = poll(async () => {
    const c = await api('GET', `/v1/campaigns/${encodeURIComponent(id)}`);
    chart?.destroy();
    chart = undefined;
    const header = pageHeader(c.name, h('p.muted', {}, `${c.id} · ${c.model.name} v${c.model.version} · ${target(c.target)} · control ${pct(c.controlFraction, 0)}${c.guestArm ? ' · guest-alone arm' : ''} · assigned at ${c.guest} ${when(c.createdAt)} `, badge(c.status)));
    const assigned = card('Assigned', h('p.muted', {}, `${int(c.population)} customers could be targeted (scored, not suppressed, not seeds); ${int(c.suppressedAtAssignment)} were on the guest's suppression list when the arms were assigned.`),
      table([{ label: 'Arm', value: (a) => ARM_LABEL[a.name] ?? a.name }, { label: 'Customers', num: true, value: (a) => int(a.size) }], c.assigned));
    if (!c.arms) {
      clear(body, header, assigned, card('Report', h('p', {}, `Awaiting outcomes: at ${c.guest}, `, h('code', {}, `fedmark party campaign outcomes upload FILE --campaign ${c.id}`), '.')));
      return;
    }
    const kpis = h('div.kpis', { id: 'campaign-kpis' },
      kpi('Uplift', pts(c.uplift.absolute), `joint over control ${interval(c.uplift.ci95, pts)}`),
      kpi('Relative uplift', pct(c.uplift.relative), `95% CI ${interval(c.uplift.relativeCi95, (x) => pct(x))}`),
      c.partnerContribution ? kpi('Partners\' data', `${one(c.partnerContribution.extraConversions)} conversions`, `extra over the guest-alone model ${interval(c.partnerContribution.ci95, one)}`) : null,
      kpi('Sample size', c.sampleSizePerArm === null ? '–' : int(c.sampleSizePerArm), 'per arm, to see this uplift (5%, 80% power)'));
    const chartEl = h('div', { id: 'campaign-chart' });
    const arms = card('Conversion by arm', table([
      { label: 'Arm', value: (a) => ARM_LABEL[a.name] ?? a.name },
      { label: 'Customers', num: true, value: (a) => int(a.size) },
      { label: 'Conversions', num: true, value: (a) => int(a.conversions) },
      { label: 'Rate', num: true, value: (a) => pct(a.rate, 2) },
      { label: '95% CI (Wilson)', num: true, value: (a) => interval(a.ci95, (x) => pct(x, 2)) },
      { label: 'Suppressed', num: true, value: (a) => int(a.suppressed) },
    ], c.arms, { attrs: { id: 'campaign-arms' } }));
    const deciles = card('Uplift by decile', h('p.muted', {}, 'Conversion rate of the joint arm and of control in each score decile (1 = the top 10%), and the cumulative extra conversions (Qini).'), chartEl,
      table([
        { label: 'Decile', value: (d) => String(d.decile) },
        { label: 'Joint', num: true, value: (d) => pct(d.treatedRate, 2) },
        { label: 'Control', num: true, value: (d) => pct(d.controlRate, 2) },
        { label: 'Uplift', num: true, value: (d) => pts(d.uplift) },
        { label: '95% CI (Newcombe)', num: true, value: (d) => interval(d.ci95, pts) },
      ], c.byDecile));
    clear(body, header, kpis, arms, deciles, assigned, h('p.small.muted', {}, `Outcomes recorded at ${c.guest} ${when(c.outcomesAt)}.`));
    const xs = c.byDecile.map((d) => d.decile);
    chart = lineChart(chartEl, {
      // Half a decile of margin each side, so that the first and last bars stand whole.
      x: { label: 'score decile (1 = top 10%)', range: [xs[0] - 0.5, xs[xs.length - 1] + 0.5], values: (_, ticks) => ticks.map((t) => (Number.isInteger(t) ? String(t) : '')) },
      y: { label: 'conversion rate', range: [0, Math.max(0.05, ...c.byDecile.map((d) => Math.max(d.treatedRate ?? 0, d.controlRate ?? 0))) * 1.2] },
      y2: { label: 'extra conversions (Qini)' },
      series: [
        { label: 'joint', color: COLORS.joint, bars: true },
        { label: 'control', color: COLORS.baseline, points: true },
        { label: 'cumulative extra conversions', color: COLORS.extra[0], scale: 'y2', points: true },
      ],
      data: [xs, c.byDecile.map((d) => d.treatedRate), c.byDecile.map((d) => d.controlRate), c.qini.map((q) => q.extraConversions)],
    });
  }, 15_000, status);
  return () => {
    stop();
    chart?.destroy();
  };
}
