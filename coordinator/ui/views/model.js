// A model card: what the model is worth (metrics, ROC, gains and lift on the guest's evaluation
// rows), what the partners contribute (joint model against the guest's features alone), how it
// trained, who holds which features, and publish / retire. A lookalike section appears when the
// card has one.
import { api } from '../api.js';
import { badge, card, clear, h, kpi, table } from '../dom.js';
import { int, num, pct, when } from '../format.js';
import { COLORS, lineChart, mergeCurves } from '../charts.js';
import { errorBox, pageHeader } from './common.js';
import { monitoringSection } from './monitoring.js';

const percent = (t) => {
  const v = Math.round(t * 1000) / 10;
  return `${Number.isInteger(v) ? v : v.toFixed(1)}%`;
};
const share = { values: (_u, ticks) => ticks.map(percent) };

export function modelView(main, [name, version]) {
  const charts = [];
  const status = h('div');
  const body = h('div');
  main.append(status, body);
  const path = `/v1/models/${encodeURIComponent(name)}/versions/${version}`;

  const act = async (action) => {
    try {
      await api('POST', `${path}/${action}`);
      await load();
    } catch (err) {
      clear(status, errorBox(err));
    }
  };

  const load = async () => {
    const model = await api('GET', path);
    charts.splice(0).forEach((c) => c.destroy());
    const c = model.card;
    const m = c.metrics ?? {};
    const gain = m.auc !== undefined && m.guestOnlyAuc !== undefined ? m.auc - m.guestOnlyAuc : undefined;
    const actions = h('div.header-actions', {},
      model.status === 'candidate' ? h('button.primary', { type: 'button', id: 'publish', onclick: () => act('publish') }, 'Publish') : null,
      model.status !== 'retired' ? h('button', { type: 'button', id: 'retire', onclick: () => confirm(`Retire ${name} v${version}? It will no longer serve scores.`) && act('retire') }, 'Retire') : null);
    const rocEl = h('div', { id: 'roc-chart' });
    const gainEl = h('div', { id: 'gain-chart' });
    const liftEl = h('div', { id: 'lift-chart' });
    const historyEl = h('div', { id: 'history-chart' });
    clear(body,
      pageHeader(`${model.name} v${model.version}`,
        h('div.header-meta', {}, badge(model.status), h('span.tag', {}, c.kind), h('span.small.muted', {}, `registered ${when(model.createdAt)} by `), h('a.small', { href: `#/jobs/${encodeURIComponent(model.job)}`, title: model.job }, 'its training job')),
        actions),
      h('div.kpis', { id: 'model-kpis' },
        kpi('AUC', num(m.auc), 'joint model, evaluation rows'),
        kpi('Guest alone', num(m.guestOnlyAuc), 'same model, guest features only'),
        kpi('Partners add', gain === undefined ? '–' : `${gain >= 0 ? '+' : ''}${num(gain)}`, 'AUC from the partners\' features'),
        kpi('KS', num(m.ks), m.guestOnlyKs !== undefined ? `guest alone ${num(m.guestOnlyKs)}` : ''),
        kpi('Log loss', num(m.logLoss)),
        kpi('Customers', int(c.intersectionSize), `${int(c.trainRows)} train · ${int(c.evalRows)} evaluation`)),
      h('div.two-col', {},
        card('ROC curve: joint model vs guest alone', rocEl, c.roc ? null : h('p.small.muted', {}, 'This card has no ROC points (trained before they were recorded).')),
        card('Cumulative gain: share of positives reached', gainEl)),
      h('div.two-col', {},
        card('Lift by score decile', liftEl, h('p.small.muted', {}, 'Decile 1 = the 10% of evaluation customers with the highest scores; lift 2 = twice the average rate.')),
        card('Training history', historyEl, h('p.small.muted', {}, `${m.epochs ?? c.history.length} epochs, best ${m.bestEpoch ?? '–'}; ${num(m.secondsPerEpoch, 2)} s per epoch`))),
      model.status === 'candidate' ? null : monitoringSection(path, charts),
      lookalikeSection(c.lookalike, charts),
      importanceSection(c.importance),
      h('div.two-col', {},
        card('Features by party', table([
          { label: 'Party', value: (r) => h('strong', {}, r[0]) },
          { label: 'Features', num: true, value: (r) => r[1].filter((f) => f !== '(intercept)').length },
          { label: 'Names', value: (r) => h('span.small', {}, r[1].join(', ')) },
        ], Object.entries(c.featuresByParty)), h('p.small.muted', {}, 'Each party keeps its own weights; the coordinator holds only this card.')),
        card('Training settings', table([
          { label: 'Setting', value: (r) => r[0] }, { label: 'Value', value: (r) => h('span.mono', {}, typeof r[1] === 'object' ? JSON.stringify(r[1]) : String(r[1])) },
        ], Object.entries(c.training ?? {})))),
      card('Lift and gains table', table([
        { label: 'Decile', num: true, value: (r) => r.group },
        { label: 'Customers', num: true, value: (r) => int(r.count) },
        { label: 'Positives', num: true, value: (r) => int(r.positives) },
        { label: 'Rate', num: true, value: (r) => pct(r.rate) },
        { label: 'Lift', num: true, value: (r) => num(r.lift, 2) },
        { label: 'Cumulative gain', num: true, value: (r) => pct(r.cumulativeGain) },
        { label: 'Cumulative lift', num: true, value: (r) => num(r.cumulativeLift, 2) },
      ], c.lift ?? [])));

    if (c.roc) {
      const data = mergeCurves([c.roc.joint.map((p) => [p.fpr, p.tpr]), c.roc.guestOnly.map((p) => [p.fpr, p.tpr]), [[0, 0], [1, 1]]]);
      charts.push(lineChart(rocEl, {
        x: { label: 'false positive rate', range: [0, 1], ...share }, y: { label: 'true positive rate', range: [0, 1] }, height: 300,
        series: [{ label: `joint (AUC ${num(m.auc, 3)})`, color: COLORS.joint }, { label: `guest alone (AUC ${num(m.guestOnlyAuc, 3)})`, color: COLORS.alone }, { label: 'random', color: COLORS.baseline, dash: [5, 5] }],
        data,
      }));
    }
    const lift = c.lift ?? [];
    const total = lift.reduce((s, r) => s + r.count, 0);
    if (lift.length && total > 0) {
      const xs = [0, ...lift.map((r) => r.cumulativeCount / total)];
      charts.push(lineChart(gainEl, {
        x: { label: 'share of customers targeted (highest scores first)', range: [0, 1], ...share }, y: { label: 'share of positives reached', range: [0, 1], ...share }, height: 300,
        series: [{ label: 'model', color: COLORS.joint, points: true }, { label: 'random targeting', color: COLORS.baseline, dash: [5, 5] }],
        data: [xs, [0, ...lift.map((r) => r.cumulativeGain)], xs],
      }));
      charts.push(lineChart(liftEl, {
        x: { label: 'score decile (1 = highest scores)', range: [0.5, lift.length + 0.5], values: (_u, ticks) => ticks.map((t) => (Number.isInteger(t) ? t : '')) }, y: { label: 'lift', range: (_u, _min, max) => [0, Math.max(1.5, Math.ceil(max * 2) / 2 + 0.5)] },
        series: [{ label: 'lift', color: COLORS.bar, bars: true }, { label: 'average (lift 1)', color: COLORS.baseline, dash: [5, 5] }],
        data: [lift.map((r) => r.group), lift.map((r) => r.lift), lift.map(() => 1)],
      }));
    }
    if (c.history?.length) {
      charts.push(lineChart(historyEl, {
        x: { label: 'epoch', values: (_u, ticks) => ticks.map((t) => (Number.isInteger(t) ? t : '')) }, y: { label: 'evaluation loss' }, y2: { label: 'evaluation AUC' },
        series: [{ label: 'loss', color: COLORS.loss, points: true }, { label: 'AUC', color: COLORS.auc, scale: 'y2', points: true }],
        data: [c.history.map((p) => p.epoch), c.history.map((p) => p.evalLoss), c.history.map((p) => p.evalAuc)],
      }));
    }
  };

  load().then(() => clear(status), (err) => clear(status, errorBox(err)));
  return () => charts.forEach((c) => c.destroy());
}

