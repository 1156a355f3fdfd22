import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FedmarkError } from '../../errors/table.ts';
import { createBfv, type Bfv } from './bfv.ts';
import {
  CIPHERTEXT_DATA_OFFSET,
  centered,
  ciphertextBytes,
  coefficientsOf,
  decodeFixed,
  encodeFixed,
  encodeFixedVector,
  plaintextBytes,
  plaintextFromCoefficients,
  readPlaintextBytes,
} from './coefficients.ts';

const T = 2 ** 50;
const FP = { fractionalBits: 13, t: T };

// From vectors.gen.ts (SEAL's Plaintext serialisation rebuilt with Buffer and BigInt).
const KAT_PLAINTEXT_HEX =
  '5ea1100401000000780000000000000000000000000000000000000000000000000000000000000000000000000000000400000000000000000000000000f03f5ea1100401000000380000000000000004000000000000000100000000000000ffffffffffff030000000000000000000500000001000000';
const KAT_COEFFS = [1, T - 1, 0, 2 ** 32 + 5];

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof FedmarkError ? `${err.code} ${err.message}` : `not a FedmarkError: ${String(err)}`;
  }
  return undefined;
}

describe('plaintext bytes (pure)', () => {
  it('matches the known-answer vector from vectors.gen.ts', () => {
    expect(hex(plaintextBytes(KAT_COEFFS, T))).toBe(KAT_PLAINTEXT_HEX);
  });

  it('reads the vector back, padding to N with zeros', () => {
    const out = readPlaintextBytes(new Uint8Array(Buffer.from(KAT_PLAINTEXT_HEX, 'hex')), 8);
    expect(Array.from(out)).toEqual([...KAT_COEFFS, 0, 0, 0, 0]);
  });

  it('refuses coefficients outside [0, t) and non-integers, naming the index but not the value', () => {
    expect(code(() => plaintextBytes([0, T], T))).toMatch(/^FM_ERR_HE_INPUT coeffs\[1\] must be an integer in \[0, t\)/);
    expect(code(() => plaintextBytes([-1], T))).toMatch(/coeffs\[0\]/);
    expect(code(() => plaintextBytes([0.5], T))).toMatch(/a non-integer/);
    expect(code(() => plaintextBytes([1, 2, 3], T, 2))).toMatch(/at most 2 coefficients/);
  });

  it('rejects truncated, foreign and NTT-form bytes when reading', () => {
    const good = plaintextBytes([1, 2, 3], T);
    expect(code(() => readPlaintextBytes(good.subarray(0, good.length - 8), 8))).toMatch(/FM_ERR_HE_INPUT/);
    const magic = good.slice();
    magic[0] = 0;
    expect(code(() => readPlaintextBytes(magic, 8))).toMatch(/no SEAL header/);
    const ntt = good.slice();
    ntt[16] = 1;
    expect(code(() => readPlaintextBytes(ntt, 8))).toMatch(/NTT-form/);
    expect(code(() => readPlaintextBytes(plaintextBytes([1, 2, 3], T), 2))).toMatch(/at most 2 coefficients/);
  });
});

