import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Ciphertext } from 'node-seal';
import { disposeAll, generateArbiterKeys, serializeCiphertext } from './bfv.ts';
import { coefficientsOf, encodeFixed } from './coefficients.ts';
import {
  addPlain,
  addVectors,
  arbiterDecrypt,
  encryptVector,
  encryptedXtD,
  makeLayout,
  maskResult,
  packFeatures,
  packedBytes,
  prepareMask,
  quarterScoreShare,
  resultPositions,
  unmask,
  type Layout,
} from './innerProduct.ts';
import { seededRandom } from './random.ts';
import { failure, rng, useBfv } from './testing.fixture.ts';

const T = 2 ** 50;

describe('coefficient-packed inner product (BFV)', () => {
  const he = useBfv();

  /** Runs steps 3–4 for every group; returns the unmasked Xᵀd and what the arbiter saw. */
  function xtd(cts: Ciphertext[], X: Float64Array, rows: number, cols: number, layout: Layout, seed = 'test') {
    const packed = packFeatures(he.bfv, X, rows, cols, layout, 1);
    const results = encryptedXtD(he.bfv, cts, packed);
    packed.dispose();
    const out: number[] = [];
    const seen: number[] = [];
    const budgets: number[] = [];
    results.forEach((ct, g) => {
      const features = Math.min(layout.k, cols - g * layout.k);
      const masked = maskResult(he.bfv, he.party, ct, resultPositions(layout, features), { random: seededRandom(`${seed}/${g}`) });
      const values = arbiterDecrypt(he.bfv, he.keys.secret, masked.bytes, masked.positions);
      const back: Ciphertext | undefined = new he.bfv.seal.Ciphertext();
      back?.loadFromArray(he.bfv.context, masked.bytes);
      if (back) budgets.push(he.keys.secret.noiseBudget(back));
      back?.delete();
      seen.push(...values);
      out.push(...unmask(he.bfv, values, masked.masks));
    });
    return { out, seen, budgets };
  }

  /** Σ_i round(d_i·2^f)·round(x_i·2^f) exactly, as BigInt, per column. */
  function exactProducts(d: ArrayLike<number>, X: Float64Array, rows: number, cols: number): bigint[] {
    const s = 2 ** he.bfv.fractionalBits;
    return Array.from({ length: cols }, (_, j) => {
      let acc = 0n;
      for (let i = 0; i < rows; i++) acc += BigInt(Math.round((d[i] as number) * s)) * BigInt(Math.round((X[i * cols + j] as number) * s));
      return acc;
    });
  }

  it('computes a hand-worked tiny case exactly: d = (0.5, −1, 2), X = [[1, 2], [3, −1], [0.25, 4]] → (−2, 10)', () => {
    const layout = makeLayout(he.bfv.N, 3, 4);
    const cts = encryptVector(he.bfv, he.party, [0.5, -1, 2], layout);
    const X = Float64Array.from([1, 2, 3, -1, 0.25, 4]);
    const { out, seen } = xtd(cts, X, 3, 2, layout);
    // d·x1 = 0.5 − 3 + 0.5 = −2;  d·x2 = 1 + 1 + 8 = 10 (all exactly representable with f = 13).
    expect(out).toEqual([-2, 10]);
    // The arbiter saw neither the true residues (t − 2·2^26 and 10·2^26) nor anything near them.
    expect(seen).not.toContain(T - 2 * 2 ** 26);
    expect(seen).not.toContain(10 * 2 ** 26);
    disposeAll(cts);
  });

  it('equals the plaintext Xᵀd for random data, exactly in fixed point and within the derived tolerance (property)', () => {
    const random = rng(42);
    const shapes: [number, number, number][] = [
      [1, 1, 1],
      [5, 3, 8192],
      [300, 7, 64],
      [2000, 11, 1000],
      [9000, 4, 4096],
      [20_000, 3, 8192],
    ];
    for (const [rows, cols, m] of shapes) {
      const layout = makeLayout(he.bfv.N, rows, m);
      const d = Float64Array.from({ length: rows }, () => random() * 4 - 2);
      const X = Float64Array.from({ length: rows * cols }, () => (random() * 2 - 1) * (random() < 0.01 ? 10 : 2));
      const cts = encryptVector(he.bfv, he.party, d, layout);
      const { out, budgets } = xtd(cts, X, rows, cols, layout, `p/${rows}`);
      const exact = exactProducts(d, X, rows, cols);
      for (let j = 0; j < cols; j++) {
        // Exact: BFV arithmetic on the fixed-point integers is exact.
        expect(out[j]).toBe(Number(exact[j]) / 2 ** 26);
        // Tolerance: |Σ d·x − Σ d̃·x̃/2^2f| ≤ 2^-(f+1)·Σ(|d_i| + |x_i|) + n·2^-(2f+2).
        let plain = 0;
        let tol = rows * 2 ** -28;
        for (let i = 0; i < rows; i++) {
          plain += (d[i] as number) * (X[i * cols + j] as number);
          tol += 2 ** -14 * (Math.abs(d[i] as number) + Math.abs(X[i * cols + j] as number));
        }
        expect(Math.abs((out[j] as number) - plain)).toBeLessThanOrEqual(tol);
      }
      for (const b of budgets) expect(b).toBeGreaterThanOrEqual(4);
      disposeAll(cts);
    }
  });

  it('builds Enc(d) = Σ_k Enc(¼u_k) + encode(¼u_G + ½ − y) correctly (encryptVector, addVectors, addPlain)', () => {
    const rows = 10_000;
    const layout = makeLayout(he.bfv.N, rows, 3000);
    const random = rng(7);
    const u1 = Float64Array.from({ length: rows }, () => (random() - 0.5) * 3);
    const u2 = Float64Array.from({ length: rows }, () => (random() - 0.5) * 3);
    const plain = Float64Array.from({ length: rows }, () => (random() - 0.5) * 3);
    const enc1 = encryptVector(he.bfv, he.party, u1, layout);
    const enc2 = encryptVector(he.bfv, he.party, u2, layout);
    addVectors(he.bfv, enc1, enc2, layout);
    addPlain(he.bfv, enc1, plain, layout);
    const fp = { t: T, fractionalBits: 13 };
    for (let c = 0; c < layout.chunks; c++) {
      const pt = he.keys.secret.decrypt(enc1[c] as Ciphertext);
      const coeffs = coefficientsOf(pt, he.bfv.N, he.bfv.seal);
      pt.delete();
      for (let i = 0; i < layout.m; i++) {
        const r = c * layout.m + i;
        const want = r < rows ? (encodeFixed('u1', u1[r] as number, fp) + encodeFixed('u2', u2[r] as number, fp) + encodeFixed('p', plain[r] as number, fp)) % T : 0;
        if (coeffs[i] !== want) throw new Error(`chunk ${c} coefficient ${i}`);
      }
      expect(coeffs.subarray(layout.m).every((v) => v === 0)).toBe(true);
    }
    disposeAll([...enc1, ...enc2]);
  });

  it('streams the plaintexts of a pack above its cache budget, with the same products bit for bit as the cached pack', () => {
    const rows = 3000;
    const cols = 21;
    const layout = makeLayout(he.bfv.N, rows, 512);
    const random = rng(15);
    const d = Float64Array.from({ length: rows }, () => random() * 4 - 2);
    // A column of zeros in one chunk's rows gives zero plaintexts, which both paths skip.
    const X = Float64Array.from({ length: rows * cols }, (_, k) => (Math.floor(k / cols) < 600 && k % cols === 4 ? 0 : random() * 2 - 1));
    const cts = encryptVector(he.bfv, he.party, d, layout);
    const bytes = packedBytes(he.bfv, layout, cols);
    expect(bytes).toBe(2 * 6 * he.bfv.firstL * he.bfv.N * 8);
    const cached = packFeatures(he.bfv, X, rows, cols, layout, 1, { cacheBytes: bytes });
    const streamed = packFeatures(he.bfv, X, rows, cols, layout, 1, { cacheBytes: bytes - 1 });
    expect([cached.cached, cached.cachedBytes, streamed.cached, streamed.cachedBytes]).toEqual([true, bytes, false, 0]);
    const fromCache = encryptedXtD(he.bfv, cts, cached);
    const fromStream = encryptedXtD(he.bfv, cts, streamed);
    // Twice from the stream: each product builds its plaintexts afresh from X.
    const again = encryptedXtD(he.bfv, cts, streamed);
    const digests = (results: Ciphertext[]) => results.map((ct) => createHash('sha256').update(serializeCiphertext(he.bfv, ct)).digest('hex'));
    expect(digests(fromStream)).toEqual(digests(fromCache));
    expect(digests(again)).toEqual(digests(fromCache));
    const exact = exactProducts(d, X, rows, cols);
    const decrypted = (results: Ciphertext[]) => results.map((ct) => {
      const pt = he.keys.secret.decrypt(ct);
      try {
        return Array.from(coefficientsOf(pt, he.bfv.N, he.bfv.seal));
      } finally {
        pt.delete();
      }
    });
    const plainCached = decrypted(fromCache);
    const plainStreamed = decrypted(fromStream);
    expect(plainStreamed.every((coeffs, g) => coeffs.every((v, i) => v === plainCached[g]?.[i]))).toBe(true);
    plainCached.forEach((coeffs, g) => {
      resultPositions(layout, Math.min(layout.k, cols - g * layout.k)).forEach((p, k) => {
        const want = exact[g * layout.k + k] as bigint;
        expect(coeffs[p]).toBe(Number(((want % BigInt(T)) + BigInt(T)) % BigInt(T)));
      });
    });
    disposeAll([...cts, ...fromCache, ...fromStream, ...again]);
    cached.dispose();
    streamed.dispose();
  });

  it('hides everything in the masked result: every coefficient the arbiter can decrypt is uniform-looking', () => {
    const rows = 4000;
    const layout = makeLayout(he.bfv.N, rows, 4096);
    const random = rng(9);
    const d = Float64Array.from({ length: rows }, () => random() * 4 - 2);
    const X = Float64Array.from({ length: rows * 2 }, () => random() * 2 - 1);
    const cts = encryptVector(he.bfv, he.party, d, layout);
    const packed = packFeatures(he.bfv, X, rows, 2, layout, 1);
    const [res] = encryptedXtD(he.bfv, cts, packed);
    packed.dispose();
    // Unmasked, the product's other coefficients carry structure (partial sums of d·x).
    const rawPt = he.keys.secret.decrypt(res as Ciphertext);
    const raw = coefficientsOf(rawPt, he.bfv.N, he.bfv.seal);
    rawPt.delete();
    const small = (v: number) => Math.abs(v >= T / 2 ? v - T : v) < 2 ** 40;
    expect(raw.filter(small).length).toBe(he.bfv.N); // all partial sums are small, i.e. far from uniform
    const masked = maskResult(he.bfv, he.party, res as Ciphertext, resultPositions(layout, 1), { random: seededRandom('uniform') });
    const everything = arbiterDecrypt(he.bfv, he.keys.secret, masked.bytes, Array.from({ length: he.bfv.N }, (_, i) => i));
    // Uniform over Z_t: P(small) = 2^41/2^50 = 2^-9, so ~16 of 8192; 40 or more has probability < 1e-7.
    expect(everything.filter(small).length).toBeLessThan(40);
    const counts = new Array<number>(16).fill(0);
    for (const v of everything) counts[Math.floor(v / 2 ** 46)]! += 1;
    expect(counts.reduce((s, c) => s + (c - 512) ** 2 / 512, 0)).toBeLessThan(40);
    expect(everything[layout.m - 1]).not.toBe(raw[layout.m - 1]);
    disposeAll(cts);
  });

  it('a fresh pad per result: two maskings of the same result look unrelated', () => {
    const layout = makeLayout(he.bfv.N, 10, 16);
    const cts = encryptVector(he.bfv, he.party, new Float64Array(10).fill(1), layout);
    const packed = packFeatures(he.bfv, new Float64Array(10).fill(1), 10, 1, layout, 1);
    const seen = [0, 1].map(() => {
      const [res] = encryptedXtD(he.bfv, cts, packed);
      const m = maskResult(he.bfv, he.party, res as Ciphertext, [15]);
      return { value: arbiterDecrypt(he.bfv, he.keys.secret, m.bytes, [15])[0], mask: m.masks[0], back: unmask(he.bfv, arbiterDecrypt(he.bfv, he.keys.secret, m.bytes, [15]), m.masks)[0] };
    });
    expect(seen[0]?.value).not.toBe(seen[1]?.value);
    expect(seen.map((s) => s.back)).toEqual([10, 10]);
    packed.dispose();
    disposeAll(cts);
  });

  it('precomputed pads (prepareMask) give the same answers', () => {
    const layout = makeLayout(he.bfv.N, 3, 4);
    const cts = encryptVector(he.bfv, he.party, [1, 2, 3], layout);
    const packed = packFeatures(he.bfv, Float64Array.from([1, 1, 1]), 3, 1, layout, 1);
    const [res] = encryptedXtD(he.bfv, cts, packed);
    const pad = prepareMask(he.bfv, he.party);
    const m = maskResult(he.bfv, he.party, res as Ciphertext, [3], { pad });
    expect(pad.ct.isDeleted()).toBe(true);
    const [again] = encryptedXtD(he.bfv, cts, packed);
    expect(failure(() => maskResult(he.bfv, he.party, again as Ciphertext, [3], { pad }))?.message).toBe('pad must be an unused mask pad (each pad masks one result) (got a used pad)');
    expect(unmask(he.bfv, arbiterDecrypt(he.bfv, he.keys.secret, m.bytes, m.positions), m.masks)).toEqual(Float64Array.from([6]));
    packed.dispose();
    disposeAll(cts);
  });

  it('an all-zero feature group still yields a proper (masked) encryption of zeros', () => {
    const layout = makeLayout(he.bfv.N, 5, 8);
    const cts = encryptVector(he.bfv, he.party, [1, 2, 3, 4, 5], layout);
    const { out, budgets } = xtd(cts, new Float64Array(10), 5, 2, layout);
    expect(out).toEqual([0, 0]);
    expect(budgets[0]).toBeGreaterThanOrEqual(4);
    disposeAll(cts);
  });

  it('a wrong key fails: results for arbiter A are refused by arbiter B (FM_ERR_HE_NOISE)', () => {
    const other = generateArbiterKeys(he.bfv);
    const layout = makeLayout(he.bfv.N, 3, 4);
    const cts = encryptVector(he.bfv, he.party, [1, 2, 3], layout);
    const packed = packFeatures(he.bfv, Float64Array.from([1, 1, 1]), 3, 1, layout, 1);
    const [res] = encryptedXtD(he.bfv, cts, packed);
    const m = maskResult(he.bfv, he.party, res as Ciphertext, [3]);
    expect(failure(() => arbiterDecrypt(he.bfv, other.secret, m.bytes, m.positions, 'result[hostA][0]'))).toEqual({
      code: 'FM_ERR_HE_NOISE',
      message: 'result[hostA][0]: noise budget exhausted (0 bits left), it cannot be decrypted correctly',
    });
    other.secret.dispose();
    packed.dispose();
    disposeAll(cts);
  });

  it('rejects tampered or truncated masked bytes at the arbiter with FM_ERR_HE_CIPHERTEXT naming the parameter', () => {
    const layout = makeLayout(he.bfv.N, 3, 4);
    const cts = encryptVector(he.bfv, he.party, [1, 2, 3], layout);
    const packed = packFeatures(he.bfv, Float64Array.from([1, 1, 1]), 3, 1, layout, 1);
    const [res] = encryptedXtD(he.bfv, cts, packed);
    const { bytes } = maskResult(he.bfv, he.party, res as Ciphertext, [3]);
    const truncated = bytes.subarray(0, 1000);
    expect(failure(() => arbiterDecrypt(he.bfv, he.keys.secret, truncated, [3], 'result[bank][2]'))?.message).toMatch(/^result\[bank\]\[2\] is not a valid ciphertext/);
    const tampered = bytes.slice();
    tampered.fill(0xff, 200, 208);
    expect(failure(() => arbiterDecrypt(he.bfv, he.keys.secret, tampered, [3]))).toMatchObject({ code: 'FM_ERR_HE_CIPHERTEXT', message: expect.stringMatching(/^masked .*ciphertext data is invalid/) });
    // A first-level ciphertext (not switched) is refused too: the arbiter only takes finished results.
    const fresh = serializeCiphertext(he.bfv, cts[0] as Ciphertext);
    expect(failure(() => arbiterDecrypt(he.bfv, he.keys.secret, fresh, [3]))?.code).toBe('FM_ERR_HE_CIPHERTEXT');
    expect(failure(() => arbiterDecrypt(he.bfv, he.keys.secret, bytes, [he.bfv.N]))?.message).toMatch(/^positions\[0\] must be an integer from 0 to 8191/);
    packed.dispose();
    disposeAll(cts);
  });

  it('checks inputs first and names them, never the value', () => {
    const layout = makeLayout(he.bfv.N, 3, 4);
    expect(failure(() => encryptVector(he.bfv, he.party, [1, 2], layout))?.message).toBe('values must be 3 values (got 2)');
    expect(failure(() => encryptVector(he.bfv, he.party, [1, 9, 2], layout))).toMatchObject({ code: 'FM_ERR_HE_RANGE', message: expect.stringMatching(/^values\[1\]: /) });
    expect(failure(() => packFeatures(he.bfv, Float64Array.from([1, Number.NaN, 3]), 3, 1, layout, 1))?.message).toMatch(/^X row 1, column 0 must be a finite number/);
    const huge = new Float64Array(3 * 2);
    huge[3] = 2e6; // column 1 has Σ|x| = 2·10^6 > 2^20 at f = 13, |d| ≤ 8
    const f = failure(() => packFeatures(he.bfv, huge, 3, 2, layout, 1));
    expect(f).toMatchObject({ code: 'FM_ERR_HE_RANGE', message: expect.stringMatching(/^X column 1: Σ\|x\| is too large/) });
    expect(f?.message).not.toMatch(/2000000|2e\+?6/);
    // Each column within range (Σ|x| = 960,000 < 2^20) but 512 of them in one group: the worst-case
    // product noise would be too large for the flooding to hide it by 40 bits.
    const wide = makeLayout(he.bfv.N, 16, 16);
    expect(failure(() => packFeatures(he.bfv, new Float64Array(16 * 512).fill(60_000), 16, 512, wide, 15))).toMatchObject({
      code: 'FM_ERR_HE_RANGE',
      message: expect.stringMatching(/^X: flooding would hide the product noise by only 3\d\.\d bits; use a larger chunk length m/),
    });
    expect(failure(() => makeLayout(he.bfv.N, 10, 0))?.message).toBe('m must be an integer from 1 to 8192 (got 0)');
    expect(failure(() => unmask(he.bfv, [T], [0]))?.message).toMatch(/^values\[0\] must be an integer from 0 to/);
    const other = makeLayout(4096, 3, 4);
    expect(failure(() => encryptVector(he.bfv, he.party, [1, 2, 3], other))?.code).toBe('FM_ERR_HE_INPUT');
    const cts = encryptVector(he.bfv, he.party, [1, 2, 3], layout);
    expect(failure(() => addPlain(he.bfv, cts.slice(0, 0), [1, 2, 3], layout))?.message).toMatch(/^cts must be 1 ciphertexts/);
    disposeAll(cts);
  });

  it('derives the flooding bound from the job\'s host count: what hides the noise of 1 host\'s Enc(d) is refused for 63', () => {
    // Each host adds one fresh encryption to Enc(d): 63 hosts carry 32 times the noise of 1 (5 bits).
    const wide = makeLayout(he.bfv.N, 16, 16);
    const X = new Float64Array(16 * 512).fill(60_000);
    const one = packFeatures(he.bfv, X, 16, 512, wide, 1);
    expect(one.floodingSecurityBits).toBeGreaterThanOrEqual(40);
    one.dispose();
    const many = failure(() => packFeatures(he.bfv, X, 16, 512, wide, 63));
    expect(many).toMatchObject({ code: 'FM_ERR_HE_RANGE', message: expect.stringMatching(/^X: flooding would hide the product noise by only 3\d\.\d bits/) });
    const small = packFeatures(he.bfv, new Float64Array(16).fill(1), 16, 1, wide, 1);
    const smallMany = packFeatures(he.bfv, new Float64Array(16).fill(1), 16, 1, wide, 63);
    expect(small.floodingSecurityBits - smallMany.floodingSecurityBits).toBeCloseTo(5, 9);
    small.dispose();
    smallMany.dispose();
  });

  it('splits the range of d between the parties, so that the sum nobody sees stays within ±maxAbsD', () => {
    expect(quarterScoreShare(8, 1)).toBe(3.75);
    expect(quarterScoreShare(8, 63)).toBe(7.5 / 64);
    // The worst case: every party at its share, and ½ − y = ±½.
    for (const hosts of [1, 2, 15, 63]) expect(quarterScoreShare(8, hosts) * (hosts + 1) + 0.5).toBeLessThanOrEqual(8);
    expect(failure(() => quarterScoreShare(8, 0))?.message).toBe('hosts must be an integer from 1 to 1024 (got 0)');
  });

  it('keeps noise budget: ~116 bits fresh, ≥ 85 after Xᵀ·Enc(d) over 3 hosts, ≥ 4 after masking, flooding and switching', () => {
    const rows = 21_000;
    const layout = makeLayout(he.bfv.N, rows, 4096);
    const random = rng(3);
    const parts = [0, 1, 2].map(() => encryptVector(he.bfv, he.party, Float64Array.from({ length: rows }, () => random() - 0.5), layout));
    const fresh = he.keys.secret.noiseBudget(parts[0]?.[0] as Ciphertext);
    expect(fresh).toBeGreaterThanOrEqual(110);
    addVectors(he.bfv, parts[0] as Ciphertext[], parts[1] as Ciphertext[], layout);
    addVectors(he.bfv, parts[0] as Ciphertext[], parts[2] as Ciphertext[], layout);
    addPlain(he.bfv, parts[0] as Ciphertext[], Float64Array.from({ length: rows }, () => random() - 0.5), layout);
    // Standardised-like features with occasional outliers up to 10.
    const X = Float64Array.from({ length: rows * 2 }, () => (random() < 0.001 ? 10 : random() * 3 - 1.5));
    const packed = packFeatures(he.bfv, X, rows, 2, layout, 1);
    expect(packed.floodingSecurityBits).toBeGreaterThanOrEqual(40);
    const [res] = encryptedXtD(he.bfv, parts[0] as Ciphertext[], packed);
    const product = he.keys.secret.noiseBudget(res as Ciphertext);
    expect(product).toBeGreaterThanOrEqual(85);
    const m = maskResult(he.bfv, he.party, res as Ciphertext, resultPositions(layout, 2));
    const back = new he.bfv.seal.Ciphertext();
    back.loadFromArray(he.bfv.context, m.bytes);
    const final = he.keys.secret.noiseBudget(back);
    expect(final).toBeGreaterThanOrEqual(4);
    back.delete();
    packed.dispose();
    for (const p of parts) disposeAll(p);
    // Measured here: 116, 95 and 7 bits (bfv.ts's header).
  });
});
