// Vertical gradient-boosted trees benchmark (issue 14, phase 1): `npm run bench -- vertical-gbdt`.
// Times, per tree, the plaintext reference trainer (models/vertical/gbdt/trainer.ts) and the
// encrypted histogram step of protocol/he/histogram.ts for one host — NOT full federated training:
// no processes, no sockets, no split exchange yet; every HE step runs in sequence on this thread.
//
// Shapes (synthetic, seeded):
//   fate  FATE's performance shape: guest 100,000 × 30, host 100,000 × 300 Gaussian columns, the
//         label from a logistic model of six of them.
//   bank  bank-marketing scale: 45,000 rows bootstrapped from the real sample (data/bank-marketing,
//         no duration), so columns keep their real distributions and categories; guest = the
//         demo bank's 8 columns, host = the demo partner's 7 and two more drawn from the real
//         `day` and `campaign` distributions, the issue's 8 + 9.
// Per shape: the reference trains `--trees` trees with the issue's defaults (depth 4, 32 bins) and
// reports seconds per tree (binning included, amortised). Then the first tree's nodes drive the
// encrypted step: for each node whose histogram the protocol computes directly (the root and the
// smaller child of every split), in the default mode (the guest repacks the node's rows and tells
// the host their order; the root is all rows in order, the same in every tree, so its plaintexts
// come from a cache built once per job when it fits --cache-mb) the guest packs and encrypts its
// G, H, the host gathers its bin codes, computes the encrypted histogram, masks every result (pad,
// flooding, switch; the pads are data-independent and timed apart, as a host makes them ahead),
// the key holder decrypts with the mask check, and the guest decodes; every histogram is checked
// against the plaintext one. `--hidden` also runs the mode where the host never learns a node's
// rows (all rows every time, zeros outside the node, every plaintext from the cache).
// With --host-columns C < the host's columns, the encrypted step runs on the first C and its
// column-dependent parts (host products, masks, decryptions, decoding, result bytes) are scaled by
// columns/C, the guest's encryption and the host's per-chunk work not; the output says so.
// The host's products run on --threads worker threads (protocol/he/histogramPool.ts; default all
// cores), each worker holding its share of the cached plaintexts; --threads 1 runs them in-thread.
// Phases are wall time; the step's total is also given in CPU time of all threads (robust to other
// load on the machine), with the load average. Before the shapes, a micro-benchmark times each
// SEAL operation of the kernel on one thread (plaintext load, its NTT, the NTT-form multiply, the
// add, the ciphertext's NTT and back, encryption, serialisation).
// What each role learns: nothing; local measurement on synthetic data.

import { randomInt } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { BANK_MARKETING_GUEST, BANK_MARKETING_HOST, bankMarketingMatrix, readBankMarketing } from '../data/bankMarketing.ts';
import type { Matrix } from '../models/matrix.ts';
import { mulberry32 } from '../models/random.ts';
import { applyPartyBinning, fitPartyBinning, type BinnedColumns } from '../models/vertical/gbdt/binning.ts';
import { binOffsets, buildHistogram } from '../models/vertical/gbdt/histogram.ts';
import { gradientGrid, logisticGradients } from '../models/vertical/gbdt/quantize.ts';
import { gbdtOptions, growTree, trainGbdt, type PartyColumns } from '../models/vertical/gbdt/trainer.ts';
import { createBfv, deserializeCiphertext, disposeAll, generateArbiterKeys, loadPublicKey, serializeCiphertext, type Bfv, type ArbiterKeys, type PartyKey } from '../protocol/he/bfv.ts';
import { PLAINTEXT_DATA_OFFSET, plaintextBytes, plaintextFromCoefficients } from '../protocol/he/coefficients.ts';
import { HistogramPool } from '../protocol/he/histogramPool.ts';
import {
  decodeHistogram,
  encryptGradients,
  encryptedHistogram,
  HISTOGRAM_COSTS,
  histogramPositions,
  makeHistogramLayout,
  packBins,
  packGradients,
  recommendChunkRows,
  type PackedBins,
} from '../protocol/he/histogram.ts';
import { arbiterDecryptChecked, MASK_CHECK, maskResult, prepareMask, type MaskPad } from '../protocol/he/innerProduct.ts';

