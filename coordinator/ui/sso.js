// Single sign-on through the bank's OpenID Connect provider. The sign-in page offers "Sign in with
// <provider>" when the coordinator has it configured; the coordinator sends the browser back to
// #/sso/<token>, a one-time hand-over that is taken out of the address and the history at once and
// traded for a session key, kept like a typed-in one. Signing out of such a session revokes its key.
import { session } from './api.js';
import { h } from './dom.js';

const SSO = 'fedmark.sso';

/** The button to the provider, or nothing when single sign-on is not configured (or unreachable). */
export async function ssoButton() {
  try {
    const res = await fetch('/v1/sso');
    const status = res.ok ? await res.json() : {};
    if (!status.enabled) return null;
    return h('a.button.primary.sso', { id: 'sso-login', href: status.loginPath }, `Sign in with ${status.provider}`);
  } catch {
    return null;
  }
}

/** Signs in from a hand-over in the address, if there is one; resolves to the refusal's message when the sign-in failed. */
export async function signInFromSso() {
  const match = location.hash.match(/^#\/sso\/(fms_[\w-]+)$/);
  if (!match) return undefined;
  history.replaceState(null, '', `${location.pathname}#/jobs`);
  try {
    const res = await fetch('/v1/sso/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: match[1] }) });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) return body.message ?? `the coordinator refused the sign-in (HTTP ${res.status})`;
    session.login(body.key);
    sessionStorage.setItem(SSO, body.user);
    return undefined;
  } catch (err) {
    return `Cannot reach the coordinator: ${err.message}`;
  }
}

/** Ends a single sign-on session at the coordinator (its key is revoked); a typed-in key is only forgotten. */
export async function endSsoSession() {
  if (!sessionStorage.getItem(SSO)) return;
  sessionStorage.removeItem(SSO);
  await fetch('/v1/sso/logout', { method: 'POST', headers: { authorization: `Bearer ${session.key() ?? ''}` } }).catch(() => undefined);
}
