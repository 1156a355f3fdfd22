// Encrypted gradient histograms for vertical gradient-boosted trees (SecureBoost class: Cheng et
// al., IEEE Intelligent Systems 2021; design note protocols.md, "Vertical gradient-boosted trees:
// cost model and choices"), on the coefficient-packed BFV of bfv.ts (SEAL 4.1, N = 8192,
// t = 2^50), rotation-free like innerProduct.ts, with its masking (mask.ts, maskResult).
//
// Packing (histogramLayout.ts): the guest's value of row i is v_i = G_i·2^k + H_i, G and H the
//   tree's fixed-point gradient and hessian (models/vertical/gbdt/quantize.ts), k = bitLength(ΣH)
//   of the vector, so any sum S of v's splits back into ΣH = S mod 2^k and ΣG = (S − ΣH)/2^k as
//   long as |S| < t/2: packGradients checks (Σ|G| + 1)·2^k ≤ 2^HISTOGRAM_CAPACITY_BITS, which
//   bounds every subset's sum, so one coefficient carries both sums for any bin.
//   L rows of v per ciphertext (coefficients 0 … L − 1). A host's columns give global bins
//   J = offset(column) + code; result ciphertext g holds bins gT … gT + T − 1, T = ⌊N/L⌋, and
//   P_{g,c}(X) = Σ_{rows r of chunk c} Σ_{columns with J in group g} X^{L·(J − gT) + L − 1 − r}
//   puts Σ_{rows in bin J} v at coefficient L·(J − gT) + L − 1 of Σ_c Enc(v_c)·P_{g,c}: other terms
//   of the same bin land within L − 1 of it, never on another bin's position, and the negacyclic
//   wrap only reaches coefficients below L − 1 (histogramLayout.test.ts checks it on plain
//   polynomials). A column may span two groups. Coefficients of P are 0/1.
//
// Steps:
//   1. guest: packGradients(G, H) → residues, k; encryptGradients → ⌈n/L⌉ first-level
//      ciphertexts under the key holder's public key. The rows are the node's (repacked: the host
//      is told their order) or all rows with zeros outside the node (the host never learns the
//      node's rows; then its plaintexts are the same for every node and tree: `cache`).
//   2. host: packBins(codes, order) once per order; encryptedHistogram → one ciphertext per group
//      (one plaintext product per non-empty (chunk, group), summed in NTT form; on worker threads,
//      byte for byte the same: histogramPool.ts), then each through
//      innerProduct.ts's maskResult with histogramPositions: a fresh Enc(R) with R uniform over
//      Z_t on every coefficient, flooding E uniform in [−2^116, 2^116) on c0, switched to the last
//      level. The host sends the bytes and the masks at the result positions to the guest.
//   3. key holder (arbiter or guest): arbiterDecryptChecked at histogramPositions → masked values.
//   4. guest: decodeHistogram → (ΣG, ΣH) per bin, exact integers.
//
// What each role learns:
//   host — ciphertexts only; with repacking, which of its rows the node holds (SecureBoost's leak).
//   key holder — (S + R) mod t at the requested positions: uniform. The flooding hides the noise
//     Σ_c e_c·P_{g,c}, which depends on the host's bins, from whoever holds the key:
//     ‖e_c‖ ≤ 21·(2N + 1) + 1 (one fresh encryption, SEAL's CBD error ≤ 21, plus rounding) times
//     ‖P‖₁ summed over chunks, the (row, column) pairs of the group; packBins checks
//     N·V/2^117 ≤ 2^-40 per result. Decryption at the last level leaves ~7 bits of budget, as LR's.
//   guest — exactly the per-bin sums of its own G and H over the host's bins (which it needs to
//     find splits), nothing about rows (its masks are R at those positions only).
//   A key holder who also made the encrypted vector could craft its noise so the product's noise
//   exceeds the flooding: the key holder must not be a party whose inputs the host multiplies
//   unless it is trusted to encrypt honestly (the arbiter holds the key in the design).
// What a plaintext cache can reuse (packBins `cache`, kept in NTT form; measured with
//   benchmarks/vertical-gbdt.ts: a product costs ~0.8 ms with its plaintext cached, ~3.2 ms when the
//   plaintext is built and transformed for it): the plaintexts depend only on the host's codes and
//   the row order. Hidden-rows mode sends every node in the all-rows order, so one cache serves
//   every node of every tree of the job. Repacked mode sends each node's rows in the guest's order:
//   only the root's order (all rows, in order) recurs, once per tree; every other node's is new.
// Randomness for R and E is injectable (maskResult's `random`); SEAL's own encryption's is not.

