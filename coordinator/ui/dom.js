// A tiny DOM builder: every text goes through textContent, so names from parties or job files
// can never become markup.
export function h(tag, attrs = {}, ...children) {
  const [name, ...classes] = tag.split('.');
  const el = document.createElement(name || 'div');
  if (classes.length) el.className = classes.join(' ');
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = [el.className, v].filter(Boolean).join(' ');
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

const KNOWN_STATES = new Set(['queued', 'awaiting-approval', 'running', 'succeeded', 'failed', 'cancelled', 'rejected', 'approved', 'pending', 'candidate', 'published', 'retired', 'online', 'offline', 'awaiting-outcomes', 'reported']);

/** A state badge; states this page does not know yet (added by newer coordinators) get a neutral style. */
export function badge(state) {
  const known = KNOWN_STATES.has(state) ? state : 'other';
  return h(`span.badge.badge-${known}`, { 'data-state': state }, state);
}

export function kpi(label, value, note) {
  return h('div.kpi', {}, h('div.kpi-label', {}, label), h('div.kpi-value', {}, value), note ? h('div.kpi-note', {}, note) : null);
}

export function table(columns, rows, opts = {}) {
  return h('table.grid', opts.attrs ?? {},
    h('thead', {}, h('tr', {}, columns.map((c) => h(`th${c.num ? '.num' : ''}`, {}, c.label)))),
    h('tbody', {}, rows.length === 0
      ? h('tr', {}, h('td.empty', { colspan: columns.length }, opts.empty ?? 'nothing yet'))
      : rows.map((r) => h('tr', opts.rowAttrs?.(r) ?? {}, columns.map((c) => h(`td${c.num ? '.num' : ''}`, {}, c.value(r)))))),
  );
}

export function card(title, ...children) {
  return h('section.card', {}, title ? h('h2', {}, title) : null, ...children);
}