const HELP = `usage: npm run bench -- vertical-gbdt [--json] [--quick] [--shapes fate,bank] [--trees N]
                                     [--host-columns C] [--hidden] [--threads T]

  --shapes        which shapes (default fate,bank)
  --trees         trees of the plaintext reference per shape (default 10)
  --host-columns  host columns the encrypted step runs on, the rest scaled (default: 30 for fate, all for bank)
  --hidden        also the mode where hosts never learn a node's rows (cached plaintexts: skipped when the cache,
                  n·(Σ bins)·32 bytes, exceeds --cache-mb; the full fate host's would take 31 GB)
  --cache-mb      memory for the host's cached plaintexts (default 1024): the default mode caches the root's
                  order when it fits (the root is the same rows in the same order in every tree)
  --threads       worker threads for the host's products (default: all cores; 1: in-thread)
  --quick         smoke run: 10,000 rows, 3 trees, 6 host columns
  --json          one JSON line on stdout instead of the tables`;

const now = (): number => performance.now();
/** CPU ms of every thread of the process (the workers included). */
const cpuNow = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const load = (): string => loadavg().map((l) => l.toFixed(1)).join(' / ');

// ---- data --------------------------------------------------------------------------------------

function uniform(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() / 2 ** 32;
}

function gaussian(rows: number, cols: number, seed: number): Matrix {
  const r = uniform(seed);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  return { data, rows, cols };
}

interface Shape {
  name: string;
  guest: PartyColumns;
  host: PartyColumns;
  y: Uint8Array;
}

function fateShape(rows: number): Shape {
  const guest = gaussian(rows, 30, 1);
  const host = gaussian(rows, 300, 2);
  const r = uniform(3);
  const y = Uint8Array.from({ length: rows }, (_, i) => {
    const u = 0.8 * (guest.data[i * 30] as number) - 0.6 * (guest.data[i * 30 + 1] as number) + 0.4 * (guest.data[i * 30 + 2] as number) + 0.9 * (host.data[i * 300] as number) - 0.7 * (host.data[i * 300 + 1] as number) + 0.5 * (host.data[i * 300 + 2] as number) - 1.2;
    return r() < 1 / (1 + Math.exp(-u)) ? 1 : 0;
  });
  return { name: 'fate', guest: { x: guest }, host: { x: host }, y };
}

function bankShape(rows: number): Shape {
  const table = readBankMarketing();
  const guest = bankMarketingMatrix(table, BANK_MARKETING_GUEST);
  const host = bankMarketingMatrix(table, [...BANK_MARKETING_HOST, 'day', 'campaign']);
  const r = uniform(4);
  const n = table.y.length;
  const pick = Uint32Array.from({ length: rows }, () => Math.floor(r() * n));
  const extra = [BANK_MARKETING_HOST.length, BANK_MARKETING_HOST.length + 1];
  const sample = (m: Matrix, independent: number[]): Matrix => {
    const data = new Float64Array(rows * m.cols);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < m.cols; j++) {
        const from = independent.includes(j) ? Math.floor(r() * n) : (pick[i] as number);
        data[i * m.cols + j] = m.data[from * m.cols + j] as number;
      }
    }
    return { data, rows, cols: m.cols };
  };
  return {
    name: 'bank',
    guest: { x: sample(guest.x, []), categorical: guest.categorical },
    host: { x: sample(host.x, extra), categorical: host.categorical },
    y: Uint8Array.from(pick, (i) => table.y[i] as number),
  };
}

// ---- the encrypted step ------------------------------------------------------------------------

interface Phases {
  guestEncrypt: number;
  hostReceive: number;
  hostGather: number;
  hostProducts: number;
  /** Mask pads: data-independent, prepared while waiting for the guest's vector. */
  hostPads: number;
  hostMask: number;
  keyHolderDecrypt: number;
  guestDecode: number;
}

