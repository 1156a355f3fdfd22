// The role of a signed-in user from the configured claim: one value or a list, a dotted path into
// nested claims, the most privileged of several mapped values, and a refusal naming the claim and
// what it held when nothing maps.
import { describe, expect, it } from 'vitest';
import { FedmarkError } from '../../errors/table.ts';
import { claimAt, roleFromClaims } from './roles.ts';

const MAP = { 'fedmark-admins': 'admin', 'fedmark-scientists': 'scientist', 'fedmark-scoring': 'scorer' } as const;

function refusal(fn: () => unknown): FedmarkError {
  try {
    fn();
  } catch (err) {
    if (err instanceof FedmarkError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('roleFromClaims', () => {
  it('maps a single value and a list of groups', () => {
    expect(roleFromClaims({ fedmark_role: 'fedmark-scientists' }, 'a', 'fedmark_role', MAP)).toBe('scientist');
    expect(roleFromClaims({ groups: ['staff', 'fedmark-scoring'] }, 'a', 'groups', MAP)).toBe('scorer');
  });

  it('gives the most privileged role when several groups map, whatever their order', () => {
    expect(roleFromClaims({ groups: ['fedmark-scoring', 'fedmark-admins', 'fedmark-scientists'] }, 'a', 'groups', MAP)).toBe('admin');
    expect(roleFromClaims({ groups: ['fedmark-scientists', 'fedmark-scoring'] }, 'a', 'groups', MAP)).toBe('scientist');
  });

  it('reads a dotted path into nested claims (Keycloak realm roles)', () => {
    expect(roleFromClaims({ realm_access: { roles: ['offline_access', 'fedmark-admins'] } }, 'a', 'realm_access.roles', MAP)).toBe('admin');
    expect(claimAt({ a: ['x'] }, 'a.0')).toBeUndefined();
  });

  it('does not map names inherited by every object', () => {
    const err = refusal(() => roleFromClaims({ groups: ['constructor', 'toString'] }, 'eve@bank.example', 'groups', MAP));
    expect(err.code).toBe('FM_ERR_AUTH_SSO_ROLE');
  });

  it('refuses an unmapped value, naming the user, the claim, its value and what is mapped', () => {
    const err = refusal(() => roleFromClaims({ fedmark_role: 'branch-tellers' }, 'bob@bank.example', 'fedmark_role', MAP));
    expect(err.status).toBe(403);
    expect(err.message).toBe('user bob@bank.example has no fedmark role: claim fedmark_role is "branch-tellers", which oidc.roleMap does not map (it maps "fedmark-admins", "fedmark-scientists", "fedmark-scoring")');
  });

  it('refuses a missing claim and one of the wrong type, saying so', () => {
    expect(refusal(() => roleFromClaims({ sub: 'x' }, 'x', 'groups', MAP)).message).toContain('claim groups is absent,');
    expect(refusal(() => roleFromClaims({ groups: 7 }, 'x', 'groups', MAP)).message).toContain('claim groups is 7,');
    expect(refusal(() => roleFromClaims({ groups: 'x' }, 'x', 'groups', {})).message).toContain('(it maps nothing)');
  });
});
