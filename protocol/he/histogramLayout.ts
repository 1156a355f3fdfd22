// The coefficient layout of the encrypted gradient histogram (histogram.ts): pure arithmetic, no
// SEAL. Polynomials are mod X^N + 1.
//   The vector v (one value per row, in the vector's order) is cut into chunks of L rows; chunk c
//   is v_c(X) = Σ_{r<L} v_{cL+r}·X^r. A host's columns have binCounts[j] bins each; column j's bin
//   b is global bin J = offsets[j] + b. Result g gathers global bins gT … gT + T − 1, T = ⌊N/L⌋;
//   for chunk c its plaintext has a 1 at exponent L·(J − gT) + L − 1 − r for every row r of the
//   chunk and column j whose bin J falls in the group. In v_c·P_{g,c}, coefficient L·j + L − 1
//   is Σ_{r in bin gT + j} v_{cL+r}: a term v_s·X^(L·(J' − gT) + L − 1 − r) lands there only when
//   s − r = L·(j − (J' − gT)), and |s − r| < L forces s = r and J' = gT + j. Terms past X^N wrap
//   with a sign to exponents below L − 1, under every target (histogramLayout.test.ts checks this
//   on plain polynomials).
// Parameters: N, rows n, chunk rows L, per-column bin counts. Products per vector ≈ n·(Σ bins)/N
//   whatever L is; L trades the guest's ciphertexts (⌈n/L⌉) against the host's results
//   (⌈Σ bins/T⌉): recommendChunkRows picks it from a measured cost model.
// What each role learns: nothing; the layout (n, L, bin counts) is public to the job.

import { checkInteger, describe, inputError } from './check.ts';

/** The bin code of a missing value: in no bin (models/vertical/gbdt/binning.ts's NO_BIN). */
export const NO_BIN_CODE = 255;

export interface HistogramLayout {
  readonly N: number;
  /** Rows of the vector. */
  readonly rows: number;
  /** L: rows per ciphertext of the vector. */
  readonly chunkRows: number;
  /** ⌈rows/L⌉. */
  readonly chunks: number;
  /** T = ⌊N/L⌋: bins per result ciphertext. */
  readonly targets: number;
  readonly binCounts: readonly number[];
  /** offsets[j]: column j's first global bin; offsets[cols] = bins. */
  readonly offsets: readonly number[];
  /** Σ binCounts. */
  readonly bins: number;
  /** Result ciphertexts, ⌈bins/T⌉. */
  readonly groups: number;
}

export function makeHistogramLayout(N: number, rows: number, binCounts: readonly number[], chunkRows: number): HistogramLayout {
  checkInteger('N', N, 2, 2 ** 17);
  checkInteger('rows', rows, 1, 2 ** 31);
  checkInteger('chunkRows', chunkRows, 1, N);
  if (!Array.isArray(binCounts) || binCounts.length === 0) throw inputError('binCounts', 'a non-empty array of bin counts (one per column)', describe(binCounts));
  const offsets = [0];
  binCounts.forEach((b, j) => offsets.push((offsets[j] as number) + checkInteger(`binCounts[${j}]`, b, 0, NO_BIN_CODE - 1)));
  const bins = offsets[binCounts.length] as number;
  if (bins === 0) throw inputError('binCounts', 'at least one bin', '0');
  const targets = Math.floor(N / chunkRows);
  return Object.freeze({
    N,
    rows,
    chunkRows,
    chunks: Math.ceil(rows / chunkRows),
    targets,
    binCounts: Object.freeze([...binCounts]),
    offsets: Object.freeze(offsets),
    bins,
    groups: Math.ceil(bins / targets),
  });
}

/** The coefficients of result `group` that hold its bins: j·L + L − 1 for its j-th bin. */
export function histogramPositions(layout: HistogramLayout, group: number): number[] {
  checkInteger('group', group, 0, layout.groups - 1);
  const count = Math.min(layout.targets, layout.bins - group * layout.targets);
  return Array.from({ length: count }, (_, j) => j * layout.chunkRows + layout.chunkRows - 1);
}

/**
 * Per group, the exponents of P_{g,c} for chunk `chunk`: codes holds the vector's rows × cols,
 * row-major (codes already checked; NO_BIN_CODE is skipped).
 */
