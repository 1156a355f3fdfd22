import { describe, expect, it } from 'vitest';
import type { Ciphertext } from 'node-seal';
import { NO_BIN, type BinnedColumns } from '../../models/vertical/gbdt/binning.ts';
import { binOffsets, buildHistogram } from '../../models/vertical/gbdt/histogram.ts';
import { DEFAULT_CAPACITY_BITS } from '../../models/vertical/gbdt/quantize.ts';
import { disposeAll } from './bfv.ts';
import { coefficientsOf } from './coefficients.ts';
import {
  decodeHistogram,
  encryptGradients,
  encryptedHistogram,
  HISTOGRAM_CAPACITY_BITS,
  histogramPositions,
  makeHistogramLayout,
  NO_BIN_CODE,
  packBins,
  packGradients,
  unpackSum,
  type HistogramLayout,
  type PackedBins,
} from './histogram.ts';
import { arbiterDecrypt, maskResult } from './innerProduct.ts';
import { seededRandom } from './random.ts';
import { failure, rng, useBfv } from './testing.fixture.ts';
import { gradients, hostTable } from './histogram.fixture.ts';

const T = 2 ** 50;

describe('encrypted gradient histograms (BFV)', () => {
  const he = useBfv();

  /** Steps 1–4 for a vector of G, H against packed bins; returns the decoded histogram and what the key holder saw. */
  function roundTrip(G: Float64Array, H: Float64Array, bins: PackedBins, seed = 'h') {
    const layout = bins.layout;
    const packed = packGradients(he.bfv, G, H);
    const cts = encryptGradients(he.bfv, he.party, packed, layout);
    const results = encryptedHistogram(he.bfv, cts, bins);
    disposeAll(cts);
    const seen: number[] = [];
    const groups = results.map((ct, g) => {
      const masked = maskResult(he.bfv, he.party, ct, histogramPositions(layout, g), { random: seededRandom(`${seed}/${g}`) });
      const values = arbiterDecrypt(he.bfv, he.keys.secret, masked.bytes, masked.positions);
      seen.push(...values);
      return { values, masks: masked.masks };
    });
    return { histogram: decodeHistogram(he.bfv, layout, packed.shiftBits, groups), seen, shiftBits: packed.shiftBits };
  }

  it('packs G and H in one coefficient and splits any sum back: hand-worked', () => {
    // ΣH = 9 → k = 4; v = 3·16 + 2 = 50 and −5·16 + 7 = −73 (t − 73); their sum −23 = −2·16 + 9.
    const packed = packGradients(he.bfv, [3, -5], [2, 7]);
    expect(packed).toEqual({ residues: Float64Array.from([50, T - 73]), shiftBits: 4 });
    expect(unpackSum(-23, 4)).toEqual({ G: -2, H: 9 });
    expect(unpackSum(50, 4)).toEqual({ G: 3, H: 2 });
    expect(HISTOGRAM_CAPACITY_BITS).toBe(Math.log2(T) - 1);
    expect(HISTOGRAM_CAPACITY_BITS).toBe(DEFAULT_CAPACITY_BITS);
    expect(NO_BIN_CODE).toBe(NO_BIN);
  });

  it('decrypts to exactly the plaintext histogram of a repacked node (random data, columns spanning groups)', () => {
    const rows = 3000;
    const binned = hostTable(rows, 1);
    const { grad, grid } = gradients(rows, 2);
    // The node: about 40% of the rows, in the order the guest chose (shuffled).
    const random = rng(3);
    const node = Uint32Array.from([...Array.from({ length: rows }, (_, i) => i).filter(() => random() < 0.4)].sort(() => random() - 0.5));
    const layout = makeHistogramLayout(he.bfv.N, node.length, Array.from(binned.binCounts), 100);
    expect(layout.groups).toBeGreaterThan(2);
    const bins = packBins(he.bfv, binned.codes, binned.cols, layout, { order: node });
    const G = Float64Array.from(node, (i) => grid.G[i] as number);
    const H = Float64Array.from(node, (i) => grid.H[i] as number);
    const { histogram } = roundTrip(G, H, bins);
    bins.dispose();
    const plain = buildHistogram(binned, binOffsets(binned.binCounts), node, grid.G, grid.H);
    expect(histogram.g).toEqual(plain.g);
    expect(histogram.h).toEqual(plain.h);
    // Up to fixed-point rounding: each bin's real sums within (rows in the bin)·2^-(f+1).
    const scale = 2 ** grid.fractionalBits;
    const offsets = binOffsets(binned.binCounts);
    const count = new Float64Array(layout.bins);
    const realG = new Float64Array(layout.bins);
    for (const i of node) {
      for (let j = 0; j < binned.cols; j++) {
        const code = binned.codes[i * binned.cols + j] as number;
        if (code === NO_BIN) continue;
        count[(offsets[j] as number) + code]! += 1;
        realG[(offsets[j] as number) + code]! += grad.g[i] as number;
      }
    }
    for (let s = 0; s < layout.bins; s++) expect(Math.abs((histogram.g[s] as number) / scale - (realG[s] as number))).toBeLessThanOrEqual((count[s] as number) / (2 * scale) + 1e-9);
  });

  it('gives the same histogram without telling the host the node: all rows, zeros outside it, cached plaintexts', () => {
    const rows = 2000;
    const binned = hostTable(rows, 5);
    const { grid } = gradients(rows, 6);
    const node = Uint32Array.from({ length: rows }, (_, i) => i).filter((i) => i % 3 !== 0);
    const inNode = new Uint8Array(rows);
    for (const i of node) inNode[i] = 1;
    const layout = makeHistogramLayout(he.bfv.N, rows, Array.from(binned.binCounts), 256);
    const cached = packBins(he.bfv, binned.codes, binned.cols, layout, { cache: true });
    expect(cached.cached?.filter((p) => p !== undefined).length).toBe(layout.groups * layout.chunks);
    const zeroed = (values: Float64Array) => values.map((v, i) => (inNode[i] ? v : 0));
    const { histogram } = roundTrip(zeroed(grid.G), zeroed(grid.H), cached);
    cached.dispose();
    const plain = buildHistogram(binned, binOffsets(binned.binCounts), node, grid.G, grid.H);
    expect(histogram).toEqual({ g: plain.g, h: plain.h });
  });

  it('the key holder sees uniform residues: the masked result hides every coefficient, the raw product does not', () => {
    const rows = 1500;
    const binned = hostTable(rows, 7);
    const { grid } = gradients(rows, 8);
    const layout = makeHistogramLayout(he.bfv.N, rows, Array.from(binned.binCounts), 512);
    const bins = packBins(he.bfv, binned.codes, binned.cols, layout);
    const packed = packGradients(he.bfv, grid.G, grid.H);
    const cts = encryptGradients(he.bfv, he.party, packed, layout);
    const [raw, masked] = [encryptedHistogram(he.bfv, cts, bins)[0] as Ciphertext, encryptedHistogram(he.bfv, cts, bins)[0] as Ciphertext];
    bins.dispose();
    disposeAll(cts);
    const small = (v: number) => Math.abs(v >= T / 2 ? v - T : v) < 2 ** 46;
    // Unmasked, every coefficient is a partial sum of the packed values: far from uniform.
    const rawPt = he.keys.secret.decrypt(raw);
    const rawCoeffs = coefficientsOf(rawPt, he.bfv.N, he.bfv.seal);
    rawPt.delete();
    raw.delete();
    expect(rawCoeffs.filter(small).length).toBe(he.bfv.N);
    const result = maskResult(he.bfv, he.party, masked, histogramPositions(layout, 0), { random: seededRandom('hide') });
    const everything = arbiterDecrypt(he.bfv, he.keys.secret, result.bytes, Array.from({ length: he.bfv.N }, (_, i) => i));
    // Uniform over Z_t: P(|centred| < 2^46) = 1/8, ~1024 of 8192 (σ ≈ 30); chi-square of the top 4 bits.
    const count = everything.filter(small).length;
    expect(count).toBeGreaterThan(850);
    expect(count).toBeLessThan(1200);
    const counts = new Array<number>(16).fill(0);
    for (const v of everything) counts[Math.floor(v / 2 ** 46)]! += 1;
    expect(counts.reduce((s, c) => s + (c - 512) ** 2 / 512, 0)).toBeLessThan(40);
    // At the result positions too: the key holder gets (S + R) mod t, never S.
    const positions = histogramPositions(layout, 0);
    expect(positions.some((p) => everything[p] === rawCoeffs[p])).toBe(false);
  });

  it('keeps at least 4 bits of noise budget after masking, flooding and switching (20,000 rows × 10 columns)', () => {
    const rows = 20_000;
    const random = rng(11);
    const cols = 10;
    const binned: BinnedColumns = { rows, cols, codes: Uint8Array.from({ length: rows * cols }, () => Math.floor(random() * 32)), binCounts: new Uint16Array(cols).fill(32), categorical: new Uint8Array(cols) };
    const { grid } = gradients(rows, 12);
    const layout = makeHistogramLayout(he.bfv.N, rows, Array.from(binned.binCounts), 256);
    const bins = packBins(he.bfv, binned.codes, cols, layout);
    expect(bins.floodingSecurityBits).toBeGreaterThanOrEqual(40);
    const cts = encryptGradients(he.bfv, he.party, packGradients(he.bfv, grid.G, grid.H), layout);
    const results = encryptedHistogram(he.bfv, cts, bins);
    const product = he.keys.secret.noiseBudget(results[0] as Ciphertext);
    const masked = maskResult(he.bfv, he.party, results[0] as Ciphertext, histogramPositions(layout, 0));
    const back = new he.bfv.seal.Ciphertext();
    back.loadFromArray(he.bfv.context, masked.bytes);
    const final = he.keys.secret.noiseBudget(back);
    back.delete();
    disposeAll([...cts, ...results.slice(1)]);
    bins.dispose();
    expect(product).toBeGreaterThanOrEqual(85);
    expect(final).toBeGreaterThanOrEqual(4);
  });

  it('checks inputs first and names them', () => {
    expect(failure(() => packGradients(he.bfv, [2 ** 40, 1], [2 ** 20, 0]))).toMatchObject({ code: 'FM_ERR_HE_RANGE', message: expect.stringMatching(/^G: \(Σ\|G\| \+ 1\)·2\^bitLength\(ΣH\) must stay within 2\^49/) });
    expect(failure(() => packGradients(he.bfv, [1, 2], [3, -1]))?.message).toBe('H[1] must be a non-negative integer (the fixed-point hessian) (got a number out of range)');
    expect(failure(() => packGradients(he.bfv, [1.5], [3]))?.message).toMatch(/^G\[0\] must be an integer/);
    const layout: HistogramLayout = makeHistogramLayout(he.bfv.N, 3, [2, 3], 64);
    expect(failure(() => packBins(he.bfv, Uint8Array.from([0, 1, 1, 3, NO_BIN_CODE, 2]), 2, layout))?.message).toBe('codes row 1, column 1 must be a bin code below 3 or 255 (missing) (got a number out of range)');
    expect(failure(() => packBins(he.bfv, Uint8Array.from([0, 1, 1, 2]), 2, layout, { order: Uint32Array.from([0, 1, 2]) }))?.message).toBe('options.order[2] must be a row index below 2 (got 2)');
    expect(failure(() => encryptGradients(he.bfv, he.party, packGradients(he.bfv, [1, 2], [0, 0]), layout))?.message).toBe('packed.residues must be 3 values (got 2)');
    const bins = packBins(he.bfv, Uint8Array.from([0, 1, 1, 2, 0, 0]), 2, layout);
    expect(failure(() => encryptedHistogram(he.bfv, [], bins))?.message).toMatch(/^cts must be 1 ciphertexts/);
    expect(failure(() => decodeHistogram(he.bfv, layout, 3, []))?.message).toMatch(/^groups must be 1 decrypted groups/);
    bins.dispose();
  });
});
