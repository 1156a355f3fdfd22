// The encrypted-vector operations a vertical model's steps use (models/vertical/runtime.ts), over
// BFV with coefficient packing (he/innerProduct.ts, design note protocols.md "Making X_pᵀ·Enc(d)
// cheap"): vectors encrypted under the arbiter's public key, summed, and multiplied with a party's
// packed columns; every product is masked before it leaves the party, decrypted by the arbiter
// (`decrypt`, which sends the request and awaits the answer) and unmasked here.
import type { Ciphertext } from 'node-seal';
import { FedmarkError } from '../../errors/table.ts';
import { deserializeCiphertext, disposeAll, serializeCiphertext, type Bfv, type PartyKey } from '../he/bfv.ts';
import {
  addPlainSteps, addVectors, encryptedXtDSteps, encryptVectorSteps, groupCount, makeLayout, maskResult, packFeatures, quarterScoreShare, recommendChunkLength, resultPositions, unmask,
  type Layout, type MaskedResult, type PackedFeatures,
} from '../he/innerProduct.ts';
import { HistogramPool } from '../he/histogramPool.ts';
import { decodeHistogram, encryptedHistogram, encryptGradients, histogramPositions, makeHistogramLayout, packBins, packGradients, recommendChunkRows, type HistogramLayout, type PackedBins as PackedHistogramBins } from '../he/histogram.ts';
import { runYielding, type Chunked } from '../he/chunked.ts';
import type { EncryptedOps, EncryptedVector, PackedBins, PackedColumns, VectorLayout } from '../../models/vertical/runtime.ts';
import type { InnerProductLayouts } from '../../models/vertical/model.ts';

interface BfvVector extends EncryptedVector {
  readonly layout: Layout | GradientLayout;
  readonly cts: Ciphertext[];
}

/** A gradient vector for histograms: L = chunkRows rows per ciphertext (he/histogramLayout.ts). */
interface GradientLayout extends VectorLayout {
  readonly N: number;
  readonly chunkRows: number;
}

interface BfvBins extends PackedBins {
  readonly layout: GradientLayout;
  readonly bins: PackedHistogramBins;
  /** The pool the bins were registered with, whose workers compute their histograms. */
  readonly pool: HistogramPool | undefined;
}

/** Column bin counts as makeHistogramLayout takes them (each below 255): positions depend only on their sum and L. */
function binColumns(bins: number): number[] {
  const out: number[] = [];
  for (let left = bins; left > 0; left -= 254) out.push(Math.min(254, left));
  return out;
}

interface BfvPacked extends PackedColumns {
  readonly layout: Layout;
  readonly packed: PackedFeatures;
}

/** Sends the masked results of `step` to the arbiter and resolves with the masked residues at their positions. */
export type ArbiterDecrypt = (masked: readonly MaskedResult[], step: unknown) => Promise<Float64Array[]>;

export interface BfvOpsOptions {
  /** WebAssembly bytes a pack may keep as plaintexts across products (packFeatures' cacheBytes). */
  packCacheBytes?: number;
  /** The job's: a paused or cancelled job stops its long loops within a chunk. */
  signal?: AbortSignal;
  /**
   * The host's histogram products on this pool's worker threads (histogramPool.ts: the same
   * ciphertexts, byte for byte); asked for at the first packBins, so jobs without histograms start
   * no worker. Without it, in this thread.
   */
  histogramPool?: () => HistogramPool;
}

/**
 * The party node's operations. Those whose work grows with the rows (encrypt, addPlain,
 * innerProducts) run chunk by chunk with a turn of the event loop between chunks (he/chunked.ts),
 * so the party's link keeps answering while a million-row vector is processed.
 */
