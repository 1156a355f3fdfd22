import { describe, expect, it } from 'vitest';
import { PendingRequests } from './guestWalk.ts';

describe('request nonces at the guest', () => {
  const request = { model: 'trees', modelJob: 'job-1', ids: ['a', 'b'] };

  it('are taken once, for the model they were issued for', () => {
    const pending = new PendingRequests();
    const nonce = pending.issue(request);
    expect(nonce).toMatch(/^[0-9a-f]{32}$/);
    expect(pending.take(nonce, 'trees', 'job-1')).toEqual(request);
    expect(() => pending.take(nonce, 'trees', 'job-1')).toThrow(/unknown, used or expired/);
    const other = pending.issue(request);
    expect(() => pending.take(other, 'trees', 'job-2')).toThrow(/unknown, used or expired/);
    expect(() => pending.take(other, 'trees', 'job-1')).toThrow(/unknown, used or expired/);
  });

  it('expire, and the oldest gives way when too many are open', () => {
    let now = 0;
    const pending = new PendingRequests({ ttlMs: 1000, capacity: 2, now: () => now });
    const first = pending.issue(request);
    now = 1000;
    expect(() => pending.take(first, 'trees', 'job-1')).toThrow(/unknown, used or expired/);
    const [a, b, c] = [pending.issue(request), pending.issue(request), pending.issue(request)];
    expect(() => pending.take(a, 'trees', 'job-1')).toThrow(/unknown, used or expired/);
    expect(pending.take(b, 'trees', 'job-1').ids).toEqual(['a', 'b']);
    expect(pending.take(c, 'trees', 'job-1').ids).toEqual(['a', 'b']);
  });
});