interface StepResult {
  mode: 'repack' | 'hidden';
  /** L of each node's vector. */
  chunkRows: number[];
  nodes: number;
  /** Whether the host's plaintexts for the all-rows order were cached (hidden mode: every node; default: the root). */
  cachedAllRows: boolean;
  ciphertextsUp: number;
  results: number;
  products: { cached: number; built: number };
  /** One-off per job: building and caching the host's plaintexts of the all-rows order. */
  oneOffMs: number;
  phasesMs: Phases;
  /** CPU ms of all threads per phase (the products' on the workers). */
  phasesCpuMs: Phases;
  /** ms in products with cached plaintexts, and with plaintexts built per product. */
  productMs: { cached: number; built: number };
  ms: number;
  /** ms without the mask pads, which can be prepared ahead of time. */
  criticalMs: number;
  /** CPU ms of all threads over the step (scaled like the phases). */
  cpuMs: number;
  threads: number;
  bytes: { up: number; results: number; masks: number; order: number; total: number };
  scaledFrom?: { columns: number; of: number };
}

interface He {
  bfv: Bfv;
  keys: ArbiterKeys;
  guest: PartyKey;
  /** The host's workers, or undefined to run the products in-thread. */
  pool: HistogramPool | undefined;
}

/** The host's binned columns 0 … columns − 1. */
function firstColumns(b: BinnedColumns, columns: number): BinnedColumns {
  const codes = new Uint8Array(b.rows * columns);
  for (let i = 0; i < b.rows; i++) codes.set(b.codes.subarray(i * b.cols, i * b.cols + columns), i * columns);
  return { rows: b.rows, cols: columns, codes, binCounts: b.binCounts.slice(0, columns), categorical: b.categorical.slice(0, columns) };
}

interface StepInput {
  mode: 'repack' | 'hidden';
  host: BinnedColumns;
  /** The node row lists whose histograms are computed directly; direct[0] is the root, all rows in order. */
  direct: Uint32Array[];
  G: Float64Array;
  H: Float64Array;
  /** Bins of all the host's columns (L is chosen for them even when a subset runs). */
  fullBins: number;
  /** full columns / measured columns. */
  scale: number;
  cacheBytes: number;
}