import type { Ciphertext, Plaintext } from 'node-seal';
import { FedmarkError } from '../../errors/table.ts';
import { BFV_PARAMETERS, type Bfv, type PartyKey } from './bfv.ts';
import { checkInteger, checkNumbers, describe, inputError } from './check.ts';
import { ciphertextBytes, ciphertextFromBytes, PLAINTEXT_DATA_OFFSET, plaintextBytes, plaintextFromCoefficients } from './coefficients.ts';
import { binExponents, histogramPositions, NO_BIN_CODE, type HistogramLayout } from './histogramLayout.ts';

export { estimateHistogram, HISTOGRAM_COSTS, histogramPositions, makeHistogramLayout, NO_BIN_CODE, recommendChunkRows } from './histogramLayout.ts';
export type { HistogramCosts, HistogramEstimate, HistogramLayout } from './histogramLayout.ts';

/** log2(t/2): every packed sum must stay below it in magnitude. */
export const HISTOGRAM_CAPACITY_BITS = BFV_PARAMETERS.plainModulusBits - 1;

function bitLength(v: number): number {
  let k = v === 0 ? 0 : Math.max(0, Math.floor(Math.log2(v)));
  while (2 ** k <= v) k++;
  return k;
}

function checkLayout(bfv: Bfv, layout: HistogramLayout): void {
  if (typeof layout !== 'object' || layout === null || layout.N !== bfv.N) throw inputError('layout', `a histogram layout for N = ${bfv.N} (makeHistogramLayout)`, describe(layout));
}

// ---- step 1, guest ----------------------------------------------------------------------------

export interface PackedGradients {
  /** v_i = G_i·2^k + H_i as residues in [0, t). */
  residues: Float64Array;
  /** k: H occupies the low k bits of every sum. */
  shiftBits: number;
}

/** Packs the integers G (any sign) and H (≥ 0) of the vector's rows; FM_ERR_HE_RANGE when a sum could overflow. */
export function packGradients(bfv: Pick<Bfv, 't'>, G: ArrayLike<number>, H: ArrayLike<number>): PackedGradients {
  checkNumbers('G', G);
  checkNumbers('H', H, G.length);
  let sumAbs = 0;
  let sumH = 0;
  for (let i = 0; i < G.length; i++) {
    const g = G[i] as number;
    const h = H[i] as number;
    if (!Number.isSafeInteger(g)) throw inputError(`G[${i}]`, 'an integer (the fixed-point gradient)', describe(g));
    if (!Number.isSafeInteger(h) || h < 0) throw inputError(`H[${i}]`, 'a non-negative integer (the fixed-point hessian)', describe(h));
    sumAbs += Math.abs(g);
    sumH += h;
  }
  const k = bitLength(sumH);
  if ((sumAbs + 1) * 2 ** k > 2 ** HISTOGRAM_CAPACITY_BITS) {
    throw new FedmarkError('FM_ERR_HE_RANGE', {
      param: 'G',
      reason: `(Σ|G| + 1)·2^bitLength(ΣH) must stay within 2^${HISTOGRAM_CAPACITY_BITS} (got 2^${(Math.log2(sumAbs + 1) + k).toFixed(1)}); use fewer fractional bits`,
    });
  }
  const residues = new Float64Array(G.length);
  const { t } = bfv;
  for (let i = 0; i < G.length; i++) {
    const v = (G[i] as number) * 2 ** k + (H[i] as number);
    residues[i] = v < 0 ? v + t : v;
  }
  return { residues, shiftBits: k };
}

/** Step 1: the residues, L per ciphertext, under the key holder's public key. The caller deletes them. */
export function encryptGradients(bfv: Bfv, key: PartyKey, packed: PackedGradients, layout: HistogramLayout): Ciphertext[] {
  checkLayout(bfv, layout);
  checkNumbers('packed.residues', packed.residues, layout.rows);
  const out: Ciphertext[] = [];
  try {
    for (let c = 0; c < layout.chunks; c++) {
      const start = c * layout.chunkRows;
      const pt = plaintextFromCoefficients(bfv.seal, bfv.context, packed.residues.subarray(start, Math.min(start + layout.chunkRows, layout.rows)), bfv.t, bfv.N);
      try {
        out.push(key.encrypt(pt));
      } finally {
        pt.delete();
      }
    }
  } catch (err) {
    for (const ct of out) ct.delete();
    throw err;
  }
  return out;
}

