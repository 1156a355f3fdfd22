// A signed-in user's fedmark role, from one claim of their ID token or userinfo through the
// config's roleMap. The claim may hold one value (fedmark_role: "scientist") or several (groups:
// ["staff", "fedmark-scientists"]); several mapped values give the most privileged of their roles,
// since group memberships add up. Anything unmapped is refused, naming the claim and what it held.
import { FedmarkError } from '../../errors/table.ts';
import type { ApiRole } from '../store.ts';

// An approver is ranked above a scientist: someone in both groups signs off models and does not
// train them, which is what four-eyes publishing asks.
const PRIVILEGE: readonly ApiRole[] = ['admin', 'approver', 'scientist', 'scorer'];

/** The claim at a dotted path (realm_access.roles), or undefined. */
export function claimAt(claims: Readonly<Record<string, unknown>>, path: string): unknown {
  let value: unknown = claims;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

export function roleFromClaims(
  claims: Readonly<Record<string, unknown>>,
  user: string,
  roleClaim: string,
  roleMap: Readonly<Record<string, ApiRole>>,
): ApiRole {
  const held = claimAt(claims, roleClaim);
  const values = (Array.isArray(held) ? held : [held]).filter((v): v is string => typeof v === 'string');
  const mapped = new Set(values.flatMap((v) => (Object.hasOwn(roleMap, v) ? [roleMap[v] as ApiRole] : [])));
  const role = PRIVILEGE.find((r) => mapped.has(r));
  if (role) return role;
  throw new FedmarkError('FM_ERR_AUTH_SSO_ROLE', {
    user,
    claim: roleClaim,
    value: held === undefined ? 'absent' : JSON.stringify(held).slice(0, 200),
    mapped: Object.keys(roleMap).map((k) => JSON.stringify(k)).join(', ') || 'nothing',
  });
}