export function bfvOps(bfv: Bfv, key: PartyKey, decrypt: ArbiterDecrypt, options: BfvOpsOptions = {}): EncryptedOps<unknown> {
  const layoutOf = (l: VectorLayout): Layout => {
    if (!isLayout(l) || l.N !== bfv.N) throw new FedmarkError('FM_ERR_INTERNAL', { reason: 'a vector layout of another BFV context' });
    return l;
  };
  const vector = (v: EncryptedVector): BfvVector => {
    if (!('cts' in v)) throw new FedmarkError('FM_ERR_INTERNAL', { reason: 'a vector of another runtime' });
    return v as BfvVector;
  };
  const wrap = (layout: Layout | GradientLayout, cts: Ciphertext[]): BfvVector => ({ layout, cts, dispose: () => disposeAll(cts) });
  const gradientLayoutOf = (l: VectorLayout): GradientLayout => {
    if (!isGradientLayout(l) || l.N !== bfv.N) throw new FedmarkError('FM_ERR_INTERNAL', { reason: 'a gradient vector layout of another BFV context' });
    return l;
  };
  const hostLayout = (l: GradientLayout, binCounts: ArrayLike<number>): HistogramLayout => makeHistogramLayout(bfv.N, l.rows, Array.from(binCounts), l.chunkRows);
  return {
    maxAbs: bfv.maxAbsD,
    share: (parties) => quarterScoreShare(bfv.maxAbsD, parties - 1),
    layout: (rows, counts) => makeLayout(bfv.N, rows, recommendChunkLength(bfv.N, rows, counts)),
    encrypt: async (values, l) => wrap(layoutOf(l), await runYielding(encryptVectorSteps(bfv, key, values, layoutOf(l)), options.signal)),
    add(into, other) {
      addVectors(bfv, vector(into).cts, vector(other).cts, layoutOf(into.layout));
    },
    addPlain: (into, values) => runYielding(addPlainSteps(bfv, vector(into).cts, values, layoutOf(into.layout)), options.signal),
    pack(x, l, parties): BfvPacked {
      const layout = layoutOf(l);
      const packed = packFeatures(bfv, x.data, x.rows, x.cols, layout, parties - 1, options.packCacheBytes === undefined ? {} : { cacheBytes: options.packCacheBytes });
      return { layout, cols: x.cols, packed, dispose: () => packed.dispose() };
    },
    async innerProducts(v, x, step) {
      const { packed } = x as BfvPacked;
      const { layout, cols } = packed;
      const products = await runYielding(encryptedXtDSteps(bfv, vector(v).cts, packed), options.signal);
      const masked = await runYielding(maskEach(products, (ct, g) => maskResult(bfv, key, ct, resultPositions(layout, Math.min(layout.k, cols - g * layout.k)))), options.signal);
      const values = await decrypt(masked, step);
      const out = new Float64Array(cols);
      for (let g = 0; g < groupCount(layout, cols); g++) out.set(unmask(bfv, values[g] as Float64Array, (masked[g] as MaskedResult).masks), g * layout.k);
      return out;
    },
    histogramLayout(rows, bins, cached) {
      const chunkRows = recommendChunkRows(bfv.N, rows, Math.max(1, bins), { cached });
      return Object.freeze({ N: bfv.N, rows, chunkRows, chunks: Math.ceil(rows / chunkRows) });
    },
    encryptGradients(G, H, l) {
      const layout = gradientLayoutOf(l);
      const packed = packGradients(bfv, G, H);
      return { vector: wrap(layout, encryptGradients(bfv, key, packed, makeHistogramLayout(bfv.N, layout.rows, [1], layout.chunkRows))), shiftBits: packed.shiftBits };
    },
    packBins(bins, l, packOptions): BfvBins {
      const layout = gradientLayoutOf(l);
      const pool = options.histogramPool?.();
      const hl = hostLayout(layout, bins.binCounts);
      const packed = pool ? pool.packBins(bfv, bins.codes, bins.cols, hl, packOptions) : packBins(bfv, bins.codes, bins.cols, hl, packOptions);
      return { layout, bins: packed, pool, dispose: () => packed.dispose() };
    },
    async histogram(v, b) {
      const { bins, pool } = b as BfvBins;
      const results = pool ? await pool.histogram(bfv, vector(v).cts, bins) : encryptedHistogram(bfv, vector(v).cts, bins);
      // maskResult consumes each result; those after a failure are freed here.
      let next = 0;
      try {
        const masked = results.map((ct, g) => {
          next = g + 1;
          return maskResult(bfv, key, ct, histogramPositions(bins.layout, g));
        });
        const masks = new Float64Array(bins.layout.bins);
        let at = 0;
        for (const m of masked) {
          masks.set(m.masks, at);
          at += m.masks.length;
        }
        return { ciphertexts: masked.map((m) => m.bytes), masks };
      } catch (err) {
        disposeAll(results.slice(next));
        throw err;
      }
    },
    async openHistograms(hosts, l, shiftBits, step) {
      const layout = gradientLayoutOf(l);
      const layouts = hosts.map((h) => hostLayout(layout, h.binCounts));
      const requests: MaskedResult[] = [];
      hosts.forEach(({ masked }, k) => {
        const hl = layouts[k] as HistogramLayout;
        if (masked.ciphertexts.length !== hl.groups || masked.masks.length !== hl.bins) {
          throw new FedmarkError('FM_ERR_HE_CIPHERTEXT', { param: `histogram of host ${k + 1}`, reason: `${masked.ciphertexts.length} results and ${masked.masks.length} masks, expected ${hl.groups} and ${hl.bins}` });
        }
        let at = 0;
        for (let g = 0; g < hl.groups; g++) {
          const positions = histogramPositions(hl, g);
          requests.push({ bytes: masked.ciphertexts[g] as Uint8Array, positions, masks: masked.masks.subarray(at, at + positions.length) });
          at += positions.length;
        }
      });
      const values = await decrypt(requests, step);
      let r = 0;
      return layouts.map((hl) => {
        const groups = Array.from({ length: hl.groups }, () => {
          const out = { values: values[r] as Float64Array, masks: (requests[r] as MaskedResult).masks };
          r++;
          return out;
        });
        return decodeHistogram(bfv, hl, shiftBits, groups);
      });
    },
    toBytes: (v) => vector(v).cts.map((ct) => serializeCiphertext(bfv, ct)),
    fromBytes(blobs, l, what) {
      const layout = isGradientLayout(l) ? gradientLayoutOf(l) : layoutOf(l);
      if (blobs.length !== layout.chunks) throw new FedmarkError('FM_ERR_HE_CIPHERTEXT', { param: what, reason: `${blobs.length} ciphertexts, expected ${layout.chunks}` });
      const cts: Ciphertext[] = [];
      try {
        for (const [i, b] of blobs.entries()) cts.push(deserializeCiphertext(bfv, b, `${what}[${i}]`, 'first'));
      } catch (err) {
        disposeAll(cts);
        throw err;
      }
      return wrap(layout, cts);
    },
  };
}