// ---- step 2, host -----------------------------------------------------------------------------

/** A host's bin codes in the order of one encrypted vector, ready for encryptedHistogram. */
export interface PackedBins {
  readonly layout: HistogramLayout;
  /** Row-major codes of the vector's rows (row i of the vector is the host's row order[i]). */
  readonly codes: Uint8Array;
  readonly cols: number;
  /** plaintexts[g·chunks + c] in NTT form when packed with `cache`, else built per call. */
  readonly cached: readonly (Plaintext | undefined)[] | undefined;
  /** The groups `cached` covers (options.cacheGroups; all groups by default). */
  readonly cachedGroups?: GroupRange;
  /** Worst-case statistical hiding of the flooding per result ciphertext, in bits (≥ 40 enforced). */
  readonly floodingSecurityBits: number;
  dispose(): void;
}

/** Noise of one fresh public-key encryption, rounding included (see the header). */
const LOG2_FRESH_NOISE = (N: number): number => Math.log2(21 * (2 * N + 1) + 1);

/**
 * Step 2, once per row order: checks the codes (each below its column's bin count, or NO_BIN_CODE)
 * and the flooding bound, and gathers the vector's rows. `codes` holds the host's rows × cols,
 * row-major; `order` lists the host's row for each row of the vector (default: the identity).
 * With `cache`, every plaintext is built and kept in NTT form: 32 bytes of WebAssembly heap per
 * (row, bin) slot — n·(Σ bins)·32 bytes — so that products skip their forward NTT; `cacheGroups`
 * limits that to some result groups (a worker's share, histogramPool.ts).
 */
export function packBins(bfv: Bfv, codes: Uint8Array, cols: number, layout: HistogramLayout, options: { order?: Uint32Array; cache?: boolean; cacheGroups?: GroupRange } = {}): PackedBins {
  checkLayout(bfv, layout);
  checkInteger('cols', cols, layout.binCounts.length, layout.binCounts.length);
  if (!(codes instanceof Uint8Array) || codes.length % cols !== 0) throw inputError('codes', `a Uint8Array of rows × ${cols} bin codes`, describe(codes));
  const hostRows = codes.length / cols;
  const order = options.order ?? Uint32Array.from({ length: layout.rows }, (_, i) => i);
  if (!(order instanceof Uint32Array) || order.length !== layout.rows) throw inputError('options.order', `a Uint32Array of ${layout.rows} row indices`, describe(order));
  const gathered = new Uint8Array(layout.rows * cols);
  const pairs = new Float64Array(layout.groups);
  for (let i = 0; i < layout.rows; i++) {
    const row = order[i] as number;
    if (row >= hostRows) throw inputError(`options.order[${i}]`, `a row index below ${hostRows}`, String(row));
    for (let j = 0; j < cols; j++) {
      const code = codes[row * cols + j] as number;
      gathered[i * cols + j] = code;
      if (code === NO_BIN_CODE) continue;
      if (code >= (layout.binCounts[j] as number)) throw inputError(`codes row ${row}, column ${j}`, `a bin code below ${layout.binCounts[j]} or ${NO_BIN_CODE} (missing)`, describe(code));
      pairs[Math.floor(((layout.offsets[j] as number) + code) / layout.targets)]! += 1;
    }
  }
  let floodingSecurityBits = Infinity;
  for (const p of pairs) {
    // Shifting a uniform variable on [−2^b, 2^b) by at most V moves it by statistical distance
    // ≤ V/2^(b+1) per coefficient, N·V/2^(b+1) per ciphertext.
    const noiseBits = LOG2_FRESH_NOISE(bfv.N) + Math.log2(p + layout.chunks);
    floodingSecurityBits = Math.min(floodingSecurityBits, bfv.floodBits + 1 - noiseBits - Math.log2(bfv.N));
  }
  if (floodingSecurityBits < BFV_PARAMETERS.statisticalSecurityBits) {
    throw new FedmarkError('FM_ERR_HE_RANGE', { param: 'codes', reason: `flooding would hide the product noise by only ${floodingSecurityBits.toFixed(1)} bits; use fewer rows per vector` });
  }
  let cached: (Plaintext | undefined)[] | undefined;
  const cachedGroups = checkGroupRange('options.cacheGroups', options.cacheGroups, layout);
  if (options.cache) {
    const { from, to } = cachedGroups;
    cached = new Array<Plaintext | undefined>(layout.groups * layout.chunks).fill(undefined);
    const builder = sparsePlaintexts(bfv);
    try {
      for (let c = 0; c < layout.chunks; c++) {
        binExponents(layout, gathered, cols, c).forEach((exponents, g) => {
          if (g >= from && g < to && exponents.length > 0) (cached as (Plaintext | undefined)[])[g * layout.chunks + c] = builder.ntt(exponents);
        });
      }
    } catch (err) {
      for (const pt of cached) pt?.delete();
      throw err;
    }
  }
  const kept = cached;
  return Object.freeze({
    layout,
    codes: gathered,
    cols,
    cached: kept === undefined ? undefined : Object.freeze(kept),
    ...(kept === undefined ? {} : { cachedGroups: Object.freeze(cachedGroups) }),
    floodingSecurityBits,
    dispose() {
      if (kept !== undefined) for (const pt of kept) if (pt !== undefined && !pt.isDeleted()) pt.delete();
    },
  });
}

