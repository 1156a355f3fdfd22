// Number and time formats used across the pages.
export const num = (v, digits = 4) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '–');
export const int = (v) => (typeof v === 'number' ? v.toLocaleString('en-US') : '–');
export const pct = (v, digits = 1) => (typeof v === 'number' ? `${(v * 100).toFixed(digits)}%` : '–');

export function when(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  return d.toLocaleString('en-GB', { year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
}

export function clock(iso) {
  return iso ? new Date(iso).toLocaleTimeString('en-GB', { hour12: false }) : '–';
}

export function ago(iso) {
  if (!iso) return '–';
  const s = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

export function duration(ms) {
  if (typeof ms !== 'number') return '–';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export const ENDED = new Set(['succeeded', 'failed', 'cancelled', 'rejected']);
