// Pieces several views share: loading and error states, polling, the detail summary of an event.
import { ApiError } from '../api.js';
import { h, clear } from '../dom.js';
import { num } from '../format.js';

export function errorBox(err) {
  const text = err instanceof ApiError ? `${err.code}: ${err.message}` : String(err?.message ?? err);
  return h('div.notice.notice-error', { role: 'alert' }, text);
}

/** Runs load() now and every `ms` until stopped; shows failures in `status` and keeps the last good page. */
export function poll(load, ms, status) {
  let timer;
  let stopped = false;
  const tick = async () => {
    try {
      await load();
      if (status) clear(status);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) throw err;
      if (status) clear(status, errorBox(err));
    }
    if (!stopped) timer = setTimeout(() => void tick(), ms);
  };
  void tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

export function describe(detail) {
  return Object.entries(detail ?? {})
    .map(([k, v]) => `${k} ${show(v)}`)
    .join(' · ')
    .slice(0, 240);
}

/** A detail value in a few characters: lists inline when short, maps (e.g. missing rates by column) as their size. */
function show(v) {
  if (typeof v === 'number') return Number.isInteger(v) ? v : num(v);
  if (Array.isArray(v)) return v.length <= 4 ? v.join(', ') : `${v.length} items`;
  if (v && typeof v === 'object') {
    const values = Object.values(v);
    const mean = values.every((x) => typeof x === 'number') && values.length ? ` (mean ${num(values.reduce((a, b) => a + b, 0) / values.length)})` : '';
    return `for ${values.length} columns${mean}`;
  }
  return v;
}

export function pageHeader(title, ...rest) {
  return h('div.page-header', {}, h('h1', {}, title), ...rest);
}
