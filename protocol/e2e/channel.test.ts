import { describe, expect, it } from 'vitest';
import { Channel, newKeyPair, SEAL_OVERHEAD } from './channel.ts';

function pair(job = 'job-1') {
  const a = newKeyPair();
  const b = newKeyPair();
  return { ab: new Channel(job, 'bank', 'insurer', a, b.publicKey), ba: new Channel(job, 'insurer', 'bank', b, a.publicKey), a, b };
}

describe('end-to-end channel', () => {
  it('opens what the peer sealed, in both directions, and hides the plaintext', () => {
    const { ab, ba } = pair();
    const secret = Buffer.from('customer-00042 balance 1234.5');
    const sealed = ab.seal(secret);
    expect(sealed.length).toBe(secret.length + SEAL_OVERHEAD);
    expect(sealed.includes(Buffer.from('customer-00042'))).toBe(false);
    expect(ba.open(sealed).equals(secret)).toBe(true);
    expect(ab.open(ba.seal(Buffer.from('reply'))).toString()).toBe('reply');
  });

  it('rejects a flipped bit, a truncation and a wrong key', () => {
    const { ab, ba } = pair();
    const sealed = ab.seal(Buffer.from('hello'));
    const flipped = Buffer.from(sealed);
    flipped.writeUInt8(flipped.readUInt8(flipped.length - 1) ^ 1, flipped.length - 1);
    expect(() => ba.open(flipped)).toThrow(/FM_ERR_WIRE_DECRYPT|failed authentication/);
    expect(() => ba.open(sealed.subarray(0, 10))).toThrow(/failed authentication/);
    const stranger = new Channel('job-1', 'insurer', 'bank', newKeyPair(), newKeyPair().publicKey);
    expect(() => stranger.open(sealed)).toThrow(/failed authentication/);
    expect(ba.open(sealed).toString()).toBe('hello');
  });

  it('rejects replay, reordering and a message bound to another job', () => {
    const { ab, ba, a, b } = pair();
    const first = ab.seal(Buffer.from('1'));
    const second = ab.seal(Buffer.from('2'));
    expect(() => ba.open(second)).toThrow(/failed authentication/);
    expect(ba.open(first).toString()).toBe('1');
    expect(() => ba.open(first)).toThrow(/failed authentication/);
    expect(ba.open(second).toString()).toBe('2');
    const otherJob = new Channel('job-2', 'insurer', 'bank', b, a.publicKey);
    expect(() => otherJob.open(new Channel('job-1', 'bank', 'insurer', a, b.publicKey).seal(Buffer.from('x')))).toThrow(/failed authentication/);
  });
});