/** Result groups [from, to): a worker's share of a histogram (histogramPool.ts). */
export interface GroupRange {
  readonly from: number;
  readonly to: number;
}

function checkGroupRange(param: string, range: GroupRange | undefined, layout: HistogramLayout): GroupRange {
  if (range === undefined) return { from: 0, to: layout.groups };
  if (typeof range !== 'object' || range === null) throw inputError(param, `a range of result groups within 0 … ${layout.groups}`, describe(range));
  const from = checkInteger(`${param}.from`, range.from, 0, layout.groups);
  return { from, to: checkInteger(`${param}.to`, range.to, from, layout.groups) };
}

/** 0/1 plaintexts from their exponents, written straight into SEAL's serialised form and reused. */
function sparsePlaintexts(bfv: Bfv): { ntt(exponents: ArrayLike<number>): Plaintext } {
  const template = plaintextBytes(new Float64Array(bfv.N), bfv.t);
  return {
    ntt(exponents) {
      for (let k = 0; k < exponents.length; k++) template[PLAINTEXT_DATA_OFFSET + 8 * (exponents[k] as number)] = 1;
      const pt = new bfv.seal.Plaintext();
      try {
        pt.loadFromArray(bfv.context, template);
        bfv.evaluator.plainTransformToNttInplace(pt, bfv.firstParmsId);
      } catch (err) {
        pt.delete();
        throw err;
      } finally {
        for (let k = 0; k < exponents.length; k++) template[PLAINTEXT_DATA_OFFSET + 8 * (exponents[k] as number)] = 0;
      }
      return pt;
    },
  };
}

/** The checks encryptedHistogram makes of its vector, for callers that hand it to workers. */
export function checkVector(bfv: Bfv, cts: unknown, layout: HistogramLayout): Ciphertext[] {
  if (!Array.isArray(cts) || cts.length !== layout.chunks) throw inputError('cts', `${layout.chunks} ciphertexts (one per chunk)`, describe(cts));
  cts.forEach((ct: Ciphertext, c) => {
    if (typeof ct !== 'object' || ct === null || typeof ct.coeffModulusSize !== 'function' || ct.isDeleted()) throw inputError(`cts[${c}]`, 'a live SEAL ciphertext', describe(ct));
    if (ct.size() !== 2 || ct.isNttForm() || ct.coeffModulusSize() !== bfv.firstL) {
      throw new FedmarkError('FM_ERR_HE_CIPHERTEXT', { param: `cts[${c}]`, reason: 'expected a size-2 ciphertext at the first level, not in NTT form' });
    }
  });
  return cts as Ciphertext[];
}

function zeroCiphertext(bfv: Bfv): Ciphertext {
  const zero = new Float64Array(bfv.firstL * bfv.N);
  return ciphertextFromBytes(bfv.seal, bfv.context, ciphertextBytes(bfv.firstParmsIdValues, bfv.N, bfv.firstL, [zero, zero]));
}

/**
 * Step 2, per vector: Σ_c Enc(v_c)·P_{g,c} for every group g, summed in NTT form. Result g holds
 * bin gT + j's sum at coefficient j·L + L − 1 (histogramPositions); every other coefficient is
 * data-dependent, so results go through maskResult before they leave the host. The caller owns
 * the results (first level, not NTT); a group with no (row, column) pair yields a transparent
 * zero, which maskResult turns into a proper encryption.
 */
export function encryptedHistogram(bfv: Bfv, cts: Ciphertext[], bins: PackedBins): Ciphertext[] {
  return encryptedHistogramGroups(bfv, cts, bins);
}

