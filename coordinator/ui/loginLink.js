// A one-time sign-in link (fedmark dashboard --login-url) opens the dashboard at
// #/login-link/<token>: the token is taken out of the address and the history at once, then traded
// with the coordinator, once, for a session key kept like a typed-in one.
import { session } from './api.js';

/** Signs in from a link in the address, if there is one; resolves to the refusal's message when the link cannot be used. */
export async function signInFromLink() {
  const match = location.hash.match(/^#\/login-link\/(fml_[\w-]+)$/);
  if (!match) return undefined;
  history.replaceState(null, '', `${location.pathname}#/jobs`);
  try {
    const res = await fetch('/v1/login-links/redeem', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: match[1] }) });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) return body.message ?? `the coordinator refused the link (HTTP ${res.status})`;
    session.login(body.key);
    return undefined;
  } catch (err) {
    return `Cannot reach the coordinator: ${err.message}`;
  }
}
