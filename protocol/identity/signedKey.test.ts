import sodium from 'sodium-native';
import { describe, expect, it } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import { fingerprint, identityFromSecret, newIdentity, normaliseFingerprint, signKey, verifyKey, type KeyBinding } from './signedKey.ts';

function setup() {
  const host = newIdentity();
  const key = Buffer.alloc(32, 7);
  const binding: KeyBinding = { owner: 'host', job: 'job-1', attempt: 2, purpose: 'e2e-x25519', key };
  return { host, binding, endorsement: signKey(host, binding), pins: { host: fingerprint(host.publicKey) } };
}

describe('per-job keys signed by a pinned identity', () => {
  it('accepts the key its pinned owner signed, whatever the pin\'s case and colons', () => {
    const { binding, endorsement, pins } = setup();
    expect(() => verifyKey(pins, binding, endorsement)).not.toThrow();
    expect(() => verifyKey({ host: pins.host.replaceAll(':', '').toLowerCase() }, binding, endorsement)).not.toThrow();
  });

  it.each([
    ['another job', { job: 'job-2' }, /host did not verify.*does not cover this key for job job-2, attempt 2/],
    ['another attempt', { attempt: 3 }, /does not cover this key for job job-1, attempt 3/],
    ['another purpose', { purpose: 'other' as KeyBinding['purpose'] }, /does not cover/],
    ['another key', { key: Buffer.alloc(32, 8) }, /does not cover/],
    ['another owner', { owner: 'host2' }, /no identity fingerprint is pinned for host2/],
  ])('refuses the signature moved to %s', (_what, change, message) => {
    const { binding, endorsement, pins } = setup();
    expect(() => verifyKey(pins, { ...binding, ...change }, endorsement)).toThrow(message);
  });

  it('refuses one partner\'s signed key presented as another\'s, even when both pin the same identity', () => {
    const { binding, endorsement, pins } = setup();
    expect(() => verifyKey({ ...pins, host2: pins.host }, { ...binding, owner: 'host2' }, endorsement)).toThrow(/partner host2 did not verify.*does not cover/);
  });

  it('refuses a key signed by an identity that is not the pinned one, or not signed, or with no pin', () => {
    const { binding, pins } = setup();
    const coordinator = newIdentity();
    const forged = signKey(coordinator, binding);
    expect(() => verifyKey(pins, binding, forged)).toThrow(/partner host did not verify.*signed by identity [0-9A-F:]{95}, not the pinned one/);
    expect(() => verifyKey(pins, binding, undefined)).toThrow(/partner host did not verify.*came without a signature/);
    expect(() => verifyKey({}, binding, forged)).toThrow(/no identity fingerprint is pinned for host/);
  });

  it('refuses a flipped bit in the signature and a truncated one', () => {
    const { binding, endorsement, pins } = setup();
    const flipped = Buffer.from(endorsement.signature);
    flipped[10] = (flipped[10] as number) ^ 1;
    expect(() => verifyKey(pins, binding, { ...endorsement, signature: flipped })).toThrow(/does not cover/);
    expect(() => verifyKey(pins, binding, { ...endorsement, signature: flipped.subarray(0, 63) })).toThrow(/malformed/);
  });

  it('signs plain Ed25519 (RFC 8032) that @noble/curves verifies, and rebuilds a pair from its secret key', () => {
    const { host, binding, endorsement } = setup();
    const again = identityFromSecret(host.secretKey);
    expect(again.publicKey.equals(host.publicKey)).toBe(true);
    expect(Buffer.from(signKey(again, binding).signature).equals(Buffer.from(endorsement.signature))).toBe(true);
    const message = Buffer.concat([
      lp('fedmark/key-binding/v1'), lp('host'), lp('job-1'), Buffer.from([0, 0, 0, 0, 0, 0, 0, 2]), lp('e2e-x25519'), lp(binding.key),
    ]);
    expect(ed25519.verify(endorsement.signature, message, host.publicKey)).toBe(true);
  });

  it('prints the fingerprint as SHA-256 of the public key and normalises pins', () => {
    const publicKey = Buffer.alloc(32);
    const expected = Buffer.alloc(32);
    sodium.crypto_hash_sha256(expected, publicKey);
    expect(fingerprint(publicKey)).toBe(expected.toString('hex').toUpperCase().match(/../g)?.join(':'));
    expect(normaliseFingerprint(expected.toString('hex'))).toBe(fingerprint(publicKey));
    expect(() => normaliseFingerprint('AB:CD')).toThrow(/32 bytes of hex/);
  });
});

function lp(value: string | Uint8Array): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value) : Buffer.from(value);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(bytes.length);
  return Buffer.concat([len, bytes]);
}
