import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openFlags, sealedFlagsBytes, sealFlags, type FlagsBinding } from './sealedFlags.ts';

const key = randomBytes(32);
const binding: FlagsBinding = { modelJob: 'job-1', host: 'partner', guest: 'bank', nonce: 'aa'.repeat(16), asked: Buffer.alloc(48, 3) };
const flags = Uint8Array.from({ length: 3 * 11 }, (_, k) => (k * 7) % 3 === 0 ? 1 : 0);

describe('sealed split flags', () => {
  it('open gives back the flags, and the sealed length depends on rows and width only', () => {
    const sealed = sealFlags(key, binding, flags, 3, 11);
    expect(sealed.length).toBe(sealedFlagsBytes(3, 11));
    expect(openFlags(key, binding, sealed)).toEqual({ rows: 3, width: 11, flags });
    expect(sealFlags(key, binding, new Uint8Array(33), 3, 11).length).toBe(sealed.length);
  });

  it('the sealed bytes do not contain the packed flags', () => {
    const ones = new Uint8Array(64).fill(1);
    const sealed = sealFlags(key, binding, ones, 8, 8);
    expect(sealed.includes(Buffer.alloc(8, 0xff))).toBe(false);
  });

  it('refuses a blob replayed for another request, job, host, guest or handles, sealed under another key, or tampered', () => {
    const sealed = sealFlags(key, binding, flags, 3, 11);
    for (const other of [{ nonce: 'bb'.repeat(16) }, { modelJob: 'job-2' }, { host: 'other' }, { guest: 'other' }, { asked: Buffer.alloc(48, 4) }, { asked: new Uint8Array(0) }]) {
      expect(() => openFlags(key, { ...binding, ...other }, sealed)).toThrow(/failed authentication/);
    }
    expect(() => openFlags(randomBytes(32), binding, sealed)).toThrow(/failed authentication/);
    const tampered = Buffer.from(sealed);
    tampered[30]! ^= 1;
    expect(() => openFlags(key, binding, tampered)).toThrow(/failed authentication/);
    expect(() => openFlags(key, binding, sealed.subarray(0, 20))).toThrow(/failed authentication/);
  });
});
