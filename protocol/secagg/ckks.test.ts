import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FedmarkError } from '../../errors/table.ts';
import { aggregateCiphertexts, ciphertextCount, CKKS_PARAMETERS, COMPACT_MAX_ABS, createCkks, generateMemberKey, loadMemberKey, type Ckks, type MemberKey } from './ckks.ts';

let ckks: Ckks;
let holder: MemberKey;

beforeAll(async () => {
  ckks = await createCkks();
  holder = generateMemberKey(ckks);
});
afterAll(() => {
  holder.dispose();
  ckks.dispose();
});

function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a * 1103515245 + 12345) % 2 ** 31;
    return a / 2 ** 31;
  };
}

describe('CKKS secure aggregation', () => {
  it('uses 4096 slots and SEAL-accepted 128-bit parameters', () => {
    expect(ckks.slots).toBe(CKKS_PARAMETERS.polyModulusDegree / 2);
    expect(ckks.context.parametersSet()).toBe(true);
    expect(ckks.dataPrimes).toBe(2);
  });

  it('decrypts the coordinator\'s sum of three members\' vectors to the plaintext sum, rounded to the grid', () => {
    const other = loadMemberKey(ckks, holder.secretKeyBytes());
    const third = loadMemberKey(ckks, holder.secretKeyBytes());
    const random = seeded(7);
    const length = 10_001; // three ciphertexts, the last one partly filled
    const vectors = [0, 1, 2].map(() => Float64Array.from({ length }, () => (random() - 0.5) * 1e3));
    vectors[1]![0] = 3e9; // a count-sized entry keeps its precision too
    const uploads = [holder, other, third].map((k, i) => ({ from: `m${i}`, blobs: k.encryptVector(vectors[i] as Float64Array) }));
    expect(uploads[0]?.blobs).toHaveLength(ciphertextCount(ckks, length));
    const sum = aggregateCiphertexts(ckks, uploads, ciphertextCount(ckks, length));
    const decrypted = other.decryptVector(sum, length);
    const grid = 2 ** -CKKS_PARAMETERS.gridBits;
    let maxErr = 0;
    for (let i = 0; i < length; i++) {
      const expected = (vectors[0]![i] as number) + (vectors[1]![i] as number) + (vectors[2]![i] as number);
      maxErr = Math.max(maxErr, Math.abs((decrypted[i] as number) - expected));
      // Rounded: every value sits on the grid.
      expect(Math.abs((decrypted[i] as number) / grid - Math.round((decrypted[i] as number) / grid))).toBeLessThan(1e-6);
    }
    expect(maxErr).toBeLessThan(4 * grid);
    other.dispose();
    third.dispose();
  });

  it('a compact aggregate (last level) is half the size and decrypts to the same sum', () => {
    const a = Float64Array.from({ length: 5000 }, (_, i) => Math.sin(i) * 100);
    const b = Float64Array.from({ length: 5000 }, (_, i) => Math.cos(i) * 1000);
    const uploads = [{ from: 'a', blobs: holder.encryptVector(a) }, { from: 'b', blobs: holder.encryptVector(b) }];
    const full = aggregateCiphertexts(ckks, uploads, 2);
    const compact = aggregateCiphertexts(ckks, uploads, 2, true);
    expect((compact[0] as Uint8Array).length).toBeLessThan(0.55 * (full[0] as Uint8Array).length);
    const got = holder.decryptVector(compact, 5000);
    for (let i = 0; i < 5000; i++) expect(Math.abs((got[i] as number) - (a[i] as number) - (b[i] as number))).toBeLessThan(1e-5);
    // A compact sum is an answer, not an upload: the coordinator refuses to add it again.
    expect(() => aggregateCiphertexts(ckks, [{ from: 'x', blobs: compact }], 2)).toThrow(/not at the data level/);
    expect(() => holder.encryptVector([COMPACT_MAX_ABS * 2], 'update', COMPACT_MAX_ABS)).toThrow(/beyond ±2\^18/);
  });

  it('uploads are seeded (about half a full ciphertext) and never contain the plaintext bytes', () => {
    const canary = Float64Array.from({ length: 64 }, (_, i) => 12345.678901 + i);
    const [blob] = holder.encryptVector(canary);
    const [agg] = aggregateCiphertexts(ckks, [{ from: 'm0', blobs: [blob as Uint8Array] }], 1);
    expect((blob as Uint8Array).length).toBeLessThan(0.55 * (agg as Uint8Array).length);
    const needle = Buffer.from(canary.buffer, 0, 8);
    expect(Buffer.from(blob as Uint8Array).includes(needle)).toBe(false);
    expect(Buffer.from(blob as Uint8Array).includes(Buffer.from('12345.678901'))).toBe(false);
  });

  it('rejects foreign bytes as key or ciphertext, naming the parameter', () => {
    const junk = new Uint8Array(200).fill(7);
    expect(() => loadMemberKey(ckks, junk, 'hfl.key from bank')).toThrow(/hfl\.key from bank is not a CKKS secret key/);
    const blobs = holder.encryptVector([1, 2, 3]);
    const cut = (blobs[0] as Uint8Array).subarray(0, 500);
    try {
      aggregateCiphertexts(ckks, [{ from: 'a', blobs }, { from: 'b', blobs: [cut] }], 1);
      expect.unreachable();
    } catch (err) {
      expect((err as FedmarkError).code).toBe('FM_ERR_HE_CIPHERTEXT');
      expect((err as FedmarkError).message).toMatch(/upload from b\[0\]/);
    }
    expect(() => aggregateCiphertexts(ckks, [{ from: 'a', blobs: [...blobs, ...blobs] }], 1)).toThrow(/upload from a/);
  });

  it('refuses values it cannot carry', () => {
    expect(() => holder.encryptVector([1, Number.NaN])).toThrow(/value 1 is not finite/);
    expect(() => holder.encryptVector([2 ** 61])).toThrow(/beyond/);
  });

  it('has nothing to serialise by accident', () => {
    expect(JSON.stringify({ key: holder })).toBe('{"key":"[MemberKey]"}');
  });
});
