import { beforeAll, describe, expect, it } from 'vitest';
import {
  BFV_PARAMETERS,
  deserializeCiphertext,
  generateArbiterKeys,
  loadPublicKey,
  loadSeal,
  modSwitchToLast,
  serializeCiphertext,
} from './bfv.ts';
import { coefficientsOf, plaintextFromCoefficients } from './coefficients.ts';
import { failure, useBfv } from './testing.fixture.ts';

describe('BFV context, keys and ciphertext bytes', () => {
  const he = useBfv();

  function encrypt(coeffs: number[]) {
    const pt = plaintextFromCoefficients(he.bfv.seal, he.bfv.context, coeffs, he.bfv.t, he.bfv.N);
    const ct = he.party.encrypt(pt);
    pt.delete();
    return ct;
  }

  function decrypt(ct: ReturnType<typeof encrypt>, n: number): number[] {
    const pt = he.keys.secret.decrypt(ct);
    const out = Array.from(coefficientsOf(pt, he.bfv.N, he.bfv.seal).subarray(0, n));
    pt.delete();
    return out;
  }

  it('uses the documented 128-bit parameters: N = 8192, q = 43+43+44+44+44 bits, t = 2^50', () => {
    expect(he.bfv.N).toBe(8192);
    expect(he.bfv.t).toBe(2 ** 50);
    expect(he.bfv.fractionalBits).toBe(13);
    expect(he.bfv.primes).toEqual([8796092858369, 8796092792833, 17592186028033, 17592185438209]); // as in vectors.gen.ts
    expect(he.bfv.firstL).toBe(4);
    expect(he.bfv.lastL).toBe(2);
    const key = he.bfv.context.keyContextData();
    expect(key.totalCoeffModulusBitCount()).toBe(218);
    const last = he.bfv.context.lastContextData();
    expect(last.totalCoeffModulusBitCount()).toBe(86);
    key.delete();
    last.delete();
    expect(BFV_PARAMETERS.coeffModulusBits.reduce((a, b) => a + b, 0)).toBe(218);
  });

  it('SEAL enforces the 128-bit table: one more bit of modulus at N = 8192 is refused', async () => {
    const seal = await loadSeal();
    const parms = new seal.EncryptionParameters(seal.SchemeType.bfv);
    parms.setPolyModulusDegree(8192);
    const coeff = seal.CoeffModulus.Create(8192, Int32Array.from([44, 43, 44, 44, 44]));
    parms.setCoeffModulus(coeff);
    const plain = new seal.Modulus(1n << 50n);
    parms.setPlainModulus(plain);
    const context = new seal.SEALContext(parms, true, seal.SecLevelType.tc128);
    expect(context.parametersSet()).toBe(false);
    for (const o of [context, plain, coeff, parms]) o.delete();
  });

  it('a he.party encrypts with the public key bytes and only the arbiter decrypts, exactly', () => {
    const ct = encrypt([5, 0, he.bfv.t - 1, 123456789]);
    expect(decrypt(ct, 4)).toEqual([5, 0, he.bfv.t - 1, 123456789]);
    expect(he.keys.secret.noiseBudget(ct)).toBeGreaterThanOrEqual(110);
    ct.delete();
  });

  it('a wrong secret key does not decrypt (noise budget 0, other coefficients)', () => {
    const other = generateArbiterKeys(he.bfv);
    const ct = encrypt([5, 6, 7]);
    expect(other.secret.noiseBudget(ct)).toBe(0);
    const pt = other.secret.decrypt(ct);
    expect(Array.from(coefficientsOf(pt, he.bfv.N, he.bfv.seal).subarray(0, 3))).not.toEqual([5, 6, 7]);
    pt.delete();
    ct.delete();
    other.secret.dispose();
  });

  it('never serialises the secret key by accident', () => {
    expect(JSON.stringify({ secret: he.keys.secret })).toBe('{"secret":"[ArbiterSecret]"}');
  });

  it('sends the public key seeded and compressed (about 270 kB instead of 655 kB)', () => {
    expect(he.keys.publicBytes.length).toBeLessThan(300_000);
  });

  it('rejects tampered, truncated or foreign public-key bytes with FM_ERR_HE_KEY naming the parameter', () => {
    const truncated = he.keys.publicBytes.subarray(0, he.keys.publicBytes.length - 100);
    expect(failure(() => loadPublicKey(he.bfv, truncated, 'job.publicKey'))).toMatchObject({ code: 'FM_ERR_HE_KEY', message: expect.stringMatching(/^job\.publicKey is not a public key/) });
    const magic = he.keys.publicBytes.slice();
    magic[1] = 0;
    expect(failure(() => loadPublicKey(he.bfv, magic))?.code).toBe('FM_ERR_HE_KEY');
    const garbage = new Uint8Array(1000).fill(7);
    expect(failure(() => loadPublicKey(he.bfv, garbage))?.code).toBe('FM_ERR_HE_KEY');
    expect(failure(() => loadPublicKey(he.bfv, 'key' as unknown as Uint8Array))).toMatchObject({ code: 'FM_ERR_HE_INPUT', message: 'publicBytes must be a non-empty Uint8Array (got string)' });
  });

  it('serialises ciphertexts: 524,401 bytes at the first level, 262,257 at the last; zstd about 18 % smaller', () => {
    const ct = encrypt([1, 2, 3]);
    const none = serializeCiphertext(he.bfv, ct);
    const zstd = serializeCiphertext(he.bfv, ct, 'zstd');
    expect(none.length).toBe(524_401);
    expect(zstd.length).toBeLessThan(0.9 * none.length);
    for (const bytes of [none, zstd]) {
      const back = deserializeCiphertext(he.bfv, bytes, 'encD[0]', 'first');
      expect(decrypt(back, 3)).toEqual([1, 2, 3]);
      back.delete();
    }
    modSwitchToLast(he.bfv, ct);
    expect(he.keys.secret.noiseBudget(ct)).toBeGreaterThanOrEqual(20);
    const last = serializeCiphertext(he.bfv, ct);
    expect(last.length).toBe(262_257);
    const back = deserializeCiphertext(he.bfv, last, 'result', 'last');
    expect(decrypt(back, 3)).toEqual([1, 2, 3]);
    back.delete();
    ct.delete();
  });

  describe('rejects bad ciphertext bytes with FM_ERR_HE_CIPHERTEXT naming the parameter', () => {
    let bytes: Uint8Array;
    beforeAll(() => {
      const ct = encrypt([1, 2, 3]);
      bytes = serializeCiphertext(he.bfv, ct);
      ct.delete();
    });

    const cases: [string, (b: Uint8Array) => Uint8Array, RegExp][] = [
      ['truncated', (b) => b.subarray(0, b.length - 8), /the header says 524401 bytes, got 524393/],
      ['truncated with a matching header', (b) => { const c = b.slice(0, b.length - 8); new DataView(c.buffer).setBigUint64(8, BigInt(c.length), true); return c; }, /input buffer ended unexpectedly|invalid/],
      ['a residue above its prime', (b) => { const c = b.slice(); c.fill(0xff, 113 + 8 * 10, 113 + 8 * 11); return c; }, /ciphertext data is invalid/],
      ['another parameter id', (b) => { const c = b.slice(); c[20] = (c[20] as number) ^ 1; return c; }, /ciphertext data is invalid/],
      ['a bad magic number', (b) => { const c = b.slice(); c[0] = 0; return c; }, /no SEAL header/],
      ['zlib compression', (b) => { const c = b.slice(); c[5] = 1; return c; }, /compression mode 1/],
      ['an empty array', () => new Uint8Array(0), /must be a non-empty Uint8Array/],
      ['a few bytes', () => new Uint8Array(5), /fewer than a SEAL header/],
    ];
    for (const [name, tamper, reason] of cases) {
      it(name, () => {
        const f = failure(() => deserializeCiphertext(he.bfv, tamper(bytes), 'encD[4]', 'first'));
        expect(f?.code).toMatch(/^FM_ERR_HE_(CIPHERTEXT|INPUT)$/);
        expect(f?.message).toMatch(/^encD\[4\]/);
        expect(f?.message).toMatch(reason);
      });
    }

    it('at another level than expected, or oversized for the level', () => {
      expect(failure(() => deserializeCiphertext(he.bfv, bytes, 'masked', 'last'))).toMatchObject({
        code: 'FM_ERR_HE_CIPHERTEXT',
        message: expect.stringMatching(/^masked .*more than the 262257 of a ciphertext at the last level/),
      });
      const ct = encrypt([1]);
      modSwitchToLast(he.bfv, ct);
      const last = serializeCiphertext(he.bfv, ct);
      ct.delete();
      expect(failure(() => deserializeCiphertext(he.bfv, last, 'encD[0]', 'first'))?.message).toMatch(/2 primes, expected 4 \(the first level\)/);
    });

    it('a transparent (unencrypted) ciphertext', () => {
      const c = bytes.slice();
      c.fill(0, 113 + 8 * 4 * he.bfv.N); // c1 = 0
      expect(failure(() => deserializeCiphertext(he.bfv, c, 'encU[0]', 'first'))?.message).toMatch(/^encU\[0\] .*transparent/);
    });
  });
});
