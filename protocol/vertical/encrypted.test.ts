// The histogram operations of EncryptedOps as a GBDT guest and host use them, in one process: the
// guest's encrypted gradients travel as bytes, the host multiplies them into its bins (in the
// node's order) and masks the results, the "arbiter" decrypts only the positions the guest asks
// for, and the guest's unmasked sums equal the plaintext histogram exactly, host by host.
import { describe, expect, it } from 'vitest';
import { applyPartyBinning, fitPartyBinning, type BinnedColumns } from '../../models/vertical/gbdt/binning.ts';
import { binOffsets, buildHistogram } from '../../models/vertical/gbdt/histogram.ts';
import { gradientGrid, logisticGradients } from '../../models/vertical/gbdt/quantize.ts';
import type { EncryptedOps } from '../../models/vertical/runtime.ts';
import { arbiterDecrypt, makeLayout, type MaskedResult } from '../he/innerProduct.ts';
import { HistogramPool } from '../he/histogramPool.ts';
import { rng, useBfv } from '../he/testing.fixture.ts';
import { bfvOps, innerProductLayouts } from './encrypted.ts';

function hostTable(rows: number, cols: number, seed: number, categorical: number[] = []): BinnedColumns {
  const random = rng(seed);
  const data = Float64Array.from({ length: rows * cols }, (_, k) => (categorical.includes(k % cols) ? Math.floor(random() * 6) : random() < 0.05 ? NaN : random() * 100));
  const x = { data, rows, cols };
  return applyPartyBinning(fitPartyBinning(x, { bins: 32, categorical }), x);
}

describe('EncryptedOps: histograms for gradient-boosted trees', () => {
  const he = useBfv();

  it('gives the guest exactly each host\'s plaintext histogram of a repacked node, and the arbiter only the bins\' positions', async () => {
    const rows = 900;
    const hosts = [hostTable(rows, 12, 1, [3]), hostTable(rows, 2, 2)];
    const random = rng(3);
    const margins = Float64Array.from({ length: rows }, () => random() * 2 - 1);
    const y = Uint8Array.from({ length: rows }, () => (random() < 0.3 ? 1 : 0));
    const grid = gradientGrid(logisticGradients(margins, y), Uint32Array.from({ length: rows }, (_, i) => i));
    const node = Uint32Array.from({ length: rows }, (_, i) => i).filter(() => random() < 0.5);
    const asked: number[][] = [];
    const steps: unknown[] = [];
    const ops = bfvOps(he.bfv, he.party, async (masked, step) => {
      steps.push(step);
      return masked.map((m) => {
        asked.push(m.positions);
        return arbiterDecrypt(he.bfv, he.keys.secret, m.bytes, m.positions);
      });
    });
    const bins = hosts.map((h) => Array.from(h.binCounts).reduce((s, b) => s + b, 0));
    const layout = ops.histogramLayout(node.length, Math.max(...bins), false);
    // Guest: the node's G and H in its order, encrypted; the bytes are what travels.
    const { vector, shiftBits } = ops.encryptGradients(Float64Array.from(node, (i) => grid.G[i] as number), Float64Array.from(node, (i) => grid.H[i] as number), layout);
    const bytes = ops.toBytes(vector);
    vector.dispose();
    // Hosts: load, multiply into their bins in the node's order, mask.
    const masked = await Promise.all(hosts.map(async (h) => {
      const v = ops.fromBytes(bytes, layout, 'gbdt.grad');
      const packed = ops.packBins(h, layout, { order: node });
      try {
        return await ops.histogram(v, packed);
      } finally {
        v.dispose();
        packed.dispose();
      }
    }));
    const step = { tree: 0, node: 0, rows: node.length, chunkRows: layout.chunkRows, bins };
    const opened = await ops.openHistograms(masked.map((m, k) => ({ masked: m, binCounts: (hosts[k] as BinnedColumns).binCounts })), layout, shiftBits, step);
    hosts.forEach((h, k) => {
      const plain = buildHistogram(h, binOffsets(h.binCounts), node, grid.G, grid.H);
      expect(opened[k]?.g).toEqual(plain.g);
      expect(opened[k]?.h).toEqual(plain.h);
    });
    // What was asked is exactly what the arbiter's rules allow for this step, result by result.
    expect(steps).toEqual([step]);
    const allowed = bins.flatMap((b) => {
      const l = innerProductLayouts(he.bfv.N).histogram(b, layout.chunkRows);
      return Array.from({ length: l.results }, (_, r) => [...l.positions(r)]);
    });
    expect(asked).toEqual(allowed);
    // One decryption per masked result the hosts sent, none more.
    expect(asked.length).toBe(masked.reduce((s, m) => s + m.ciphertexts.length, 0));
  });
  it('computes the same histograms on a worker pool as in this thread, and starts no worker until bins are packed', async () => {
    const rows = 700;
    const host = hostTable(rows, 9, 5, [2]);
    const random = rng(8);
    const grid = gradientGrid(logisticGradients(Float64Array.from({ length: rows }, () => random() * 2 - 1), Uint8Array.from({ length: rows }, () => (random() < 0.4 ? 1 : 0))), Uint32Array.from({ length: rows }, (_, i) => i));
    const node = Uint32Array.from({ length: rows }, (_, i) => i).filter(() => random() < 0.6);
    const decrypt = async (masked: readonly MaskedResult[]) => masked.map((m) => arbiterDecrypt(he.bfv, he.keys.secret, m.bytes, m.positions));
    let pool: HistogramPool | undefined;
    const opened = async (ops: EncryptedOps<unknown>) => {
      const layout = ops.histogramLayout(node.length, Array.from(host.binCounts).reduce((s, b) => s + b, 0), false);
      const { vector, shiftBits } = ops.encryptGradients(Float64Array.from(node, (i) => grid.G[i] as number), Float64Array.from(node, (i) => grid.H[i] as number), layout);
      const packed = ops.packBins(host, layout, { order: node });
      try {
        const masked = await ops.histogram(vector, packed);
        return (await ops.openHistograms([{ masked, binCounts: host.binCounts }], layout, shiftBits, {}))[0];
      } finally {
        vector.dispose();
        packed.dispose();
      }
    };
    try {
      const pooled = bfvOps(he.bfv, he.party, decrypt, { histogramPool: () => (pool ??= new HistogramPool({ threads: 2 })) });
      expect(pool).toBeUndefined();
      const [inThread, onWorkers] = [await opened(bfvOps(he.bfv, he.party, decrypt)), await opened(pooled)];
      expect(pool?.size).toBe(2);
      const plain = buildHistogram(host, binOffsets(host.binCounts), node, grid.G, grid.H);
      expect(inThread?.g).toEqual(plain.g);
      expect(onWorkers?.g).toEqual(plain.g);
      expect(onWorkers?.h).toEqual(plain.h);
    } finally {
      await pool?.close();
    }
  });
});