describe('plaintext bytes through SEAL', () => {
  let bfv: Bfv;
  beforeAll(async () => {
    bfv = await createBfv();
  });
  afterAll(() => bfv.dispose());

  it('SEAL reads the known-answer bytes as the hand-written polynomial and saves them unchanged', () => {
    const pt = plaintextFromCoefficients(bfv.seal, bfv.context, KAT_COEFFS, bfv.t, bfv.N);
    expect(pt.toString()).toBe('100000005x^3 + 3FFFFFFFFFFFFx^1 + 1');
    expect(pt.coeffCount()).toBe(4);
    expect(hex(pt.saveToArray(bfv.seal.ComprModeType.none) as Uint8Array)).toBe(KAT_PLAINTEXT_HEX);
    expect(Array.from(coefficientsOf(pt, bfv.N, bfv.seal).subarray(0, 5))).toEqual([...KAT_COEFFS, 0]);
    pt.delete();
  });

  it('agrees with SEAL on a plaintext SEAL made itself (zero, 3 coefficients)', () => {
    const pt = new bfv.seal.Plaintext(3);
    expect(hex(pt.saveToArray(bfv.seal.ComprModeType.none) as Uint8Array)).toBe(hex(plaintextBytes([0, 0, 0], T)));
    pt.delete();
  });

  it('round-trips random full-length plaintexts (property)', () => {
    for (let trial = 0; trial < 5; trial++) {
      const coeffs = Float64Array.from({ length: bfv.N }, () => Math.floor(Math.random() * T));
      const pt = plaintextFromCoefficients(bfv.seal, bfv.context, coeffs, bfv.t, bfv.N);
      expect(coefficientsOf(pt, bfv.N, bfv.seal)).toEqual(coeffs);
      pt.delete();
    }
  });

  it('SEAL itself rejects a coefficient ≥ t written into otherwise valid bytes', () => {
    const bytes = plaintextBytes([1, 2], T);
    new DataView(bytes.buffer).setBigUint64(bytes.length - 8, BigInt(T), true);
    const pt = new bfv.seal.Plaintext();
    expect(() => pt.loadFromArray(bfv.context, bytes)).toThrow();
    pt.delete();
  });

  it('writes ciphertext bytes SEAL loads and saves unchanged', () => {
    const L = bfv.firstL;
    const c0 = Float64Array.from({ length: L * bfv.N }, (_, i) => (i * 7919) % (bfv.primes[Math.floor(i / bfv.N)] as number));
    const c1 = new Float64Array(L * bfv.N).fill(1);
    const bytes = ciphertextBytes(bfv.firstParmsIdValues, bfv.N, L, [c0, c1]);
    const ct = new bfv.seal.Ciphertext();
    ct.loadFromArray(bfv.context, bytes);
    expect(ct.size()).toBe(2);
    expect(ct.coeffModulusSize()).toBe(L);
    expect(hex(ct.saveToArray(bfv.seal.ComprModeType.none) as Uint8Array)).toBe(hex(bytes));
    const view = new DataView(bytes.buffer);
    expect(view.getUint32(CIPHERTEXT_DATA_OFFSET + 8 * 3, true)).toBe(3 * 7919);
    ct.delete();
  });
});

describe('fixed point', () => {
  it('encodes hand-worked values with f = 13 (negative as t − |v|)', () => {
    expect(encodeFixed('v', 0.5, FP)).toBe(4096);
    expect(encodeFixed('v', -0.5, FP)).toBe(T - 4096);
    expect(encodeFixed('v', 1 / 3, FP)).toBe(2731); // 2730.67 rounds up
    expect(encodeFixed('v', -1e-9, FP)).toBe(0); // −0 becomes 0
    expect(Object.is(encodeFixed('v', -1e-9, FP), 0)).toBe(true);
    expect(Array.from(encodeFixedVector('d', [2, -2], FP))).toEqual([16384, T - 16384]);
  });

  it('decodes residues back, centred, at scale 2^f or 2^(2f)', () => {
    expect(decodeFixed(4096, T, 13)).toBe(0.5);
    expect(decodeFixed(T - 4096, T, 13)).toBe(-0.5);
    expect(decodeFixed(T - 2 ** 26, T, 26)).toBe(-1);
    expect(centered(T / 2, T)).toBe(-T / 2);
    expect(centered(T / 2 - 1, T)).toBe(T / 2 - 1);
  });

  it('refuses non-finite and out-of-range values, naming the parameter but not the value', () => {
    expect(code(() => encodeFixed('d[3]', Number.NaN, FP))).toBe('FM_ERR_HE_INPUT d[3] must be a finite number (got NaN)');
    expect(code(() => encodeFixed('d[3]', 9, FP, 8 * 2 ** 13 + 1))).toMatch(/^FM_ERR_HE_RANGE d\[3\]: /);
    expect(code(() => encodeFixed('d[3]', 9, FP, 8 * 2 ** 13 + 1))).not.toMatch(/9/);
    expect(code(() => encodeFixedVector('u', [0, Infinity], FP))).toMatch(/u\[1\] must be a finite number/);
  });

  it('round-trips random reals to within 2^-(f+1) (property)', () => {
    for (let i = 0; i < 10_000; i++) {
      const v = (Math.random() - 0.5) * 2000;
      expect(Math.abs(decodeFixed(encodeFixed('v', v, FP), T, 13) - v)).toBeLessThanOrEqual(2 ** -14);
    }
  });
});
