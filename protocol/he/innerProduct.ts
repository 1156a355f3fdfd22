// The coefficient-packed encrypted inner product Xᵀ·Enc(d) (design note protocols.md, "Making
// X_pᵀ·Enc(d) cheap" and "One primitive, many uses"): one BFV plaintext multiplication computes
// K inner products, with no rotation. BFV as in bfv.ts (SEAL 4.1, N = 8192, t = 2^50, f = 13).
// Circuit privacy follows the re-randomise-and-flood recipe (Gentry 2009, §21; Bourse, Del Pino,
// Minelli & Wee, CRYPTO 2016).
//
// Layout: layout.ts (chunk length m, K = floor(N/m) features per plaintext; the coefficient
//   k·m + m − 1 of Σ_c Enc(d_c)·P_{g,c} is the inner product of d with feature gK + k).
//   Mask pads: mask.ts.
//
// Steps (numbered as in the design note's vertical LR):
//   1. host k: encryptVector(¼·u_k) → Enc(¼u_k) chunks, sent to the guest.
//   2. guest: addVectors over hosts, then addPlain(¼·u_G + ½ − y) → Enc(d), sent to each host.
//   3. party p: packFeatures(X_p) once per job (plaintexts kept in NTT form, or, above a memory
//      budget, built again chunk by chunk at each product), then per step
//      encryptedXtD(Enc(d), packed) → one ciphertext per feature group, each through maskResult:
//      add a fresh encryption of a uniform mask polynomial R over Z_t (re-randomises c1 and masks
//      every coefficient), add flooding noise E uniform in [−2^116, 2^116) to c0, switch to the
//      last level, serialise. prepareMask does the expensive part ahead of time.
//   4. arbiter: arbiterDecrypt(bytes, positions) → masked values mod t; party: unmask → Xᵀd.
//
// What each role learns:
//   host — Enc(d) only (RLWE ciphertexts); its own Xᵀd.   guest — Enc(¼u_k) only; its own Xᵀd.
//   arbiter — (Xᵀd + R) mod t at the requested positions: uniform, since R is uniform over Z_t and
//   never reused. The ciphertext itself: c1 is re-randomised by Enc(R) (pseudo-random under RLWE;
//   without it, c1 = Σ_c c1_c·P_{g,c} would show e.g. which P are zero). The noise of c0 + c1·s,
//   which the key holder can compute and which depends on X (Σ_c v_c·P_{g,c}), is flooded by E:
//   its worst-case bound V ≤ (H + 1)·2^18.4·(Σ|x̃| + chunks) for H hosts (fresh noise ≤ 21·(2N+1)
//   per public-key encryption, SEAL's centred-binomial error being ≤ 21; one encryption per host
//   summed into d; 2^22.4 for 15 hosts, 2^24.4 for 63) is checked in packFeatures with the job's
//   actual host count so that N·V/2^117 ≤ 2^-40: each result ciphertext is within
//   statistical distance 2^-40 of one whose noise does not depend on X. Switching to the last
//   level then re-rounds what is left.
//   Randomness for R and E is injectable (`random`); SEAL's own encryption randomness is not.

import type { Ciphertext, Plaintext } from 'node-seal';
import { FedmarkError } from '../../errors/table.ts';
import { BFV_PARAMETERS, deserializeCiphertext, disposeAll, modSwitchToLast, serializeCiphertext, type ArbiterSecret, type Bfv, type Compression, type PartyKey } from './bfv.ts';
import { checkInteger, checkNumbers, describe, inputError } from './check.ts';
import { runWhole, type Chunked } from './chunked.ts';
import { ciphertextBytes, ciphertextFromBytes, coefficientsOf, encodeFixed, plaintextFromCoefficients } from './coefficients.ts';
import { groupCount, packCoefficients, type Layout } from './layout.ts';
import { prepareMask, type MaskPad } from './mask.ts';
import { osRandom, type RandomBytes } from './random.ts';

// The whole primitive from one module.
export { LAYOUT_COSTS, estimateLayout, groupCount, makeLayout, packCoefficients, recommendChunkLength, resultPositions } from './layout.ts';
export type { Layout, LayoutEstimate } from './layout.ts';
export { floodingResidues, prepareMask, uniformMasks } from './mask.ts';
export type { MaskPad } from './mask.ts';

// ---- vectors: Enc(u_k), Enc(d) -----------------------------------------------------------------

