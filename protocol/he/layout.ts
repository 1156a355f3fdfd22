// The chunk layout of the coefficient-packed inner product (design note protocols.md, "Making
// X_pᵀ·Enc(d) cheap"): pure arithmetic, no SEAL. BFV plaintexts are polynomials mod X^N + 1.
//   d, length n, is cut into ⌈n/m⌉ chunks; chunk c is the plaintext d_c(X) = Σ_{i<m} d_{cm+i}·X^i.
//   Features are taken K = floor(N/m) at a time (group g: columns gK … gK+K−1); for chunk c the
//   group's plaintext is P_{g,c}(X) = Σ_{k<K} X^{k·m} · Σ_{i<m} x_{cm+i, gK+k}·X^{m−1−i} (each
//   feature's chunk reversed, at stride m). In d_c·P_{g,c}, coefficient k·m + m − 1 is
//   Σ_i d_{cm+i}·x_{cm+i,gK+k}: block k's other terms fill k·m … k·m + 2m − 2 without reaching
//   block k+1's target, and the negacyclic wrap (X^N = −1) only lands below m − 1 (layout.test.ts
//   checks this on plain polynomials). Summing over c gives the whole column.
// Parameters: N, rows n, chunk length m. Products per epoch: ⌈n/m⌉·⌈F/K⌉ ≈ n·F/N whatever m is;
// m trades the vectors' ciphertexts (⌈n/m⌉ each for Enc(u_k) and Enc(d)) against the results
// (⌈F/K⌉ per party): recommendChunkLength picks it from a measured cost model.
// What each role learns: nothing; the layout (n, m, K, feature counts) is public to the job.

import type { Bfv } from './bfv.ts';
import { checkInteger, describe, inputError } from './check.ts';

export interface Layout {
  /** Polynomial degree N. */
  readonly N: number;
  /** Rows n of d and X. */
  readonly rows: number;
  /** Chunk length m: rows per ciphertext of d. */
  readonly m: number;
  /** Features per plaintext, K = floor(N/m). */
  readonly k: number;
  /** Ciphertexts per vector, ⌈n/m⌉. */
  readonly chunks: number;
}

export function makeLayout(N: number, rows: number, m: number): Layout {
  checkInteger('N', N, 2, 2 ** 17);
  checkInteger('rows', rows, 1, 2 ** 31);
  checkInteger('m', m, 1, N);
  return Object.freeze({ N, rows, m, k: Math.floor(N / m), chunks: Math.ceil(rows / m) });
}

/** Feature groups (result ciphertexts) for `cols` features. */
export function groupCount(layout: Layout, cols: number): number {
  return Math.ceil(cols / layout.k);
}

/** Where feature k of a group lands in the product: k·m + m − 1, for k < featuresInGroup. */
export function resultPositions(layout: Layout, featuresInGroup: number): number[] {
  checkInteger('featuresInGroup', featuresInGroup, 1, layout.k);
  return Array.from({ length: featuresInGroup }, (_, k) => k * layout.m + layout.m - 1);
}

/**
 * Estimated cost of one full-batch epoch, in CPU milliseconds of this machine (Xeon 2.8 GHz,
 * node-seal 7 WebAssembly, one thread; measured by benchmarks/he-layouts.ts): per chunk and host,
 * encrypting ¼u_k (~9–11 ms) and (de)serialising and adding it at the guest (~1.5 ms); per chunk
 * and party, the forward NTT of Enc(d) (~2 ms); per result ciphertext, the inverse NTT (~2 ms),
 * its mask pad (~25 ms, can run ahead of time), masking, switching and serialising (~2 ms) and
 * the arbiter's decryption with its noise check (~5.5 ms); per plaintext product, ~1.3 ms; and the
 * bytes at `bytesPerMs` (default 100 kB/ms ≈ 100 MB/s, a LAN; lower it for a WAN).
 */
export const LAYOUT_COSTS = Object.freeze({ chunkMs: 12, nttMs: 2, resultMs: 35, productMs: 1.3, bytesPerMs: 100_000 });

export interface LayoutEstimate {
  m: number;
  k: number;
  chunks: number;
  results: number;
  products: number;
  bytes: number;
  ms: number;
}

/** Cost of chunk length m for `rows` rows and the given feature counts per party (guest first). */
export function estimateLayout(N: number, rows: number, m: number, featureCounts: readonly number[], costs = LAYOUT_COSTS): LayoutEstimate {
  const layout = makeLayout(N, rows, m);
  const hosts = Math.max(featureCounts.length - 1, 0);
  const results = featureCounts.reduce((s, f) => s + groupCount(layout, f), 0);
  const products = layout.chunks * results;
  const firstBytes = 113 + 16 * 4 * N; // a ciphertext at the first level (4 primes)
  const lastBytes = 113 + 16 * 2 * N; // at the last level (2 primes)
  const bytes = hosts * 2 * layout.chunks * firstBytes + results * lastBytes;
  const ms = layout.chunks * (hosts * costs.chunkMs + featureCounts.length * costs.nttMs) + results * costs.resultMs + products * costs.productMs + bytes / costs.bytesPerMs;
  return { m, k: layout.k, chunks: layout.chunks, results, products, bytes, ms };
}

/**
 * The recommended chunk length: the m = floor(N/K) (largest m for its K) with the lowest
 * estimateLayout cost. featureCounts: features per party, guest first, then each host.
 */
export function recommendChunkLength(N: number, rows: number, featureCounts: readonly number[], costs = LAYOUT_COSTS): number {
  checkInteger('rows', rows, 1, 2 ** 31);
  if (!Array.isArray(featureCounts) || featureCounts.length === 0) throw inputError('featureCounts', 'a non-empty array of feature counts', describe(featureCounts));
  featureCounts.forEach((f, i) => checkInteger(`featureCounts[${i}]`, f, 0, 2 ** 20));
  let best: LayoutEstimate | undefined;
  const maxK = Math.max(1, ...featureCounts);
  for (let k = 1; k <= Math.min(maxK, N); k++) {
    const m = Math.floor(N / k);
    if (k > 1 && m === Math.floor(N / (k - 1))) continue;
    const e = estimateLayout(N, rows, m, featureCounts, costs);
    if (best === undefined || e.ms < best.ms) best = e;
  }
  return (best as LayoutEstimate).m;
}

/**
 * The residues of P_{g,c}: for k < K and i < m, coefficient k·m + m − 1 − i holds
 * round(x_{cm+i, gK+k}·2^f) mod t (rows and columns past the end count as zero). X is row-major
 * (element (i, j) at i·cols + j). Returns undefined when every coefficient is zero.
 */
export function packCoefficients(bfv: Pick<Bfv, 'N' | 't' | 'fractionalBits'>, X: Float64Array | Float32Array, rows: number, cols: number, layout: Layout, group: number, chunk: number): Float64Array | undefined {
  const { m, k: K } = layout;
  const out = new Float64Array(bfv.N);
  const scale = 2 ** bfv.fractionalBits;
  let nonzero = false;
  const rowEnd = Math.min((chunk + 1) * m, rows);
  const colEnd = Math.min((group + 1) * K, cols);
  for (let j = group * K; j < colEnd; j++) {
    const base = (j - group * K) * m + m - 1;
    for (let row = chunk * m; row < rowEnd; row++) {
      const s = Math.round((X[row * cols + j] as number) * scale) + 0;
      if (s === 0) continue;
      nonzero = true;
      out[base - (row - chunk * m)] = s < 0 ? bfv.t + s : s;
    }
  }
  return nonzero ? out : undefined;
}
