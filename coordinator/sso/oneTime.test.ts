// One-time secrets: a value comes back once, and not after its lifetime.
import { describe, expect, it } from 'vitest';
import { OneTimeSecrets } from './oneTime.ts';

describe('OneTimeSecrets', () => {
  it('gives a value back once, only for its own secret', () => {
    const secrets = new OneTimeSecrets<string>(1000, () => 0);
    secrets.put('fms_a', 'alice');
    expect(secrets.take('fms_b')).toBeUndefined();
    expect(secrets.take('fms_a')).toBe('alice');
    expect(secrets.take('fms_a')).toBeUndefined();
  });

  it('forgets a value at the end of its lifetime', () => {
    let now = 0;
    const secrets = new OneTimeSecrets<string>(1000, () => now);
    secrets.put('fms_a', 'alice');
    now = 1000;
    expect(secrets.take('fms_a')).toBeUndefined();
  });
});