export function binExponents(layout: HistogramLayout, codes: Uint8Array, cols: number, chunk: number): Int32Array[] {
  const { chunkRows: L, targets: T, offsets } = layout;
  const start = chunk * L;
  const end = Math.min(start + L, layout.rows);
  const counts = new Int32Array(layout.groups);
  for (let i = start; i < end; i++) {
    for (let j = 0; j < cols; j++) {
      const code = codes[i * cols + j] as number;
      if (code !== NO_BIN_CODE) counts[Math.floor(((offsets[j] as number) + code) / T)]! += 1;
    }
  }
  const out = Array.from(counts, (n) => new Int32Array(n));
  const fill = new Int32Array(layout.groups);
  for (let i = start; i < end; i++) {
    const r = i - start;
    for (let j = 0; j < cols; j++) {
      const code = codes[i * cols + j] as number;
      if (code === NO_BIN_CODE) continue;
      const J = (offsets[j] as number) + code;
      const g = Math.floor(J / T);
      (out[g] as Int32Array)[fill[g]!++] = L * (J - g * T) + L - 1 - r;
    }
  }
  return out;
}

/**
 * CPU milliseconds of this machine (node-seal 7 WebAssembly, one thread) per step, measured by
 * benchmarks/vertical-gbdt.ts (with the 2 cores loaded by other work; ranges over its runs): per
 * chunk, the guest's encryption and serialisation and the host's loading of it (5.4–9.0); per
 * product, building the 0/1 plaintext, its NTT and the multiply-accumulate (productMs, 2.7–3.8) or,
 * with cached plaintexts, the multiply-accumulate alone (cachedProductMs, 0.8–1.6); per result,
 * the mask pad, masking, switching and serialising at the host and the checked decryption at the
 * key holder (17–26); and the bytes at `bytesPerMs` (100 kB/ms, a LAN).
 */
export const HISTOGRAM_COSTS: Readonly<HistogramCosts> = Object.freeze({ chunkMs: 7, productMs: 3, cachedProductMs: 0.9, resultMs: 19, bytesPerMs: 100_000 });

/** The unit costs of HISTOGRAM_COSTS; a caller with worker threads divides the products' by their number. */
export interface HistogramCosts {
  chunkMs: number;
  productMs: number;
  cachedProductMs: number;
  resultMs: number;
  bytesPerMs: number;
}

export interface HistogramEstimate {
  chunkRows: number;
  chunks: number;
  groups: number;
  products: number;
  bytes: number;
  ms: number;
}

/** Cost of one vector of `rows` rows against a host's `bins` bins with L = chunkRows. */
export function estimateHistogram(N: number, rows: number, bins: number, chunkRows: number, options: { cached?: boolean } = {}, costs: Readonly<HistogramCosts> = HISTOGRAM_COSTS): HistogramEstimate {
  checkInteger('bins', bins, 1, 2 ** 24);
  const chunks = Math.ceil(checkInteger('rows', rows, 1, 2 ** 31) / checkInteger('chunkRows', chunkRows, 1, N));
  const groups = Math.ceil(bins / Math.floor(N / chunkRows));
  const products = chunks * groups;
  const bytes = chunks * (113 + 16 * 4 * N) + groups * (113 + 16 * 2 * N) + 8 * bins;
  const ms = chunks * costs.chunkMs + products * (options.cached ? costs.cachedProductMs : costs.productMs) + groups * costs.resultMs + bytes / costs.bytesPerMs;
  return { chunkRows, chunks, groups, products, bytes, ms };
}

/** The L = ⌊N/T⌋ (largest L for its T) with the lowest estimateHistogram cost. */
export function recommendChunkRows(N: number, rows: number, bins: number, options: { cached?: boolean } = {}, costs: Readonly<HistogramCosts> = HISTOGRAM_COSTS): number {
  checkInteger('bins', bins, 1, 2 ** 24);
  let best: HistogramEstimate | undefined;
  for (let T = 1; T <= Math.min(N, bins); T++) {
    const L = Math.floor(N / T);
    if (T > 1 && L === Math.floor(N / (T - 1))) continue;
    const e = estimateHistogram(N, rows, bins, L, options, costs);
    if (best === undefined || e.ms < best.ms) best = e;
  }
  return (best as HistogramEstimate).chunkRows;
}