function checkLayout(bfv: Bfv, layout: Layout): void {
  if (typeof layout !== 'object' || layout === null || layout.N !== bfv.N) throw inputError('layout', `a layout for N = ${bfv.N} (makeLayout)`, describe(layout));
}

function chunkResidues(bfv: Bfv, param: string, values: ArrayLike<number>, layout: Layout, c: number): Float64Array {
  const start = c * layout.m;
  const end = Math.min(start + layout.m, layout.rows);
  const limit = bfv.maxAbsD * 2 ** bfv.fractionalBits + 1;
  const out = new Float64Array(end - start);
  for (let i = start; i < end; i++) out[i - start] = encodeFixed(`${param}[${i}]`, values[i] as number, bfv, limit);
  return out;
}

/**
 * Step 1 (a host's ¼·u_k) or any vector of `layout.rows` reals with |v| ≤ maxAbsD: encrypts it in
 * fixed point, m values per ciphertext, under the arbiter's public key. The caller deletes the
 * ciphertexts (disposeAll).
 */
export function encryptVector(bfv: Bfv, key: PartyKey, values: ArrayLike<number>, layout: Layout): Ciphertext[] {
  return runWhole(encryptVectorSteps(bfv, key, values, layout));
}

/** encryptVector one chunk at a time (chunked.ts); the inputs are checked at the first step. */
export function* encryptVectorSteps(bfv: Bfv, key: PartyKey, values: ArrayLike<number>, layout: Layout): Chunked<Ciphertext[]> {
  checkLayout(bfv, layout);
  checkNumbers('values', values, layout.rows);
  const out: Ciphertext[] = [];
  try {
    for (let c = 0; c < layout.chunks; c++) {
      const pt = plaintextFromCoefficients(bfv.seal, bfv.context, chunkResidues(bfv, 'values', values, layout, c), bfv.t, bfv.N);
      try {
        out.push(key.encrypt(pt));
      } finally {
        pt.delete();
      }
      yield;
    }
  } catch (err) {
    disposeAll(out);
    throw err;
  }
  return out;
}

function checkVector(bfv: Bfv, param: string, cts: unknown, layout: Layout): Ciphertext[] {
  if (!Array.isArray(cts) || cts.length !== layout.chunks) throw inputError(param, `${layout.chunks} ciphertexts (one per chunk)`, describe(cts));
  for (let c = 0; c < cts.length; c++) {
    const ct = cts[c] as Ciphertext;
    if (typeof ct !== 'object' || ct === null || typeof ct.coeffModulusSize !== 'function' || ct.isDeleted()) {
      throw inputError(`${param}[${c}]`, 'a live SEAL ciphertext', describe(ct));
    }
    if (ct.size() !== 2 || ct.isNttForm() || ct.coeffModulusSize() !== bfv.firstL) {
      throw new FedmarkError('FM_ERR_HE_CIPHERTEXT', { param: `${param}[${c}]`, reason: 'expected a size-2 ciphertext at the first level, not in NTT form' });
    }
  }
  return cts as Ciphertext[];
}

/** Step 2 (guest): target[c] += other[c] for every chunk, in place (Σ_k Enc(¼u_k)). */
export function addVectors(bfv: Bfv, target: Ciphertext[], other: Ciphertext[], layout: Layout): void {
  checkLayout(bfv, layout);
  checkVector(bfv, 'target', target, layout);
  checkVector(bfv, 'other', other, layout);
  for (let c = 0; c < layout.chunks; c++) bfv.evaluator.addInplace(target[c] as Ciphertext, other[c] as Ciphertext);
}

/** Step 2 (guest): adds the plaintext vector `values` (e.g. ¼u_G + ½ − y) to Enc(·) in place. */
export function addPlain(bfv: Bfv, cts: Ciphertext[], values: ArrayLike<number>, layout: Layout): void {
  runWhole(addPlainSteps(bfv, cts, values, layout));
}

/** addPlain one chunk at a time (chunked.ts); every input is checked before the first chunk changes. */
export function* addPlainSteps(bfv: Bfv, cts: Ciphertext[], values: ArrayLike<number>, layout: Layout): Chunked<void> {
  checkLayout(bfv, layout);
  checkVector(bfv, 'cts', cts, layout);
  checkNumbers('values', values, layout.rows);
  for (let c = 0; c < layout.chunks; c++) {
    const pt = plaintextFromCoefficients(bfv.seal, bfv.context, chunkResidues(bfv, 'values', values, layout, c), bfv.t, bfv.N);
    try {
      bfv.evaluator.addPlainInplace(cts[c] as Ciphertext, pt);
    } finally {
      pt.delete();
    }
    yield;
  }
}