async function encryptedStep(he: He, input: StepInput): Promise<StepResult> {
  const { bfv } = he;
  const { mode, host, direct, G, H, fullBins, scale } = input;
  const phases: Phases = { guestEncrypt: 0, hostReceive: 0, hostGather: 0, hostProducts: 0, hostPads: 0, hostMask: 0, keyHolderDecrypt: 0, guestDecode: 0 };
  const phasesCpu: Phases = { ...phases };
  const bytes = { up: 0, results: 0, masks: 0, order: 0, total: 0 };
  const products = { cached: 0, built: 0 };
  const productMs = { cached: 0, built: 0 };
  const offsets = binOffsets(host.binCounts);
  const binCounts = Array.from(host.binCounts);
  const chunkRows: number[] = [];
  let ciphertextsUp = 0;
  let results = 0;
  // Plaintexts of the all-rows order, cached in NTT form when they fit the budget (32 bytes per (row, bin)).
  const { pool } = he;
  // The products run on the workers: per wall second they cost 1/threads of a thread's.
  const costs = { ...HISTOGRAM_COSTS, productMs: HISTOGRAM_COSTS.productMs / (pool?.size ?? 1), cachedProductMs: HISTOGRAM_COSTS.cachedProductMs / (pool?.size ?? 1) };
  const fullL = recommendChunkRows(bfv.N, host.rows, fullBins, { cached: true }, costs);
  const cacheSize = 32 * host.rows * fullBins;
  let cached: PackedBins | undefined;
  let oneOffMs = 0;
  const pack = (layout: ReturnType<typeof makeHistogramLayout>, options: { order?: Uint32Array; cache?: boolean }): PackedBins =>
    pool === undefined ? packBins(bfv, host.codes, host.cols, layout, options) : pool.packBins(bfv, host.codes, host.cols, layout, options);
  if (mode === 'hidden' || cacheSize <= input.cacheBytes) {
    const t0 = now();
    cached = pack(makeHistogramLayout(bfv.N, host.rows, binCounts, fullL), { cache: true });
    // The workers build their shares in the background: wait for it with an empty vector's product.
    if (pool !== undefined) disposeAll(await pool.histogram(bfv, encryptGradients(bfv, he.guest, packGradients(bfv, new Float64Array(host.rows), new Float64Array(host.rows)), cached.layout), cached));
    oneOffMs = now() - t0;
  }
  const cpu1 = cpuNow();
  let guestCpu = 0;
  for (const [k, node] of direct.entries()) {
    const allRows = mode === 'hidden' || k === 0;
    const bins0 = allRows ? cached : undefined;
    let t = now();
    let c = cpuNow();
    const guestCpu0 = cpuNow();
    let g: Float64Array;
    let h: Float64Array;
    if (allRows) {
      g = new Float64Array(host.rows);
      h = new Float64Array(host.rows);
      for (const i of node) {
        g[i] = G[i] as number;
        h[i] = H[i] as number;
      }
    } else {
      g = Float64Array.from(node, (i) => G[i] as number);
      h = Float64Array.from(node, (i) => H[i] as number);
    }
    const layout = bins0?.layout ?? makeHistogramLayout(bfv.N, g.length, binCounts, recommendChunkRows(bfv.N, g.length, fullBins, {}, costs));
    chunkRows.push(layout.chunkRows);
    const packed = packGradients(bfv, g, h);
    const encrypted = encryptGradients(bfv, he.guest, packed, layout);
    const sent = encrypted.map((ct) => serializeCiphertext(bfv, ct));
    disposeAll(encrypted);
    phases.guestEncrypt += now() - t;
    phasesCpu.guestEncrypt += cpuNow() - c;
    guestCpu += cpuNow() - guestCpu0;
    bytes.up += sent.reduce((sum, b) => sum + b.length, 0);
    if (!allRows) bytes.order += 4 * node.length;
    ciphertextsUp += sent.length;

    t = now();
    c = cpuNow();
    // In-thread the host loads the vector here; the workers load and check it themselves.
    const received = pool === undefined ? sent.map((b, c) => deserializeCiphertext(bfv, b, `vector[${c}]`, 'first')) : sent;
    phases.hostReceive += now() - t;
    phasesCpu.hostReceive += cpuNow() - c;
    t = now();
    c = cpuNow();
    const bins = bins0 ?? pack(layout, { order: node });
    phases.hostGather += now() - t;
    phasesCpu.hostGather += cpuNow() - c;
    t = now();
    c = cpuNow();
    const sums = pool === undefined ? encryptedHistogram(bfv, received as ReturnType<typeof encryptGradients>, bins) : await pool.histogram(bfv, received, bins);
    const spent = now() - t;
    phasesCpu.hostProducts += cpuNow() - c;
    phases.hostProducts += spent;
    const count = bins.cached !== undefined ? bins.cached.filter((p) => p !== undefined).length : layout.chunks * layout.groups;
    if (bins0 !== undefined) (products.cached += count), (productMs.cached += spent);
    else (products.built += count), (productMs.built += spent);
    if (pool === undefined) disposeAll(received as ReturnType<typeof encryptGradients>);
    if (bins0 === undefined) bins.dispose();
    t = now();
    c = cpuNow();
    const pads = sums.map(() => prepareMask(bfv, he.guest));
    phases.hostPads += now() - t;
    phasesCpu.hostPads += cpuNow() - c;
    t = now();
    c = cpuNow();
    const masked = sums.map((ct, j) => maskResult(bfv, he.guest, ct, histogramPositions(layout, j), { pad: pads[j] as MaskPad }));
    phases.hostMask += now() - t;
    phasesCpu.hostMask += cpuNow() - c;
    results += masked.length;
    bytes.results += masked.reduce((sum, m) => sum + m.bytes.length, 0);
    bytes.masks += masked.reduce((sum, m) => sum + 8 * m.masks.length, 0);

    t = now();
    c = cpuNow();
    const decrypted = masked.map((m, j) => {
      const spots = Array.from({ length: MASK_CHECK.spots }, () => randomInt(bfv.N));
      const checked = arbiterDecryptChecked(bfv, he.keys.secret, m.bytes, m.positions, spots, `result[${j}]`);
      if (checked.smallAtSpots > MASK_CHECK.maxSmall) throw new Error('a masked result failed the mask check');
      return checked.values;
    });
    phases.keyHolderDecrypt += now() - t;
    phasesCpu.keyHolderDecrypt += cpuNow() - c;
    t = now();
    c = cpuNow();
    const histogram = decodeHistogram(bfv, layout, packed.shiftBits, masked.map((m, j) => ({ values: decrypted[j] as Float64Array, masks: m.masks })));
    phases.guestDecode += now() - t;
    phasesCpu.guestDecode += cpuNow() - c;
    const plain = buildHistogram(host, offsets, node, G, H);
    for (let b = 0; b < plain.g.length; b++) {
      if (histogram.g[b] !== plain.g[b] || histogram.h[b] !== plain.h[b]) throw new Error(`the encrypted histogram differs from the plaintext one at bin ${b}`);
    }
  }
  cached?.dispose();
  let cpuMs = cpuNow() - cpu1;
  const columnParts: Array<keyof Phases> = ['hostGather', 'hostProducts', 'hostPads', 'hostMask', 'keyHolderDecrypt', 'guestDecode'];
  for (const p of columnParts) (phases[p] *= scale), (phasesCpu[p] *= scale);
  bytes.results *= scale;
  bytes.masks *= scale;
  bytes.total = bytes.up + bytes.results + bytes.masks + bytes.order;
  const ms = Object.values(phases).reduce((sum, v) => sum + v, 0);
  // The guest's encryption does not grow with the host's columns; the rest does.
  cpuMs = guestCpu + (cpuMs - guestCpu) * scale;
  return {
    mode,
    chunkRows,
    nodes: direct.length,
    cachedAllRows: cached !== undefined,
    ciphertextsUp,
    results: Math.round(results * scale),
    products: { cached: Math.round(products.cached * scale), built: Math.round(products.built * scale) },
    oneOffMs: oneOffMs * scale,
    phasesMs: phases,
    phasesCpuMs: phasesCpu,
    productMs: { cached: products.cached > 0 ? productMs.cached / products.cached : 0, built: products.built > 0 ? productMs.built / products.built : 0 },
    ms,
    criticalMs: ms - phases.hostPads,
    cpuMs,
    threads: pool?.size ?? 1,
    bytes,
  };
}

