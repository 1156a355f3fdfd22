// The dashboard shell: sign-in with an API key, a hash router and the top bar. Each view renders
// into <main> and returns a cleanup that stops its polling or live stream.
import { api, session, ApiError } from './api.js';
import { clear, h } from './dom.js';
import { jobsView } from './views/jobs.js';
import { jobView } from './views/job.js';
import { modelsView } from './views/models.js';
import { modelView } from './views/model.js';
import { partiesView } from './views/parties.js';
import { eventsView } from './views/events.js';
import { campaignsView, campaignView } from './views/campaigns.js';
import { signInFromLink } from './loginLink.js';
import { endSsoSession, signInFromSso, ssoButton } from './sso.js';

const main = document.getElementById('main');
const topbar = document.querySelector('.topbar');
const routes = [
  [/^#\/jobs$/, jobsView, 'jobs'],
  [/^#\/jobs\/([\w.-]+)$/, jobView, 'jobs'],
  [/^#\/models$/, modelsView, 'models'],
  [/^#\/models\/([^/]+)\/(\d+)$/, modelView, 'models'],
  [/^#\/campaigns$/, campaignsView, 'campaigns'],
  [/^#\/campaigns\/([\w.-]+)$/, campaignView, 'campaigns'],
  [/^#\/parties$/, partiesView, 'parties'],
  [/^#\/events$/, eventsView, 'events'],
];
let cleanup = () => {};

function loginView(message) {
  topbar.hidden = true;
  const input = h('input', { type: 'password', id: 'api-key', name: 'api-key', placeholder: 'fmk_…', autocomplete: 'off', required: true, spellcheck: 'false' });
  const error = h('p.error', { role: 'alert' }, message ?? '');
  const form = h('form.login', {
    onsubmit: async (e) => {
      e.preventDefault();
      session.login(input.value.trim());
      try {
        await api('GET', '/v1/jobs');
        location.hash = location.hash && location.hash !== '#/login' ? location.hash : '#/jobs';
        route();
      } catch (err) {
        session.logout();
        error.textContent = err instanceof ApiError && err.status === 403
          ? 'This key may not use the dashboard: it needs the admin or scientist role (a scorer key can only score).'
          : err instanceof ApiError && err.status === 401 ? 'The coordinator does not know this key.' : `Cannot reach the coordinator: ${err.message}`;
      }
    },
  },
  h('div.brand.big', {}, h('span.logo', {}, 'fm'), ' fedmark'),
  h('p.muted', {}, 'Federated modelling without pooling data. Sign in with an API key of this coordinator (admin or scientist).'),
  h('label', { for: 'api-key' }, 'API key'), input,
  h('button.primary', { type: 'submit' }, 'Sign in'), error,
  h('p.small.muted', {}, 'The key stays in this browser tab only (session storage) and is sent in the Authorization header.'));
  clear(main, form);
  input.focus();
  ssoButton().then((button) => button && form.insertBefore(h('div.sso-choice', {}, button, h('p.small.muted.or', {}, 'or with an API key')), form.children[2]));
}

function route() {
  cleanup();
  cleanup = () => {};
  if (!session.key()) return loginView();
  topbar.hidden = false;
  if (!location.hash || location.hash === '#/' || location.hash === '#/login') location.hash = '#/jobs';
  for (const [pattern, view, nav] of routes) {
    const m = location.hash.match(pattern);
    if (!m) continue;
    for (const a of document.querySelectorAll('[data-nav]')) a.classList.toggle('active', a.dataset.nav === nav);
    clear(main);
    const ctx = { main, onAuthLost: (err) => loginView(err.message) };
    const stop = view(main, m.slice(1).map(decodeURIComponent), ctx);
    cleanup = typeof stop === 'function' ? stop : () => {};
    return;
  }
  clear(main, h('section.card', {}, h('h2', {}, 'Not found'), h('p', {}, `No page at ${location.hash}. `, h('a', { href: '#/jobs' }, 'Back to the jobs.'))));
}

/** Views report failures through here: a lost key returns to sign-in, anything else is shown in place. */
window.addEventListener('unhandledrejection', (e) => {
  if (e.reason instanceof ApiError && e.reason.status === 401) {
    session.logout();
    loginView('Your key was refused; sign in again.');
  }
});
document.getElementById('logout').addEventListener('click', async () => {
  await endSsoSession();
  session.logout();
  location.hash = '#/login';
  route();
});
document.querySelector('.host').textContent = location.host;
window.addEventListener('hashchange', route);
Promise.all([signInFromLink(), signInFromSso()]).then(([byLink, bySso]) => (byLink || bySso ? loginView(byLink ?? bySso) : route()));