/** Masks each result, one per step (a mask pad is ~25 ms); maskResult consumes its result, those not reached after a failure or an abort are freed here. */
function* maskEach(results: Ciphertext[], mask: (ct: Ciphertext, g: number) => MaskedResult): Chunked<MaskedResult[]> {
  const out: MaskedResult[] = [];
  let next = 0;
  try {
    while (next < results.length) {
      const g = next++;
      out.push(mask(results[g] as Ciphertext, g));
      yield;
    }
  } catch (err) {
    disposeAll(results.slice(next));
    throw err;
  }
  return out;
}

/** The arbiter's side of the same layouts: how many results a party's columns give, and where. */
export function innerProductLayouts(N: number): InnerProductLayouts {
  return {
    results(rows, counts, cols) {
      const layout = makeLayout(N, rows, recommendChunkLength(N, rows, counts));
      return { results: groupCount(layout, cols), positions: (g) => resultPositions(layout, Math.min(layout.k, cols - g * layout.k)) };
    },
    histogram(bins, chunkRows) {
      const layout = makeHistogramLayout(N, 1, binColumns(bins), chunkRows);
      return { results: layout.groups, positions: (g) => histogramPositions(layout, g) };
    },
  };
}

function isGradientLayout(l: VectorLayout): l is GradientLayout {
  return typeof (l as Partial<GradientLayout>).chunkRows === 'number' && typeof (l as Partial<GradientLayout>).N === 'number';
}

function isLayout(l: VectorLayout): l is Layout {
  return typeof (l as Partial<Layout>).N === 'number' && typeof (l as Partial<Layout>).m === 'number';
}

