// One job, live: state, intersection size, per-epoch (or per-round) evaluation loss and AUC as the
// guest reports them, the parties' dataset reports, the events, and cancel.
import { api, follow, ApiError } from '../api.js';
import { badge, card, clear, h, kpi, table } from '../dom.js';
import { ENDED, clock, duration, int, num, when } from '../format.js';
import { COLORS, lineChart } from '../charts.js';
import { describe, errorBox, pageHeader } from './common.js';

/** Progress events: train.epoch (vertical, with evaluation loss and AUC) and train.round (horizontal, timing only). */
function progressOf(e) {
  const d = e.detail ?? {};
  const step = d.epoch ?? d.round;
  if (!e.type.startsWith('train.') || typeof step !== 'number') return null;
  const loss = d.evalLoss ?? d.loss;
  const auc = d.evalAuc ?? d.auc;
  return { step, total: d.epochs ?? d.rounds, unit: d.round !== undefined && d.epoch === undefined ? 'round' : 'epoch', loss, auc, seconds: d.seconds };
}

export function jobView(main, [id]) {
  const abort = new AbortController();
  const header = h('div');
  const status = h('div');
  const progressBox = h('div.progress-box');
  const kpis = h('div.kpis');
  const chartEl = h('div', { id: 'progress-chart' });
  const parties = h('div');
  const eventsBody = h('div.events-list');
  const resultBox = h('div');
  main.append(header, status, progressBox, kpis, resultBox,
    h('div.two-col', {}, card('Training progress: evaluation loss and AUC', chartEl, h('p.small.muted', {}, 'Measured by the guest on its evaluation rows after each step; only these aggregates leave the party.')),
      card('Parties and their data', parties)),
    card('Events', eventsBody));

  let job;
  let chart;
  const events = [];
  const steps = [];
  let psiSize;

  const drawHeader = () => {
    const live = job && !ENDED.has(job.state);
    const cancel = h('button.danger', {
      type: 'button', id: 'cancel-job',
      onclick: async (e) => {
        if (!confirm(`Cancel job ${job.name}? Every party is told to stop.`)) return;
        e.target.disabled = true;
        try {
          await api('POST', `/v1/jobs/${encodeURIComponent(id)}/cancel`);
        } catch (err) {
          clear(status, errorBox(err));
          e.target.disabled = false;
        }
      },
    }, 'Cancel job');
    clear(header, pageHeader(job?.name ?? id,
      h('div.header-meta', {}, job ? badge(job.state) : null, job ? h('span.tag', {}, job.kind) : null, h('span.mono.small.muted', {}, id)),
      live ? h('div.header-actions', {}, cancel) : null));
  };

  const drawProgress = () => {
    const last = steps.at(-1);
    let phase;
    let share = 0;
    if (!job) phase = 'loading';
    else if (job.state === 'succeeded') { phase = 'finished'; share = 1; }
    else if (ENDED.has(job.state)) { phase = job.state; share = last?.total ? last.step / last.total : 0; }
    else if (last?.total) { phase = `training: ${last.unit} ${last.step} of ${last.total}`; share = last.step / last.total; }
    else if (psiSize !== undefined) phase = 'intersection found, training starts';
    else if (events.some((e) => e.type === 'party.ready')) phase = 'matching customers (PSI)';
    else if (job.state === 'awaiting-approval') phase = `waiting for approval by ${(job.approvals ?? []).filter((a) => a.state !== 'approved').map((a) => a.party).join(', ') || 'the parties'}`;
    else phase = job.state === 'running' ? 'parties loading and checking their data' : job.state;
    clear(progressBox,
      h('div.progress-label', {}, h('span', { id: 'progress-phase' }, phase), h('span.muted', {}, last?.total ? `${Math.round(share * 100)}%` : '')),
      h('div.progress', { role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': Math.round(share * 100) },
        h(`div.progress-fill${job && !ENDED.has(job.state) ? '.active' : ''}${job?.state === 'failed' || job?.state === 'cancelled' ? '.stopped' : ''}`, { style: `width:${(share * 100).toFixed(1)}%` })));
  };

  const drawKpis = () => {
    const last = steps.at(-1);
    const elapsed = job?.durationMs ?? (job && !ENDED.has(job.state) ? Date.now() - new Date(job.createdAt).getTime() : undefined);
    clear(kpis,
      kpi('Intersection', int(job?.result?.psi?.intersectionSize ?? psiSize), job?.result?.psi || psiSize !== undefined ? 'customers all parties hold' : job && ENDED.has(job.state) ? 'not reached' : 'confirmed when the parties finish'),
      kpi(last?.unit === 'round' ? 'Round' : 'Epoch', last ? `${last.step}${last.total ? ` / ${last.total}` : ''}` : '–'),
      kpi('Evaluation AUC', num(last?.auc), steps.filter((s) => s.auc !== undefined).length > 1 ? `best ${num(Math.max(...steps.map((s) => s.auc ?? 0)))}` : ''),
      kpi('Evaluation loss', num(last?.loss)),
      kpi(job && ENDED.has(job.state) ? 'Duration' : 'Elapsed', duration(elapsed)));
  };

  const drawChart = () => {
    const data = [steps.map((s) => s.step), steps.map((s) => s.loss ?? null), steps.map((s) => s.auc ?? null)];
    if (chart) return chart.update(data);
    chart = lineChart(chartEl, {
      x: { label: steps[0]?.unit ?? 'epoch', values: (_u, ticks) => ticks.map((t) => (Number.isInteger(t) ? t : '')) },
      y: { label: 'evaluation loss' }, y2: { label: 'evaluation AUC' },
      series: [{ label: 'loss', color: COLORS.loss, points: true }, { label: 'AUC', color: COLORS.auc, scale: 'y2', points: true }],
      data,
    });
  };

  const drawParties = () => {
    const ready = events.filter((e) => e.type === 'party.ready').map((e) => e.detail);
    // What each party reported about its approval; the approvals themselves are given at the parties.
    const approvals = job?.approvals ?? [];
    const approvalTable = approvals.some((a) => a.state !== 'approved' || !a.auto) ? table([
      { label: 'Party', value: (a) => h('strong.nowrap', {}, a.party) },
      { label: 'Approval', value: (a) => badge(a.state) },
      { label: 'Approved by', value: (a) => (a.auto ? 'its policy' : `${a.approvedBy.join(', ') || '–'} (${a.approvedBy.length}/${a.required})`) },
      { label: 'Reason', value: (a) => (a.state === 'rejected' ? `${a.reason ?? ''} (${a.rejectedBy ?? '?'})` : '') },
    ], approvals, { attrs: { id: 'job-approvals' } }) : null;
    clear(parties, approvalTable, approvalTable ? h('p.small.muted', {}, 'Approvals are given at each party (fedmark party approvals); this is what the parties reported.') : null, table([
      { label: 'Party', value: (p) => h('strong', {}, p.party) },
      { label: 'Rows', num: true, value: (p) => int(p.totalRows) },
      { label: 'With consent', num: true, value: (p) => int(p.consentingRows) },
      { label: 'Features', num: true, value: (p) => int(p.features) },
      { label: 'Label positives', num: true, value: (p) => int(p.labelPositives) },
    ], ready, { empty: job && ENDED.has(job.state) ? 'No party loaded its data for this job.' : 'Waiting for the parties to load their data…' }),
    psiSize !== undefined ? h('p.small', {}, `PSI: ${int(psiSize)} customers are held by every party; no party learnt who else the others hold.`) : null);
  };

  const drawEvents = () => {
    clear(eventsBody, table([
      { label: 'Time', value: (e) => h('span.mono.small.nowrap', { title: when(e.at) }, clock(e.at)) },
      { label: 'Event', value: (e) => h('span.tag', {}, e.type) },
      { label: 'Detail', value: (e) => h('span.small', {}, describe(e.detail)) },
    ], [...events].reverse().slice(0, 200), { attrs: { id: 'job-events' } }));
  };

  const drawResult = () => {
    if (!job) return;
    if (job.error) return clear(resultBox, h('div.notice.notice-error', { role: 'alert' }, `${job.error.code}: ${job.error.message}`));
    const model = job.result?.model;
    const m = job.result?.metrics;
    if (!model) return clear(resultBox);
    clear(resultBox, h('div.notice.notice-ok', {},
      h('strong', {}, `Model ${model.name} v${model.version} registered. `),
      m ? `Joint AUC ${num(m.auc)}; the guest alone ${num(m.guestOnlyAuc)}. ` : '',
      h('a', { href: `#/models/${encodeURIComponent(model.name)}/${model.version}`, id: 'open-model' }, 'Open the model card →')));
  };

  const drawAll = () => {
    drawHeader();
    drawProgress();
    drawKpis();
    drawParties();
    drawResult();
  };

  const onMessage = (kind, data) => {
    if (kind === 'job') {
      job = data;
      drawAll();
    } else if (kind === 'event') {
      events.push(data);
      const p = progressOf(data);
      if (p) {
        steps.push(p);
        drawChart();
      }
      if (data.type === 'psi.done') psiSize = data.detail.intersectionSize;
      if (data.type === 'party.ready' || data.type === 'psi.done') drawParties();
      drawProgress();
      drawKpis();
      drawEvents();
    }
  };

  const connect = async () => {
    for (let attempt = 0; !abort.signal.aborted; attempt++) {
      events.length = 0;
      steps.length = 0;
      try {
        await follow(`/v1/jobs/${encodeURIComponent(id)}/live`, onMessage, abort.signal);
        clear(status);
        if (job && ENDED.has(job.state)) return;
      } catch (err) {
        if (err instanceof ApiError && (err.status === 401 || err.status === 404)) {
          clear(status, errorBox(err));
          if (err.status === 401) throw err;
          return;
        }
        clear(status, h('div.notice', {}, 'Live stream interrupted; reconnecting…'));
      }
      await new Promise((r) => setTimeout(r, Math.min(10_000, 1000 * 2 ** attempt)));
    }
  };
  drawAll();
  drawChart();
  drawParties();
  void connect();
  const ticker = setInterval(() => job && !ENDED.has(job.state) && drawKpis(), 1000);
  return () => {
    abort.abort();
    clearInterval(ticker);
    chart?.destroy();
  };
}