// ---- features ----------------------------------------------------------------------------------

/**
 * A party's features packed for encryptedXtD. The plaintexts P_{g,c} (NTT form, first level) are
 * either kept across products (`cached`) or, when they would take more than the pack's cacheBytes,
 * built from X chunk by chunk at each product and freed at once: the same plaintexts, so the same
 * results bit for bit, at the price of building them again every time.
 */
export interface PackedFeatures {
  readonly layout: Layout;
  readonly cols: number;
  readonly groups: number;
  readonly cached: boolean;
  /** WebAssembly bytes the kept plaintexts hold (0 when streamed). */
  readonly cachedBytes: number;
  /**
   * P_{g,c}, or undefined when it is zero. Streamed packs build a new plaintext, which the caller
   * deletes; cached ones return the kept plaintext, which only dispose() deletes.
   */
  plaintext(g: number, c: number): Plaintext | undefined;
  /** Worst-case statistical hiding of the flooding per result ciphertext, in bits (≥ 40 is enforced). */
  readonly floodingSecurityBits: number;
  dispose(): void;
}

/**
 * The default bound on the plaintexts a pack keeps: 1 GiB of WebAssembly heap, about 33 million
 * (row, feature) cells (32 bytes each: N coefficients × 4 primes × 8 bytes per plaintext of about
 * N cells), so FATE's 100k × 300 shape (645 MB on its 70,000 training rows) keeps its plaintexts
 * across epochs. Above it (700k × 300 training rows would need 6.4 GB, beyond what wasm32
 * addresses) plaintexts are streamed: building one (its NTT, ~3 ms here) costs about three
 * times the product it serves, once per epoch.
 */
export const PACK_CACHE_BYTES = 2 ** 30;

/** The WebAssembly bytes keeping every plaintext of a pack would take (zero plaintexts included). */
export function packedBytes(bfv: Pick<Bfv, 'N' | 'firstL'>, layout: Layout, cols: number): number {
  return groupCount(layout, cols) * layout.chunks * bfv.firstL * bfv.N * 8;
}

/**
 * Noise in Enc(d): one fresh public-key encryption per host, ≤ 21·(2N + 1) each (SEAL's CBD error,
 * |e| ≤ 21), plus the rounding of the guest's plaintext part: ≤ (hosts + 1)·(21·(2N + 1) + 1).
 */
const LOG2_D_NOISE = (N: number, hosts: number): number => Math.log2((hosts + 1) * (21 * (2 * N + 1) + 1));

/**
 * Each party's share of the range of d = Σ_k ¼u_k + (¼u_G + ½ − y): nobody sees d, so |d| ≤ maxAbsD,
 * which packFeatures' inner-product bound assumes, holds only if every one of the hosts + 1
 * parties keeps its |¼u_p| within (maxAbsD − ½)/(hosts + 1) on the batch's rows.
 */
export function quarterScoreShare(maxAbsD: number, hosts: number): number {
  checkInteger('hosts', hosts, 1, 1024);
  return (maxAbsD - 0.5) / (hosts + 1);
}

/**
 * Step 3, once per job: checks X (finite; every column's Σ|round(x·2^f)| small enough that no inner
 * product with |d| ≤ maxAbsD leaves (−t/2, t/2), and that flooding hides the product noise of an
 * Enc(d) summed from `hosts` encryptions) and packs it. X is row-major, rows × cols, rows = layout.rows. Memory: 32 bytes per (row, feature)
 * of WebAssembly heap (NTT form, 4 primes) — 0.96 GB for 100k × 300 — when that fits
 * `options.cacheBytes` (default PACK_CACHE_BYTES); otherwise none, and X is kept by reference (not
 * copied: it must not change until dispose()). dispose() frees the plaintexts.
 */