/**
 * Lookalike audiences: the audience size, the seeds, and the recall of the held-out seeds within
 * the top share of the population (joint model, guest alone, random). A card whose lookalike section
 * has another shape (a newer coordinator) is shown generically: its figures and its curves.
 */
function lookalikeSection(lookalike, charts) {
  if (!lookalike || typeof lookalike !== 'object') return null;
  const section = card('Lookalike audience');
  section.id = 'lookalike';
  const recall = Array.isArray(lookalike.recall) ? lookalike.recall.filter((r) => typeof r?.fraction === 'number' && typeof r?.recall === 'number') : [];
  if (recall.length === 0) return genericLookalike(section, lookalike, charts);
  const seeds = lookalike.seeds ?? {};
  const at = recall.find((r) => Math.abs(r.fraction - 0.2) < 1e-9) ?? recall.at(-1);
  section.append(h('div.kpis', {},
    kpi('Audience', int(lookalike.audience?.size), 'customers written at the guest'),
    kpi('Seeds matched', int(seeds.matched), seeds.listed !== undefined ? `of ${int(seeds.listed)} listed` : ''),
    kpi('Held-out seeds', int(seeds.heldOut), 'kept out of training to measure recall'),
    kpi('Population', int(lookalike.population), 'customers ranked'),
    kpi(`Recall in top ${pct(at.fraction, 0)}`, pct(at.recall), at.guestOnlyRecall !== undefined ? `guest alone ${pct(at.guestOnlyRecall)}; random ${pct(at.fraction)}` : `random ${pct(at.fraction)}`)));
  const el = h('div', { class: 'lookalike-chart', id: 'lookalike-chart' });
  section.append(h('h3', {}, 'Recall of held-out seeds by audience size'), el, table([
    { label: 'Top share', num: true, value: (r) => pct(r.fraction, 0) },
    { label: 'Customers', num: true, value: (r) => int(r.size) },
    { label: 'Recall', num: true, value: (r) => pct(r.recall) },
    { label: 'Lift', num: true, value: (r) => num(r.lift, 2) },
    { label: 'Guest alone: recall', num: true, value: (r) => pct(r.guestOnlyRecall) },
    { label: 'Guest alone: lift', num: true, value: (r) => num(r.guestOnlyLift, 2) },
  ], recall));
  const sorted = [{ fraction: 0, recall: 0, guestOnlyRecall: 0 }, ...[...recall].sort((a, b) => a.fraction - b.fraction)];
  const hasAlone = recall.every((r) => typeof r.guestOnlyRecall === 'number');
  queueMicrotask(() => charts.push(lineChart(el, {
    x: { label: 'share of the population targeted (highest scores first)', range: [0, sorted.at(-1).fraction], ...share }, y: { label: 'held-out seeds reached', range: [0, 1], ...share },
    series: [
      { label: 'joint model', color: COLORS.joint, points: true },
      ...(hasAlone ? [{ label: 'guest alone', color: COLORS.alone, points: true }] : []),
      { label: 'random', color: COLORS.baseline, dash: [5, 5] },
    ],
    data: [sorted.map((r) => r.fraction), sorted.map((r) => r.recall), ...(hasAlone ? [sorted.map((r) => r.guestOnlyRecall)] : []), sorted.map((r) => r.fraction)],
  })));
  return section;
}

