import { x25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { blindPoints, hashAndBlind, newScalar } from './ecdh.ts';
import { hashIdsToPoints } from './hash.ts';
import { hex, unhex, seeded, psiError } from './testing.fixture.ts';

describe('blindPoints', () => {
  it('reproduces the RFC 7748 section 5.2 X25519 test vector', () => {
    const scalar = unhex('a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4');
    const u = unhex('e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c');
    expect(hex(blindPoints(u, scalar))).toBe('c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552');
  });

  it('matches the vector from vectors.gen.ts (@noble/curves) for H("customer-1") in job-1', () => {
    const scalar = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
    const blinded = blindPoints(hashIdsToPoints(['customer-1'], 'job-1'), scalar);
    expect(hex(blinded)).toBe('419161d7053b8edf969aea2cd15740a8c1baaa257afbebf90f39acc769f2e031');
  });

  it('agrees with @noble/curves x25519.scalarMult on random points and scalars', () => {
    const random = seeded('noble-cross-check');
    const points = random(32 * 16);
    for (let k = 0; k < 8; k++) {
      const scalar = newScalar(random);
      const ours = blindPoints(points, scalar);
      for (let i = 0; i < 16; i++) {
        const theirs = x25519.scalarMult(scalar, points.subarray(32 * i, 32 * (i + 1)));
        expect(hex(ours.subarray(32 * i, 32 * (i + 1)))).toBe(hex(theirs));
      }
    }
  });

  it('commutes: a·(b·H(x)) = b·(a·H(x)) for 100 IDs', () => {
    const random = seeded('commute');
    const ids = Array.from({ length: 100 }, (_, i) => `customer-${i}`);
    const a = newScalar(random);
    const b = newScalar(random);
    const ab = blindPoints(hashAndBlind(ids, 'job-1', b), a);
    const ba = blindPoints(hashAndBlind(ids, 'job-1', a), b);
    expect(hex(ab)).toBe(hex(ba));
    // and is not trivial: single blindings differ from each other and from H(x).
    expect(hex(hashAndBlind(ids, 'job-1', a))).not.toBe(hex(hashAndBlind(ids, 'job-1', b)));
    expect(hex(hashAndBlind(ids, 'job-1', a))).not.toBe(hex(hashIdsToPoints(ids, 'job-1')));
  });

  it('hashAndBlind equals blindPoints of hashIdsToPoints', () => {
    const scalar = newScalar(seeded('hash-and-blind'));
    const ids = ['a', 'b', 'customer-1'];
    expect(hex(hashAndBlind(ids, 'job-9', scalar))).toBe(hex(blindPoints(hashIdsToPoints(ids, 'job-9'), scalar)));
  });

  it('accepts a Node Buffer and leaves the input unchanged', () => {
    const scalar = newScalar(seeded('buffer'));
    const points = Buffer.from(hashIdsToPoints(['x', 'y'], 'job-1'));
    const before = hex(points);
    const out = blindPoints(points, scalar);
    expect(hex(points)).toBe(before);
    expect(hex(out)).toBe(hex(blindPoints(Uint8Array.from(points), scalar)));
  });

  it('refuses wrong lengths, naming the parameter', () => {
    const scalar = newScalar(seeded('lengths'));
    const e1 = psiError(() => blindPoints(new Uint8Array(33), scalar));
    expect(e1.code).toBe('FM_ERR_PSI_INPUT');
    expect(e1.message).toBe('points must be a Uint8Array whose length is a multiple of 32 (got 33 bytes)');
    const e2 = psiError(() => blindPoints(new Uint8Array(64), new Uint8Array(31)));
    expect(e2.message).toBe('scalar must be a Uint8Array of 32 bytes (got 31 bytes)');
    const e3 = psiError(() => blindPoints([1, 2] as unknown as Uint8Array, scalar));
    expect(e3.message).toContain('points must be');
    const e4 = psiError(() => hashAndBlind(['a'], 'job-1', new Uint8Array(64)));
    expect(e4.message).toContain('scalar must be');
  });

  it.each([
    ['zero', '0000000000000000000000000000000000000000000000000000000000000000'],
    ['one', '0100000000000000000000000000000000000000000000000000000000000000'],
    ['order 8', 'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800'],
    ['order 8 too', '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157'],
    ['p - 1', 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'],
    ['p (non-canonical 0)', 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'],
    ['p + 1 (non-canonical 1)', 'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'],
  ])('refuses the low-order point %s with its index', (_name, lowOrder) => {
    const points = new Uint8Array(32 * 4);
    points.set(hashIdsToPoints(['a', 'b', 'c', 'd'], 'job-1'));
    points.set(unhex(lowOrder), 32 * 2);
    const e = psiError(() => blindPoints(points, newScalar(seeded('low-order'))));
    expect(e.code).toBe('FM_ERR_PSI_POINT');
    expect(e.message).toBe('point 2 is invalid (low order)');
  });
});

describe('newScalar', () => {
  it('takes its 32 bytes from the injected random source, as a private copy', () => {
    const source = Uint8Array.from({ length: 32 }, (_, i) => 200 - i);
    const scalar = newScalar(() => source);
    expect(hex(scalar)).toBe(hex(Uint8Array.from({ length: 32 }, (_, i) => 200 - i)));
    source.fill(0);
    expect(scalar[0]).toBe(200);
  });

  it('draws fresh bytes by default', () => {
    expect(hex(newScalar())).not.toBe(hex(newScalar()));
    expect(newScalar().length).toBe(32);
  });

  it('refuses a random source that breaks its contract', () => {
    const e = psiError(() => newScalar(() => new Uint8Array(16)));
    expect(e.code).toBe('FM_ERR_PSI_INPUT');
    expect(e.message).toContain('random must be');
  });
});