// ---- per shape ---------------------------------------------------------------------------------

interface ShapeResult {
  shape: string;
  rows: number;
  columns: { guest: number; host: number };
  trees: number;
  plaintextSecondsPerTree: number;
  plaintextCpuSecondsPerTree: number;
  loadAverage: string;
  firstTree: { directNodes: number; histogramRows: number; passes: number; fractionalBits: number };
  encrypted: StepResult[];
  goalSecondsPerTree: number;
}

async function measureShape(he: He, shape: Shape, trees: number, hostColumns: number, hidden: boolean, cacheBytes: number): Promise<ShapeResult> {
  const rows = shape.y.length;
  process.stderr.write(`  ${shape.name}: plaintext reference, ${trees} trees (load average ${load()})…\n`);
  const t = now();
  const c = cpuNow();
  trainGbdt([shape.guest, shape.host], shape.y, { trees });
  const plaintextSecondsPerTree = (now() - t) / 1000 / trees;
  const plaintextCpuSecondsPerTree = (cpuNow() - c) / 1000 / trees;

  // The first tree again, step by step, for its nodes.
  const o = gbdtOptions({});
  const binnings = [shape.guest, shape.host].map((p) => fitPartyBinning(p.x, { bins: o.bins, maxCategories: o.maxCategories, ...(p.categorical ? { categorical: p.categorical } : {}) }));
  const binned = [shape.guest, shape.host].map((p, k) => applyPartyBinning(binnings[k]!, p.x));
  const all = Uint32Array.from({ length: rows }, (_, i) => i);
  const positives = shape.y.reduce((s, v) => s + v, 0);
  const grad = logisticGradients(new Float64Array(rows).fill(Math.log(positives / (rows - positives))), shape.y);
  const grid = gradientGrid(grad, all);
  const { direct } = growTree({ binned, offsets: binned.map((b) => binOffsets(b.binCounts)), splits: [[], []], options: o }, all, grid, grad);
  const histogramRows = direct.reduce((s, r) => s + r.length, 0);
  const host = binned[1] as BinnedColumns;
  const columns = Math.min(hostColumns, host.cols);
  const scale = host.cols / columns;
  const fullBins = host.binCounts.reduce((s, b) => s + b, 0);
  const sub = firstColumns(host, columns);
  const encrypted: StepResult[] = [];
  for (const mode of hidden ? (['repack', 'hidden'] as const) : (['repack'] as const)) {
    if (mode === 'hidden' && 32 * rows * fullBins > cacheBytes) {
      process.stderr.write(`  ${shape.name}: hidden mode skipped: the host's plaintext cache would take ${((32 * rows * fullBins) / 1e9).toFixed(1)} GB (--cache-mb)\n`);
      continue;
    }
    process.stderr.write(`  ${shape.name}: encrypted step (${mode}), ${direct.length} nodes, ${columns} of ${host.cols} host columns…\n`);
    const r = await encryptedStep(he, { mode, host: sub, direct, G: grid.G, H: grid.H, fullBins, scale, cacheBytes });
    if (scale !== 1) r.scaledFrom = { columns, of: host.cols };
    encrypted.push(r);
  }
  return {
    shape: shape.name,
    rows,
    columns: { guest: shape.guest.x.cols, host: shape.host.x.cols },
    trees,
    plaintextSecondsPerTree,
    plaintextCpuSecondsPerTree,
    loadAverage: load(),
    firstTree: { directNodes: direct.length, histogramRows, passes: histogramRows / rows, fractionalBits: grid.fractionalBits },
    encrypted,
    goalSecondsPerTree: shape.name === 'fate' ? 20 : 1,
  };
}

