// `fedmark dashboard`: the dashboard's address, or with --login-url a one-time sign-in link for it
// (an admin key asks; the link signs in once, as the role and name given, until it expires), for a
// script or an operator on a headless host to hand on.
import { parseArgs } from 'node:util';
import { ApiClient, CONNECTION_HELP, CONNECTION_OPTIONS } from './client.ts';
import { usageError } from '../../protocol/usage.ts';

export const DASHBOARD_HELP = `usage: fedmark dashboard [--json]
       fedmark dashboard --login-url [--role scientist|admin] [--name NAME] [--expires 10m] [--json]

Prints the web dashboard's address. With --login-url (admin key): a one-time sign-in link on
stdout, alone, for a script to pass on (e.g. xdg-open "$(fedmark dashboard --login-url)"). The first
browser that opens it before it expires is signed in with a new session key of --role (default
scientist) named NAME (default dashboard-<time>), valid 12 hours and revocable like any key
(fedmark keys revoke NAME); a second use, or a use after --expires (a duration: 30s, 10m, 1h; at
most 24h; default 10m), is refused.

${CONNECTION_HELP}`;

export async function dashboardCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { ...CONNECTION_OPTIONS, 'login-url': { type: 'boolean' }, role: { type: 'string' }, name: { type: 'string' }, expires: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return void console.log(DASHBOARD_HELP);
  const api = await ApiClient.from(values);
  const { url } = api.connection;
  if (!values['login-url']) {
    for (const flag of ['role', 'name', 'expires'] as const) if (values[flag] !== undefined) usageError(`--${flag} goes with --login-url`);
    return void console.log(values.json ? JSON.stringify({ url: `${url}/ui/` }) : `${url}/ui/`);
  }
  const role = values.role ?? 'scientist';
  if (role !== 'scientist' && role !== 'admin') usageError(`--role must be scientist or admin (the dashboard's roles), not ${role}`);
  const name = values.name ?? `dashboard-${Date.now().toString(36)}`;
  const link = await api.call<{ name: string; role: string; expiresAt: string; path: string }>('POST', '/v1/login-links', { role, name, expiresInSeconds: secondsOf(values.expires ?? '10m') });
  if (values.json) return void console.log(JSON.stringify({ url: `${url}${link.path}`, name: link.name, role: link.role, expiresAt: link.expiresAt }));
  console.log(`${url}${link.path}`);
  process.stderr.write(`one sign-in as ${link.role} "${link.name}" until ${link.expiresAt}; the session key it gives lasts 12 hours (fedmark keys revoke ${link.name} ends it)\n`);
}

/** --expires: a duration in seconds, minutes or hours, up to a day. */
export function secondsOf(text: string): number {
  const span = /^(\d+)([smh])$/.exec(text);
  const seconds = span ? Number(span[1]) * { s: 1, m: 60, h: 3600 }[span[2] as 's' | 'm' | 'h'] : NaN;
  if (!(seconds >= 1 && seconds <= 86_400)) usageError(`--expires takes a duration from 1s to 24h (30s, 10m, 1h), not ${text}`);
  return seconds;
}
