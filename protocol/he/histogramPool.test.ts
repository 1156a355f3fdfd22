import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ciphertext } from 'node-seal';
import { FedmarkError } from '../../errors/table.ts';
import { binOffsets, buildHistogram } from '../../models/vertical/gbdt/histogram.ts';
import { deserializeCiphertext, disposeAll, modSwitchToLast, serializeCiphertext } from './bfv.ts';
import { decodeHistogram, encryptGradients, encryptedHistogram, histogramPositions, makeHistogramLayout, NO_BIN_CODE, packBins, packGradients, type PackedBins } from './histogram.ts';
import { HistogramPool } from './histogramPool.ts';
import { isWorkerMessage, type HistogramRequest } from './histogramTasks.ts';
import { arbiterDecrypt, maskResult } from './innerProduct.ts';
import { seededRandom } from './random.ts';
import { failure, rng, useBfv } from './testing.fixture.ts';
import { gradients, hostTable } from './histogram.fixture.ts';

async function rejection(p: Promise<unknown>): Promise<{ code: string; message: string } | undefined> {
  try {
    await p;
  } catch (err) {
    if (err instanceof FedmarkError) return { code: err.code, message: err.message };
    return { code: 'not a FedmarkError', message: String(err) };
  }
  return undefined;
}

describe('encrypted histograms on worker threads', () => {
  const he = useBfv();
  let pool: HistogramPool;
  beforeAll(() => {
    pool = new HistogramPool({ threads: 2 });
  });
  afterAll(() => pool.close());

  // Digests, not the 524 kB arrays themselves: deep equality on those takes minutes.
  const digest = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
  const bytesOf = (cts: Ciphertext[]) => {
    const out = cts.map((ct) => serializeCiphertext(he.bfv, ct));
    disposeAll(cts);
    return out;
  };
  const digestsOf = (cts: Ciphertext[]) => bytesOf(cts).map(digest);

  it('gives byte for byte the in-thread ciphertexts, repacked node, which decrypt to the plaintext histogram', async () => {
    const rows = 1600;
    const binned = hostTable(rows, 1);
    const { grid } = gradients(rows, 2);
    const random = rng(3);
    const node = Uint32Array.from([...Array.from({ length: rows }, (_, i) => i).filter(() => random() < 0.5)].sort(() => random() - 0.5));
    const layout = makeHistogramLayout(he.bfv.N, node.length, Array.from(binned.binCounts), 100);
    expect(layout.groups).toBe(3);
    const bins = packBins(he.bfv, binned.codes, binned.cols, layout, { order: node });
    const packed = packGradients(he.bfv, Float64Array.from(node, (i) => grid.G[i] as number), Float64Array.from(node, (i) => grid.H[i] as number));
    const cts = encryptGradients(he.bfv, he.party, packed, layout);
    const inThread = digestsOf(encryptedHistogram(he.bfv, cts, bins));
    const pooled = await pool.histogram(he.bfv, cts, bins);
    disposeAll(cts);
    bins.dispose();
    const pooledBytes = bytesOf(pooled);
    expect(pooledBytes.map(digest)).toEqual(inThread);
    const groups = pooledBytes.map((bytes, g) => {
      const masked = maskResult(he.bfv, he.party, deserializeCiphertext(he.bfv, bytes, 'result', 'first'), histogramPositions(layout, g), { random: seededRandom(`pool/${g}`) });
      return { values: arbiterDecrypt(he.bfv, he.keys.secret, masked.bytes, masked.positions), masks: masked.masks };
    });
    const histogram = decodeHistogram(he.bfv, layout, packed.shiftBits, groups);
    const plain = buildHistogram(binned, binOffsets(binned.binCounts), node, grid.G, grid.H);
    expect(histogram).toEqual({ g: plain.g, h: plain.h });
  });

  it('keeps cached plaintexts in the workers across vectors (trees): the same bytes as the in-thread cache and as no cache', async () => {
    const rows = 600;
    const binned = hostTable(rows, 5);
    const layout = makeHistogramLayout(he.bfv.N, rows, Array.from(binned.binCounts), 256);
    const local = packBins(he.bfv, binned.codes, binned.cols, layout, { cache: true });
    const uncached = packBins(he.bfv, binned.codes, binned.cols, layout);
    const pooled = pool.packBins(he.bfv, binned.codes, binned.cols, layout, { cache: true });
    expect(pooled.workerCache).toBe(true);
    expect(pooled.cached).toBeUndefined();
    for (const seed of [6, 7]) {
      const { grid } = gradients(rows, seed);
      const cts = encryptGradients(he.bfv, he.party, packGradients(he.bfv, grid.G, grid.H), layout);
      // As the host receives them: bytes, checked by the workers.
      const wire = cts.map((ct) => serializeCiphertext(he.bfv, ct));
      const want = digestsOf(encryptedHistogram(he.bfv, cts, local));
      expect(digestsOf(encryptedHistogram(he.bfv, cts, uncached))).toEqual(want);
      disposeAll(cts);
      expect(digestsOf(await pool.histogram(he.bfv, wire, pooled))).toEqual(want);
    }
    pooled.dispose();
    local.dispose();
    uncached.dispose();
  });

  it('works when there are fewer result groups than workers', async () => {
    const rows = 200;
    const layout = makeHistogramLayout(he.bfv.N, rows, [3, 5], 64);
    expect(layout.groups).toBe(1);
    const bins = packBins(he.bfv, Uint8Array.from({ length: rows * 2 }, (_, k) => (k % 7 === 0 ? NO_BIN_CODE : k % 3)), 2, layout);
    const cts = encryptGradients(he.bfv, he.party, packGradients(he.bfv, Float64Array.from({ length: rows }, (_, i) => i - 100), new Float64Array(rows).fill(3)), layout);
    const want = digestsOf(encryptedHistogram(he.bfv, cts, bins));
    expect(digestsOf(await pool.histogram(he.bfv, cts, bins))).toEqual(want);
    disposeAll(cts);
    bins.dispose();
  });

  it('rejects bad input with the FedmarkError the same input gives in-thread', async () => {
    const rows = 300;
    const layout = makeHistogramLayout(he.bfv.N, rows, [4, 4], 128);
    const bins = packBins(he.bfv, Uint8Array.from({ length: rows * 2 }, (_, k) => k % 4), 2, layout);
    const cts = encryptGradients(he.bfv, he.party, packGradients(he.bfv, new Float64Array(rows).fill(1), new Float64Array(rows).fill(2)), layout);
    const wire = cts.map((ct) => serializeCiphertext(he.bfv, ct));
    // A vector ciphertext switched to the last level: the workers check it as wire input.
    const low = (cts[1] as Ciphertext).clone();
    modSwitchToLast(he.bfv, low);
    const lowBytes = serializeCiphertext(he.bfv, low);
    low.delete();
    const inThread = failure(() => deserializeCiphertext(he.bfv, lowBytes, 'cts[1]', 'first'));
    expect(inThread?.code).toBe('FM_ERR_HE_CIPHERTEXT');
    expect(await rejection(pool.histogram(he.bfv, [wire[0] as Uint8Array, lowBytes, wire[2] as Uint8Array], bins))).toEqual(inThread);
    // A truncated one.
    const cut = (wire[2] as Uint8Array).subarray(0, 1000);
    expect(await rejection(pool.histogram(he.bfv, [wire[0] as Uint8Array, wire[1] as Uint8Array, cut], bins))).toEqual(failure(() => deserializeCiphertext(he.bfv, cut, 'cts[2]', 'first')));
    // A deleted ciphertext and a short vector, checked before anything reaches a worker.
    (cts[0] as Ciphertext).delete();
    expect(await rejection(pool.histogram(he.bfv, cts, bins))).toEqual(failure(() => encryptedHistogram(he.bfv, cts, bins)));
    expect(await rejection(pool.histogram(he.bfv, cts.slice(1), bins))).toEqual(failure(() => encryptedHistogram(he.bfv, cts.slice(1), bins)));
    disposeAll(cts.slice(1));
    // Bad codes reaching a worker directly (a pool always checks them first): packBins's error.
    const badCodes = Uint8Array.from([0, 1, 1, 3, 4, 2]);
    const small = makeHistogramLayout(he.bfv.N, 3, [2, 4], 64);
    const worker = new Worker(new URL('./histogramWorker.ts', import.meta.url));
    try {
      const request: HistogramRequest = { id: 1, op: 'load', bins: 1, packed: { N: small.N, rows: 3, chunkRows: 64, binCounts: [2, 4], cols: 2, codes: badCodes }, cache: false, from: 0, to: 1 };
      worker.postMessage(request);
      const reply = await new Promise<unknown>((resolve) => worker.on('message', (m: unknown) => isWorkerMessage(m) && m.kind !== 'ready' && resolve(m)));
      expect(isWorkerMessage(reply) && reply.kind === 'error' ? { code: reply.code, message: new FedmarkError(reply.code, reply.params).message } : reply).toEqual(failure(() => packBins(he.bfv, badCodes, 2, small)));
    } finally {
      await worker.terminate();
    }
    bins.dispose();
  });

  it('shuts down: close() ends the workers and later calls fail; a pool never closed does not keep its process alive', async () => {
    const other = new HistogramPool({ threads: 1 });
    await other.ready();
    await other.close();
    const layout = makeHistogramLayout(he.bfv.N, 3, [2], 64);
    const bins: PackedBins = packBins(he.bfv, Uint8Array.from([0, 1, 1]), 1, layout);
    expect(await rejection(other.histogram(he.bfv, [], bins))).toEqual({ code: 'FM_ERR_HE_POOL', message: 'histogram worker pool: the pool is closed' });
    bins.dispose();
    const child = spawnSync(process.execPath, [fileURLToPath(new URL('./histogramPoolExit.fixture.ts', import.meta.url))], { encoding: 'utf8', timeout: 300_000 });
    expect({ status: child.status, signal: child.signal, stdout: child.stdout }).toEqual({ status: 0, signal: null, stdout: '1 results\n' });
  });
});