/** ms per SEAL operation of the kernel, CPU time of this thread, N = 8192, 4 primes. */
function microBenchmark(he: He): Record<string, number> {
  const { bfv } = he;
  const threadMs = (): number => {
    const u = process.threadCpuUsage();
    return (u.user + u.system) / 1000;
  };
  const time = (reps: number, f: () => void): number => {
    f();
    const t = threadMs();
    for (let i = 0; i < reps; i++) f();
    return (threadMs() - t) / reps;
  };
  const values = plaintextFromCoefficients(bfv.seal, bfv.context, Float64Array.from({ length: bfv.N }, (_, i) => (i * 7919) % 65536), bfv.t, bfv.N);
  const ct = he.guest.encrypt(values);
  const ctNtt = new bfv.seal.Ciphertext();
  bfv.evaluator.cipherTransformToNtt(ct, ctNtt);
  // A 0/1 plaintext with N/32 ones, as one (chunk, group) product of 32-bin columns has.
  const template = plaintextBytes(new Float64Array(bfv.N), bfv.t);
  for (let k = 0; k < bfv.N / 32; k++) template[PLAINTEXT_DATA_OFFSET + 8 * ((k * 31) % bfv.N)] = 1;
  const pt = new bfv.seal.Plaintext();
  const ptNtt = new bfv.seal.Plaintext();
  ptNtt.loadFromArray(bfv.context, template);
  bfv.evaluator.plainTransformToNttInplace(ptNtt, bfv.firstParmsId);
  const out = new bfv.seal.Ciphertext();
  const acc = new bfv.seal.Ciphertext();
  bfv.evaluator.multiplyPlain(ctNtt, ptNtt, acc);
  try {
    const load = time(100, () => pt.loadFromArray(bfv.context, template));
    const loadNtt = time(50, () => {
      pt.loadFromArray(bfv.context, template);
      bfv.evaluator.plainTransformToNttInplace(pt, bfv.firstParmsId);
    });
    const multiply = time(100, () => bfv.evaluator.multiplyPlain(ctNtt, ptNtt, out));
    const add = time(200, () => bfv.evaluator.addInplace(acc, out));
    const toNtt = time(50, () => bfv.evaluator.cipherTransformToNtt(ct, out));
    const roundTrip = time(50, () => {
      bfv.evaluator.cipherTransformToNtt(ct, out);
      bfv.evaluator.cipherTransformFromNttInplace(out);
    });
    return {
      plaintextLoad: load,
      plaintextNtt: loadNtt - load,
      multiplyNtt: multiply,
      add,
      productBuilt: loadNtt + multiply + add,
      productCached: multiply + add,
      ciphertextToNtt: toNtt,
      ciphertextFromNtt: roundTrip - toNtt,
      encrypt: time(20, () => he.guest.encrypt(values).delete()),
      serialize: time(50, () => serializeCiphertext(bfv, ct)),
    };
  } finally {
    disposeAll([values, ct, ctNtt, pt, ptNtt, out, acc]);
  }
}