export function packFeatures(bfv: Bfv, X: Float64Array | Float32Array, rows: number, cols: number, layout: Layout, hosts: number, options: { cacheBytes?: number } = {}): PackedFeatures {
  checkLayout(bfv, layout);
  checkInteger('hosts', hosts, 1, 1024);
  if (!(X instanceof Float64Array) && !(X instanceof Float32Array)) throw inputError('X', 'a row-major Float64Array or Float32Array', describe(X));
  checkInteger('rows', rows, layout.rows, layout.rows);
  checkInteger('cols', cols, 1, 2 ** 20);
  if (X.length !== rows * cols) throw inputError('X', `rows × cols = ${rows * cols} values`, `${X.length}`);
  const scale = 2 ** bfv.fractionalBits;
  const l1 = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const x = X[i * cols + j] as number;
      if (!Number.isFinite(x)) throw inputError(`X row ${i}, column ${j}`, 'a finite number (impute missing values first)', 'a non-finite value');
      l1[j] = (l1[j] as number) + Math.abs(Math.round(x * scale));
    }
  }
  // The inner product bound: maxAbsD·2^f·Σ_i|x̃_i| < t/2.
  const dScaled = bfv.maxAbsD * scale;
  for (let j = 0; j < cols; j++) {
    if (dScaled * (l1[j] as number) >= bfv.t / 2) {
      throw new FedmarkError('FM_ERR_HE_RANGE', {
        param: `X column ${j}`,
        reason: `Σ|x| is too large for the fixed-point range (need Σ|x| < 2^${(Math.log2(bfv.t / 2 / dScaled) - bfv.fractionalBits).toFixed(1)} with |d| ≤ ${bfv.maxAbsD}, f = ${bfv.fractionalBits}); standardise the column`,
      });
    }
  }
  const groups = groupCount(layout, cols);
  let floodingSecurityBits = Infinity;
  for (let g = 0; g < groups; g++) {
    let sum = 0;
    for (let j = g * layout.k; j < Math.min((g + 1) * layout.k, cols); j++) sum += l1[j] as number;
    // Shifting a uniform variable on [−2^b, 2^b) by at most V moves it by statistical distance
    // ≤ V/2^(b+1) per coefficient, N·V/2^(b+1) per ciphertext.
    const noiseBits = LOG2_D_NOISE(bfv.N, hosts) + Math.log2(Math.max(sum, 1) + layout.chunks);
    floodingSecurityBits = Math.min(floodingSecurityBits, bfv.floodBits + 1 - noiseBits - Math.log2(bfv.N));
  }
  if (floodingSecurityBits < BFV_PARAMETERS.statisticalSecurityBits) {
    throw new FedmarkError('FM_ERR_HE_RANGE', { param: 'X', reason: `flooding would hide the product noise by only ${floodingSecurityBits.toFixed(1)} bits; use a larger chunk length m (fewer features per plaintext)` });
  }
  const cacheBytes = checkInteger('options.cacheBytes', options.cacheBytes ?? PACK_CACHE_BYTES, 0, Number.MAX_SAFE_INTEGER);
  const build = (g: number, c: number): Plaintext | undefined => {
    const coeffs = packCoefficients(bfv, X, rows, cols, layout, g, c);
    if (coeffs === undefined) return undefined;
    const pt = plaintextFromCoefficients(bfv.seal, bfv.context, coeffs, bfv.t, bfv.N);
    try {
      bfv.evaluator.plainTransformToNttInplace(pt, bfv.firstParmsId);
    } catch (err) {
      pt.delete();
      throw err;
    }
    return pt;
  };
  const common = { layout, cols, groups, floodingSecurityBits };
  const bytes = packedBytes(bfv, layout, cols);
  if (bytes > cacheBytes) return Object.freeze({ ...common, cached: false, cachedBytes: 0, plaintext: build, dispose() {} });
  const plaintexts: (Plaintext | undefined)[] = [];
  try {
    for (let g = 0; g < groups; g++) for (let c = 0; c < layout.chunks; c++) plaintexts.push(build(g, c));
  } catch (err) {
    for (const pt of plaintexts) pt?.delete();
    throw err;
  }
  return Object.freeze({
    ...common,
    cached: true,
    cachedBytes: bytes,
    plaintext: (g: number, c: number) => plaintexts[g * layout.chunks + c],
    dispose() {
      for (const pt of plaintexts) if (pt !== undefined && !pt.isDeleted()) pt.delete();
    },
  });
}

function zeroCiphertext(bfv: Bfv): Ciphertext {
  const zero = new Float64Array(bfv.firstL * bfv.N);
  return ciphertextFromBytes(bfv.seal, bfv.context, ciphertextBytes(bfv.firstParmsIdValues, bfv.N, bfv.firstL, [zero, zero]));
}