/** Counts turns of the event loop (a chain of setImmediate) from start() until stop(). */
function turnCounter(): { readonly turns: number; stop(): void } {
  let turns = 0;
  let done = false;
  const tick = () => {
    if (done) return;
    turns++;
    setImmediate(tick);
  };
  setImmediate(tick);
  return {
    get turns() {
      return turns;
    },
    stop() {
      done = true;
    },
  };
}

async function turnsDuring(work: () => Promise<unknown>): Promise<number> {
  const counter = turnCounter();
  try {
    await work();
  } finally {
    counter.stop();
  }
  return counter.turns;
}

describe('EncryptedOps: million-row vectors do not hold the event loop', () => {
  const he = useBfv();

  it('lets the event loop turn between the chunks of encrypt, addPlain and innerProducts, streamed or cached, with the same products', async () => {
    const rows = 3000;
    const cols = 9;
    const layout = makeLayout(he.bfv.N, rows, 512);
    const random = rng(11);
    const u = Float64Array.from({ length: rows }, () => random() - 0.5);
    const plain = Float64Array.from({ length: rows }, () => random() - 0.5);
    const x = { data: Float64Array.from({ length: rows * cols }, () => random() * 2 - 1), rows, cols };
    let counter = turnCounter();
    const turnsAtDecrypt: number[] = [];
    const opsWith = (packCacheBytes: number) => bfvOps(he.bfv, he.party, async (masked) => {
      turnsAtDecrypt.push(counter.turns);
      return masked.map((m) => arbiterDecrypt(he.bfv, he.keys.secret, m.bytes, m.positions));
    }, { packCacheBytes });
    const streaming = opsWith(0);
    const caching = opsWith(2 ** 30);
    let d: Awaited<ReturnType<typeof streaming.encrypt>> | undefined;
    expect(await turnsDuring(async () => {
      d = await streaming.encrypt(u, layout);
    })).toBeGreaterThanOrEqual(layout.chunks);
    const vector = d as NonNullable<typeof d>;
    expect(await turnsDuring(() => streaming.addPlain(vector, plain))).toBeGreaterThanOrEqual(layout.chunks);
    const products: Float64Array[] = [];
    for (const ops of [streaming, caching]) {
      const packed = ops.pack(x, layout, 2);
      counter.stop();
      counter = turnCounter();
      try {
        products.push(await ops.innerProducts(vector, packed, { test: true }));
      } finally {
        counter.stop();
        packed.dispose();
      }
    }
    // The turns came before the request to the arbiter, while multiplying (one per chunk of d) and masking (one per result).
    const results = Math.ceil(cols / layout.k);
    expect(turnsAtDecrypt.length).toBe(2);
    for (const turns of turnsAtDecrypt) expect(turns).toBeGreaterThanOrEqual(layout.chunks + results);
    expect(products[1]).toEqual(products[0]);
    // d = u + plain; Xᵀd in fixed point is within 2^-13 per row of the plaintext product.
    for (let j = 0; j < cols; j++) {
      let want = 0;
      for (let i = 0; i < rows; i++) want += ((u[i] as number) + (plain[i] as number)) * (x.data[i * cols + j] as number);
      expect(Math.abs((products[0]?.[j] as number) - want)).toBeLessThan(rows * 2 ** -13);
    }
    vector.dispose();
  });

  it('stops a paused job\'s inner products within a chunk: nothing reaches the arbiter and the error is the pause', async () => {
    const rows = 3000;
    const layout = makeLayout(he.bfv.N, rows, 512);
    const random = rng(12);
    const x = { data: Float64Array.from({ length: rows * 4 }, () => random() * 2 - 1), rows, cols: 4 };
    const controller = new AbortController();
    let asked = 0;
    const ops = bfvOps(he.bfv, he.party, async (masked) => {
      asked++;
      return masked.map((m) => arbiterDecrypt(he.bfv, he.keys.secret, m.bytes, m.positions));
    }, { packCacheBytes: 0, signal: controller.signal });
    const d = await ops.encrypt(Float64Array.from({ length: rows }, () => random() - 0.5), layout);
    const packed = ops.pack(x, layout, 2);
    const paused = new Error('job paused');
    setImmediate(() => controller.abort(paused));
    await expect(ops.innerProducts(d, packed, { test: true })).rejects.toBe(paused);
    expect(asked).toBe(0);
    await expect(ops.encrypt(new Float64Array(rows), layout)).rejects.toBe(paused);
    packed.dispose();
    d.dispose();
  });
});