/**
 * encryptedHistogram's results for groups [range.from, range.to) only (all by default), the same
 * ciphertexts: a worker's share (histogramPool.ts). Cached plaintexts must cover the range.
 */
export function encryptedHistogramGroups(bfv: Bfv, cts: Ciphertext[], bins: PackedBins, range?: GroupRange): Ciphertext[] {
  const { layout } = bins;
  checkLayout(bfv, layout);
  checkVector(bfv, cts, layout);
  const { from, to } = checkGroupRange('range', range, layout);
  const covered = bins.cachedGroups;
  if (bins.cached !== undefined && covered !== undefined && (from < covered.from || to > covered.to)) {
    throw inputError('range', `result groups within the cached ${covered.from} … ${covered.to}`, `${from} … ${to}`);
  }
  const { evaluator, seal } = bfv;
  const acc: (Ciphertext | undefined)[] = new Array<Ciphertext | undefined>(to - from).fill(undefined);
  const tmp = new seal.Ciphertext();
  const vNtt = new seal.Ciphertext();
  const builder = bins.cached === undefined ? sparsePlaintexts(bfv) : undefined;
  const multiplyInto = (g: number, pt: Plaintext): void => {
    const a = acc[g - from];
    if (a === undefined) {
      const fresh = new seal.Ciphertext();
      acc[g - from] = fresh;
      evaluator.multiplyPlain(vNtt, pt, fresh);
    } else {
      evaluator.multiplyPlain(vNtt, pt, tmp);
      evaluator.addInplace(a, tmp);
    }
  };
  try {
    for (let c = 0; c < layout.chunks; c++) {
      evaluator.cipherTransformToNtt(cts[c] as Ciphertext, vNtt);
      if (builder === undefined) {
        for (let g = from; g < to; g++) {
          const pt = bins.cached?.[g * layout.chunks + c];
          if (pt !== undefined) multiplyInto(g, pt);
        }
        continue;
      }
      binExponents(layout, bins.codes, bins.cols, c).forEach((exponents, g) => {
        if (g < from || g >= to || exponents.length === 0) return;
        const pt = builder.ntt(exponents);
        try {
          multiplyInto(g, pt);
        } finally {
          pt.delete();
        }
      });
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
    vNtt.delete();
  }
}

// ---- step 4, guest ----------------------------------------------------------------------------

export interface DecodedHistogram {
  /** ΣG per global bin (offsets as in the layout), exact integers. */
  g: Float64Array;
  /** ΣH per global bin, exact integers. */
  h: Float64Array;
}

/** Splits one packed sum S (centred, |S| < t/2) into (ΣG, ΣH). */
export function unpackSum(S: number, shiftBits: number): { G: number; H: number } {
  const m = 2 ** shiftBits;
  const H = ((S % m) + m) % m;
  return { G: (S - H) / m, H };
}

/**
 * Step 4: from each group's decrypted values at histogramPositions and the host's masks there,
 * (value − mask) mod t, centred, unpacked with the vector's k.
 */
export function decodeHistogram(bfv: Pick<Bfv, 't'>, layout: HistogramLayout, shiftBits: number, groups: ReadonlyArray<{ values: ArrayLike<number>; masks: ArrayLike<number> }>): DecodedHistogram {
  checkInteger('shiftBits', shiftBits, 0, HISTOGRAM_CAPACITY_BITS);
  if (!Array.isArray(groups) || groups.length !== layout.groups) throw inputError('groups', `${layout.groups} decrypted groups`, describe(groups));
  const { t } = bfv;
  const g = new Float64Array(layout.bins);
  const h = new Float64Array(layout.bins);
  groups.forEach(({ values, masks }, k) => {
    const count = histogramPositions(layout, k).length;
    checkNumbers(`groups[${k}].values`, values, count);
    checkNumbers(`groups[${k}].masks`, masks, count);
    for (let j = 0; j < count; j++) {
      const v = checkInteger(`groups[${k}].values[${j}]`, values[j], 0, t - 1);
      const r = checkInteger(`groups[${k}].masks[${j}]`, masks[j], 0, t - 1);
      let S = v - r;
      if (S < 0) S += t;
      if (S >= t / 2) S -= t;
      const bin = k * layout.targets + j;
      const sums = unpackSum(S, shiftBits);
      g[bin] = sums.G;
      h[bin] = sums.H;
    }
  });
  return { g, h };
}