/**
 * Step 3, per step: Σ_c Enc(d_c)·P_{g,c} for every feature group g — one plaintext multiplication
 * per nonzero (chunk, group), summed in NTT form, no rotation. Result g holds, at coefficient
 * k·m + m − 1, Σ_i d_i·x_{i, gK+k}·2^(2f) mod t; every other coefficient is data-dependent garbage,
 * so results must go through maskResult before leaving the party. ctsOfD is not modified. The
 * caller owns the results (first level, not NTT). A group whose plaintexts are all zero yields an
 * all-zero (transparent) ciphertext, which maskResult turns into a proper encryption.
 */
export function encryptedXtD(bfv: Bfv, ctsOfD: Ciphertext[], packed: PackedFeatures): Ciphertext[] {
  return runWhole(encryptedXtDSteps(bfv, ctsOfD, packed));
}

/** encryptedXtD one chunk of d at a time (chunked.ts); the inputs are checked at the first step. */
export function* encryptedXtDSteps(bfv: Bfv, ctsOfD: Ciphertext[], packed: PackedFeatures): Chunked<Ciphertext[]> {
  const { layout, groups } = packed;
  checkLayout(bfv, layout);
  checkVector(bfv, 'ctsOfD', ctsOfD, layout);
  const { evaluator, seal } = bfv;
  const acc: (Ciphertext | undefined)[] = new Array<Ciphertext | undefined>(groups).fill(undefined);
  const tmp = new seal.Ciphertext();
  const dNtt = new seal.Ciphertext();
  try {
    for (let c = 0; c < layout.chunks; c++) {
      evaluator.cipherTransformToNtt(ctsOfD[c] as Ciphertext, dNtt);
      for (let g = 0; g < groups; g++) {
        const pt = packed.plaintext(g, c);
        if (pt === undefined) continue;
        try {
          const a = acc[g];
          if (a === undefined) {
            const fresh = new seal.Ciphertext();
            acc[g] = fresh;
            evaluator.multiplyPlain(dNtt, pt, fresh);
          } else {
            evaluator.multiplyPlain(dNtt, pt, tmp);
            evaluator.addInplace(a, tmp);
          }
        } finally {
          if (!packed.cached) pt.delete();
        }
      }
      yield;
    }
    return acc.map((a) => {
      if (a === undefined) return zeroCiphertext(bfv);
      evaluator.cipherTransformFromNttInplace(a);
      return a;
    });
  } catch (err) {
    for (const a of acc) a?.delete();
    throw err;
  } finally {
    tmp.delete();
    dNtt.delete();
  }
}

// ---- masking -----------------------------------------------------------------------------------

export interface MaskedResult {
  /** The ciphertext for the arbiter: masked, re-randomised, flooded, at the last level. */
  bytes: Uint8Array;
  /** The coefficients the party wants back (sent along to the arbiter). */
  positions: number[];
  /** The masks at those positions; stay at the party. */
  masks: Float64Array;
}

/**
 * Step 3, before anything leaves the party: masks one result of encryptedXtD (see the header).
 * Consumes `ct` and the pad (both deleted). positions: the coefficients to request
 * (resultPositions). With no `pad`, one is prepared now from `random`.
 */
export function maskResult(
  bfv: Bfv,
  key: PartyKey,
  ct: Ciphertext,
  positions: readonly number[],
  options: { pad?: MaskPad; random?: RandomBytes; compression?: Compression } = {},
): MaskedResult {
  try {
    if (!Array.isArray(positions) || positions.length === 0) throw inputError('positions', 'a non-empty array of coefficient indices', describe(positions));
    positions.forEach((p, i) => checkInteger(`positions[${i}]`, p, 0, bfv.N - 1));
    if (ct.size() !== 2 || ct.isNttForm() || ct.coeffModulusSize() !== bfv.firstL) {
      throw new FedmarkError('FM_ERR_HE_CIPHERTEXT', { param: 'ct', reason: 'expected a result of encryptedXtD (size 2, first level, not NTT)' });
    }
    if (options.pad !== undefined && options.pad.ct.isDeleted()) throw inputError('pad', 'an unused mask pad (each pad masks one result)', 'a used pad');
    const pad = options.pad ?? prepareMask(bfv, key, options.random ?? osRandom);
    try {
      bfv.evaluator.addInplace(ct, pad.ct);
    } finally {
      pad.ct.delete();
    }
    modSwitchToLast(bfv, ct);
    return {
      bytes: serializeCiphertext(bfv, ct, options.compression ?? 'none'),
      positions: [...positions],
      masks: Float64Array.from(positions, (p) => pad.masks[p] as number),
    };
  } finally {
    ct.delete();
    if (options.pad !== undefined && !options.pad.ct.isDeleted()) options.pad.ct.delete();
  }
}