/** Unit costs on this machine, to compare with the cost model's HISTOGRAM_COSTS. */
function unitCosts(r: StepResult): Record<string, number> {
  return {
    chunkMs: (r.phasesMs.guestEncrypt + r.phasesMs.hostReceive) / r.ciphertextsUp,
    productMs: r.productMs.built,
    cachedProductMs: r.productMs.cached,
    resultMs: (r.phasesMs.hostPads + r.phasesMs.hostMask + r.phasesMs.keyHolderDecrypt) / r.results,
  };
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { json: { type: 'boolean' }, quick: { type: 'boolean' }, shapes: { type: 'string' }, trees: { type: 'string' }, 'host-columns': { type: 'string' }, hidden: { type: 'boolean' }, 'cache-mb': { type: 'string' }, threads: { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help) return void process.stdout.write(`${HELP}\n`);
  const threads = Number(values.threads ?? availableParallelism());
  const shapes = (values.shapes ?? 'fate,bank').split(',');
  const trees = Number(values.trees ?? (values.quick ? 3 : 10));
  const cacheBytes = Number(values['cache-mb'] ?? 1024) * 1e6;
  const bfv = await createBfv();
  const keys = generateArbiterKeys(bfv);
  const he: He = { bfv, keys, guest: loadPublicKey(bfv, keys.publicBytes), pool: threads > 1 ? new HistogramPool({ threads }) : undefined };
  const results: ShapeResult[] = [];
  let micro: Record<string, number> = {};
  try {
    process.stderr.write(`  micro-benchmark of the SEAL operations (load average ${load()})…\n`);
    micro = microBenchmark(he);
    await he.pool?.ready();
    for (const name of shapes) {
      if (name === 'fate') results.push(await measureShape(he, fateShape(values.quick ? 10_000 : 100_000), trees, Number(values['host-columns'] ?? (values.quick ? 6 : 30)), Boolean(values.hidden), cacheBytes));
      else if (name === 'bank') results.push(await measureShape(he, bankShape(values.quick ? 10_000 : 45_000), trees, Number(values['host-columns'] ?? 1000), Boolean(values.hidden), cacheBytes));
      else throw new Error(`unknown shape ${name} (fate, bank)`);
    }
  } finally {
    await he.pool?.close();
    he.guest.dispose();
    keys.secret.dispose();
    bfv.dispose();
  }
  if (values.json) return void process.stdout.write(`${JSON.stringify({ benchmark: 'vertical-gbdt', scope: 'encrypted histogram step only, not full federated training', threads, microMs: micro, costModel: HISTOGRAM_COSTS, shapes: results })}\n`);
  const out: string[] = [
    'vertical-gbdt: the ENCRYPTED HISTOGRAM STEP only (guest encrypts G,H; one host aggregates its bins; key holder decrypts; guest decodes),',
    `not full federated training (issue 14, phase 1). Host products on ${threads} thread(s); phases in wall time, totals also in CPU time of all threads.`,
    '',
    `SEAL operations, ms of one thread's CPU: ${Object.entries(micro).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ')}`,
    '',
  ];
  for (const r of results) {
    out.push(`${r.shape}: ${r.rows} rows, guest ${r.columns.guest} + host ${r.columns.host} columns; first tree: ${r.firstTree.directNodes} histogram nodes, ${r.firstTree.passes.toFixed(2)} row-passes, f = ${r.firstTree.fractionalBits}`);
    out.push(`  plaintext reference (both parties, ${r.trees} trees): ${(r.plaintextSecondsPerTree * 1000).toFixed(0)} ms per tree (${(r.plaintextCpuSecondsPerTree * 1000).toFixed(0)} ms CPU); load average ${r.loadAverage}`);
    for (const e of r.encrypted) {
      const scaled = e.scaledFrom ? ` (host part measured on ${e.scaledFrom.columns} of ${e.scaledFrom.of} columns, scaled ×${(e.scaledFrom.of / e.scaledFrom.columns).toFixed(1)})` : '';
      const name = e.mode === 'repack' ? `default (host told each node's rows${e.cachedAllRows ? '; root from cached plaintexts' : ''})` : 'hidden (host never told the rows; cached plaintexts)';
      out.push(`  encrypted step, ${name}: ${(e.ms / 1000).toFixed(1)} s per tree, ${(e.criticalMs / 1000).toFixed(1)} s with mask pads made ahead; ${(e.cpuMs / 1000).toFixed(1)} s CPU (all threads)${scaled}`);
      out.push(`    ${(e.bytes.total / 1e6).toFixed(0)} MB per tree; ${(e.ms / 1000 / r.plaintextSecondsPerTree).toFixed(0)}× the plaintext tree; goal ≤ ${r.goalSecondsPerTree} s per tree`);
      out.push(`    L = ${[...new Set(e.chunkRows)].join('/')} rows per ciphertext; ${e.ciphertextsUp} ciphertexts up (${(e.bytes.up / 1e6).toFixed(0)} MB), ${e.results} results (${(e.bytes.results / 1e6).toFixed(0)} MB), ${e.products.built} products with built plaintexts, ${e.products.cached} with cached ones${e.oneOffMs > 0 ? `; one-off plaintext cache ${(e.oneOffMs / 1000).toFixed(1)} s` : ''}`);
      out.push(`    s per tree: ${Object.entries(e.phasesMs).map(([k, v]) => `${k} ${(v / 1000).toFixed(2)}`).join(', ')}`);
      out.push(`    CPU s per tree: ${Object.entries(e.phasesCpuMs).map(([k, v]) => `${k} ${(v / 1000).toFixed(2)}`).join(', ')}`);
      const idle = Object.values(e.phasesCpuMs).reduce((sum, v) => sum + v, 0) - e.phasesCpuMs.hostPads - e.phasesCpuMs.hostProducts + e.phasesCpuMs.hostProducts / e.threads;
      out.push(`    on an idle machine (CPU time, the products spread over ${e.threads} thread(s), mask pads made ahead): ≈ ${(idle / 1000).toFixed(2)} s per tree`);
      out.push(`    unit costs (ms, wall, products over ${e.threads} thread(s)): ${Object.entries(unitCosts(e)).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}; cost model: ${Object.entries(HISTOGRAM_COSTS).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    }
    out.push('');
  }
  process.stdout.write(`${out.join('\n')}\n`);
}
