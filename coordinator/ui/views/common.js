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
    .map(([k, v]) => `${k} ${typeof v === 'number' ? (Number.isInteger(v) ? v : num(v)) : typeof v === 'object' ? JSON.stringify(v) : v}`)
    .join(' · ')
    .slice(0, 240);
}

export function pageHeader(title, ...rest) {
  return h('div.page-header', {}, h('h1', {}, title), ...rest);
}