// ---- arbiter and unmasking ---------------------------------------------------------------------

/**
 * The arbiter's check that a ciphertext carries a step's mask: at coefficients it picks afresh for
 * each request (`spots`, which the party cannot know in advance), a result masked by a uniform R
 * holds uniform residues, so a centred residue below t/2^smallBits turns up at about 1 spot in
 * 2^(smallBits−1). An unmasked Enc(d), Enc(¼u_k) or product holds small values (|d|·2^f ≤ 2^16)
 * or zeros there. With 256 spots and at most 64 small ones allowed, a masked result is refused
 * with probability below 2^-200 and an unmasked one always.
 */
export const MASK_CHECK = Object.freeze({ spots: 256, maxSmall: 64, smallBits: 8 });

export interface CheckedDecryption {
  /** The coefficients at the requested positions, residues in [0, t). */
  values: Float64Array;
  /** How many of the spots hold a residue within t/2^smallBits of zero. */
  smallAtSpots: number;
}

/**
 * Step 4, arbiter: decrypts a masked result and returns its coefficients at `positions`, residues
 * in [0, t) (uniform to the arbiter), and how many of `spots` look unmasked (MASK_CHECK).
 * FM_ERR_HE_CIPHERTEXT for bad bytes, FM_ERR_HE_NOISE when the noise budget is exhausted (e.g.
 * encrypted under another key).
 */
export function arbiterDecryptChecked(bfv: Bfv, secret: ArbiterSecret, masked: Uint8Array, positions: readonly number[], spots: readonly number[], param = 'masked'): CheckedDecryption {
  if (!Array.isArray(positions) || positions.length === 0) throw inputError('positions', 'a non-empty array of coefficient indices', describe(positions));
  positions.forEach((p, i) => checkInteger(`positions[${i}]`, p, 0, bfv.N - 1));
  spots.forEach((p, i) => checkInteger(`spots[${i}]`, p, 0, bfv.N - 1));
  const ct = deserializeCiphertext(bfv, masked, param, 'last');
  let pt: Plaintext | undefined;
  try {
    const budget = secret.noiseBudget(ct);
    if (budget <= 0) throw new FedmarkError('FM_ERR_HE_NOISE', { param, budget });
    pt = secret.decrypt(ct);
    const coeffs = coefficientsOf(pt, bfv.N, bfv.seal);
    const small = bfv.t / 2 ** MASK_CHECK.smallBits;
    let smallAtSpots = 0;
    for (const p of spots) {
      const v = coeffs[p] as number;
      if (v < small || bfv.t - v <= small) smallAtSpots++;
    }
    return { values: Float64Array.from(positions, (p) => coeffs[p] as number), smallAtSpots };
  } finally {
    pt?.delete();
    ct.delete();
  }
}

/** arbiterDecryptChecked without the mask check (tests, benchmarks). */
export function arbiterDecrypt(bfv: Bfv, secret: ArbiterSecret, masked: Uint8Array, positions: readonly number[], param = 'masked'): Float64Array {
  return arbiterDecryptChecked(bfv, secret, masked, positions, [], param).values;
}

/** Step 4, party: (value − mask) mod t, centred, at scale 2^(2f): the real inner products. */
export function unmask(bfv: Pick<Bfv, 't' | 'fractionalBits'>, values: ArrayLike<number>, masks: ArrayLike<number>): Float64Array {
  checkNumbers('values', values);
  checkNumbers('masks', masks, values.length);
  const { t } = bfv;
  const scale = 2 ** (2 * bfv.fractionalBits);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = checkInteger(`values[${i}]`, values[i], 0, t - 1);
    const r = checkInteger(`masks[${i}]`, masks[i], 0, t - 1);
    let diff = v - r;
    if (diff < 0) diff += t;
    out[i] = (diff >= t / 2 ? diff - t : diff) / scale;
  }
  return out;
}
