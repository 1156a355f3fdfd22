import { describe, expect, it } from 'vitest';
import { FedmarkError } from '../../errors/table.ts';
import { LoginLinks } from './loginLinks.ts';

const T0 = Date.parse('2027-03-01T09:00:00Z');

function refusal(f: () => unknown): { code: string; message: string } {
  try {
    f();
  } catch (err) {
    if (err instanceof FedmarkError) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('not refused');
}

describe('one-time sign-in links', () => {
  it('sign in once, as the role and name they were made for; a second use says when the first was', () => {
    let now = T0;
    const links = new LoginLinks(() => now);
    const { token, expiresAt } = links.create('ops-web', 'scientist', 600);
    expect(token).toMatch(/^fml_[\w-]{43}$/);
    expect(expiresAt).toBe('2027-03-01T09:10:00.000Z');
    now += 5_000;
    expect(links.redeem(token)).toEqual({ name: 'ops-web', role: 'scientist' });
    now += 1_000;
    expect(refusal(() => links.redeem(token))).toEqual({
      code: 'FM_ERR_AUTH_LINK',
      message: 'this dashboard sign-in link was used already, at 2027-03-01T09:00:05.000Z; ask an admin for a new one (fedmark dashboard --login-url)',
    });
  });

  it('refuse a link past its expiry, and one the coordinator never made', () => {
    let now = T0;
    const links = new LoginLinks(() => now);
    const { token } = links.create('ops-web', 'admin', 30);
    now += 30_000;
    expect(refusal(() => links.redeem(token)).message).toContain('link expired at 2027-03-01T09:00:30.000Z;');
    expect(refusal(() => links.redeem('fml_not-a-link')).message).toContain('link is not known to this coordinator');
  });

  it('give one name to one open link at a time, and forget spent links a day after their expiry', () => {
    let now = T0;
    const links = new LoginLinks(() => now);
    const first = links.create('ops-web', 'scientist', 60);
    expect(refusal(() => links.create('ops-web', 'admin', 60)).code).toBe('FM_ERR_AUTH_KEY_EXISTS');
    links.redeem(first.token);
    expect(links.create('ops-web', 'admin', 60).token).not.toBe(first.token);
    now += 60_000 + 86_400_000 + 1;
    expect(refusal(() => links.redeem(first.token)).message).toContain('is not known');
  });
});
