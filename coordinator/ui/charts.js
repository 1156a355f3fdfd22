// Charts on uPlot (canvas), served from the package's own node_modules. Each chart sizes itself to
// its container and records how many data points it draws in data-points (the e2e test reads it).
import uPlot from './vendor/uplot/uPlot.esm.js';

export const COLORS = { joint: '#1d4ed8', alone: '#ea580c', baseline: '#94a3b8', loss: '#b91c1c', auc: '#1d4ed8', bar: '#3b82f6', extra: ['#0f766e', '#7c3aed', '#ca8a04'] };

const HEIGHT = 260;
const axis = (label, extra = {}) => ({
  label, stroke: '#334155', labelFont: '600 12px system-ui, sans-serif', font: '11px system-ui, sans-serif',
  grid: { stroke: '#e2e8f0', width: 1 }, ticks: { stroke: '#cbd5e1', width: 1 }, ...extra,
});

/**
 * A line (or bar) chart. spec: { x: {label, range?, values?}, y: {label, range?}, y2?: {label, range?},
 * series: [{label, color, dash?, scale?: 'y'|'y2', bars?, points?}], data: [xs, ...ys] }.
 */
export function lineChart(el, spec) {
  el.classList.add('chart');
  const scales = { x: { time: false, ...(spec.x.range ? { range: spec.x.range } : {}) }, y: spec.y.range ? { range: spec.y.range } : { auto: true } };
  const axes = [axis(spec.x.label, spec.x.values ? { values: spec.x.values } : {}), axis(spec.y.label, { size: 56 })];
  if (spec.y2) {
    scales.y2 = spec.y2.range ? { range: spec.y2.range } : { auto: true };
    axes.push(axis(spec.y2.label, { scale: 'y2', side: 1, size: 56, grid: { show: false } }));
  }
  const series = [{ label: spec.x.label }, ...spec.series.map((s) => ({
    label: s.label, stroke: s.color, width: s.bars ? 1 : 2, scale: s.scale ?? 'y', spanGaps: true,
    ...(s.dash ? { dash: s.dash } : {}),
    ...(s.bars ? { fill: `${s.color}cc`, paths: uPlot.paths.bars({ size: [0.6, 64] }), points: { show: false } } : { points: { show: s.points ?? false, size: 5, fill: s.color } }),
  }))];
  const plot = new uPlot({
    width: Math.max(300, el.clientWidth), height: spec.height ?? HEIGHT, scales, axes, series,
    legend: { live: false }, cursor: { drag: { x: false, y: false } },
  }, spec.data, el);
  const count = (data) => data.slice(1).reduce((n, ys) => n + ys.filter((v) => v !== null && v !== undefined).length, 0);
  el.dataset.points = String(count(spec.data));
  const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(300, el.clientWidth), height: spec.height ?? HEIGHT }));
  resize.observe(el);
  return {
    update(data) {
      plot.setData(data);
      el.dataset.points = String(count(data));
    },
    destroy() {
      resize.disconnect();
      plot.destroy();
    },
  };
}

/** Curves with their own x values (e.g. ROC of two models) on one x axis: sorted union, gaps spanned. */
export function mergeCurves(curves) {
  const all = [];
  curves.forEach((points, k) => points.forEach(([x, y]) => all.push([x, y, k])));
  all.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const xs = all.map((p) => p[0]);
  const ys = curves.map((_, k) => all.map((p) => (p[2] === k ? p[1] : null)));
  return [xs, ...ys];
}