/**
 * Tree models: each party's share of the split gain. Only the guest's columns come by name (its own
 * data); other parties report counts and a share, so that is all this can show of them.
 */
function importanceSection(importance) {
  if (!Array.isArray(importance) || importance.length === 0) return null;
  const bar = (share) => h('span.share-bar', {}, h('span', { style: `width: ${Math.max(0, Math.min(1, share)) * 100}%` }));
  const named = importance.filter((p) => Array.isArray(p.features) && p.features.length > 0);
  const features = named.flatMap((p) => {
    const total = p.features.reduce((s, f) => s + f.gain, 0);
    // A feature's gain over its party's total, scaled by the party's share: a share of all the gain.
    return p.features.map((f) => ({ party: p.party, name: f.name, splits: f.splits, share: total > 0 ? (f.gain / total) * p.gainShare : 0 }));
  }).sort((a, b) => b.share - a.share);
  const section = card('Feature importance: share of the split gain',
    table([
      { label: 'Party', value: (p) => h('strong', {}, p.party) },
      { label: 'Columns', num: true, value: (p) => int(p.columns) },
      { label: 'Splits', num: true, value: (p) => int(p.splits) },
      { label: 'Gain share', num: true, value: (p) => pct(p.gainShare) },
      { label: '', value: (p) => bar(p.gainShare) },
    ], importance, { attrs: { id: 'importance-parties' } }),
    features.length ? h('h3', {}, `${named.map((p) => p.party).join(', ')}: own columns by gain share`) : null,
    features.length ? table([
      { label: 'Feature', value: (f) => h('span.mono', {}, f.name) },
      { label: 'Splits', num: true, value: (f) => int(f.splits) },
      { label: 'Gain share', num: true, value: (f) => pct(f.share) },
      { label: '', value: (f) => bar(f.share) },
    ], features.filter((f) => f.splits > 0), { attrs: { id: 'importance-features' }, empty: 'no split on these columns' }) : null,
    h('p.small.muted', {}, 'Other parties\' columns stay unnamed: they report how many columns they hold, how often the trees split on them and their share of the gain.'));
  section.id = 'importance';
  return section;
}

function genericLookalike(section, lookalike, charts) {
  const figures = Object.entries(lookalike).filter(([, v]) => typeof v === 'number');
  section.append(h('div.kpis', {}, figures.map(([k, v]) => kpi(label(k), Number.isInteger(v) ? int(v) : num(v)))));
  for (const [key, points] of Object.entries(lookalike)) {
    if (!Array.isArray(points) || points.length < 2 || typeof points[0] !== 'object' || points[0] === null) continue;
    const [xField, yField] = Object.keys(points[0]).filter((f) => typeof points[0][f] === 'number');
    if (!yField) continue;
    const el = h('div', { class: 'lookalike-chart' });
    section.append(h('h3', {}, label(key)), el);
    const sorted = [...points].sort((a, b) => a[xField] - b[xField]);
    queueMicrotask(() => charts.push(lineChart(el, {
      x: { label: label(xField) }, y: { label: label(yField) },
      series: [{ label: label(yField), color: COLORS.joint, points: true }],
      data: [sorted.map((p) => p[xField]), sorted.map((p) => p[yField] ?? null)],
    })));
  }
  return section;
}

function label(key) {
  return key.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/[_-]/g, ' ').toLowerCase();
}
