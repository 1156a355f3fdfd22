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
// the host their order) the guest packs and encrypts its G, H, the host gathers its bin codes,
// computes the encrypted histogram, masks every result (pad, flooding, switch), the key holder
// decrypts with the mask check, and the guest decodes; the result is checked against the
// plaintext histogram. `--hidden` also runs the mode where the host never learns a node's rows
// (all rows every time, zeros outside the node, plaintexts cached in NTT form once).
// With --host-columns C < the host's columns, the encrypted step runs on the first C and its
// column-dependent parts (host products, masks, decryptions, decoding, result bytes) are scaled by
// columns/C, the guest's encryption and the host's per-chunk work not; the output says so.
// Times are the main thread's CPU time (robust to other load on the 2 cores); --clock wall.
// What each role learns: nothing; local measurement on synthetic data.

import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { BANK_MARKETING_GUEST, BANK_MARKETING_HOST, bankMarketingMatrix, readBankMarketing } from '../data/bankMarketing.ts';
import type { Matrix } from '../models/matrix.ts';
import { mulberry32 } from '../models/random.ts';
import { applyPartyBinning, fitPartyBinning, type BinnedColumns } from '../models/vertical/gbdt/binning.ts';
import { binOffsets, buildHistogram } from '../models/vertical/gbdt/histogram.ts';
import { gradientGrid, logisticGradients } from '../models/vertical/gbdt/quantize.ts';
import { gbdtOptions, growTree, trainGbdt, type PartyColumns } from '../models/vertical/gbdt/trainer.ts';
import { createBfv, deserializeCiphertext, disposeAll, generateArbiterKeys, loadPublicKey, serializeCiphertext, type Bfv, type ArbiterKeys, type PartyKey } from '../protocol/he/bfv.ts';
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
import { arbiterDecryptChecked, MASK_CHECK, maskResult } from '../protocol/he/innerProduct.ts';

const HELP = `usage: npm run bench -- vertical-gbdt [--json] [--quick] [--shapes fate,bank] [--trees N]
                                     [--host-columns C] [--hidden] [--clock cpu|wall]

  --shapes        which shapes (default fate,bank)
  --trees         trees of the plaintext reference per shape (default 10)
  --host-columns  host columns the encrypted step runs on, the rest scaled (default: 30 for fate, all for bank)
  --hidden        also the mode where hosts never learn a node's rows, with cached plaintexts (bank shape, and
                  fate with --quick: the full fate host's cache would take n·(Σ bins)·32 bytes = 31 GB)
  --quick         smoke run: 10,000 rows, 3 trees, 6 host columns
  --json          one JSON line on stdout instead of the tables`;

let clock: 'cpu' | 'wall' = 'cpu';
const now = (): number => {
  if (clock === 'wall') return performance.now();
  const u = process.threadCpuUsage();
  return (u.user + u.system) / 1000;
};

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
  hostMask: number;
  keyHolderDecrypt: number;
  guestDecode: number;
}

interface StepResult {
  mode: 'repack' | 'hidden';
  chunkRows: number;
  nodes: number;
  rowsEncrypted: number;
  ciphertextsUp: number;
  results: number;
  products: number;
  /** One-off per job (hidden mode): building and caching the host's plaintexts. */
  oneOffMs: number;
  phasesMs: Phases;
  ms: number;
  bytes: { up: number; results: number; masks: number; order: number; total: number };
  scaledFrom?: { columns: number; of: number };
}

interface He {
  bfv: Bfv;
  keys: ArbiterKeys;
  guest: PartyKey;
}

/** The host's binned columns 0 … columns − 1. */
function firstColumns(b: BinnedColumns, columns: number): BinnedColumns {
  const codes = new Uint8Array(b.rows * columns);
  for (let i = 0; i < b.rows; i++) codes.set(b.codes.subarray(i * b.cols, i * b.cols + columns), i * columns);
  return { rows: b.rows, cols: columns, codes, binCounts: b.binCounts.slice(0, columns), categorical: b.categorical.slice(0, columns) };
}

function encryptedStep(he: He, mode: 'repack' | 'hidden', host: BinnedColumns, direct: Uint32Array[], G: Float64Array, H: Float64Array, chunkRows: number, scale: number): StepResult {
  const { bfv } = he;
  const phases: Phases = { guestEncrypt: 0, hostReceive: 0, hostGather: 0, hostProducts: 0, hostMask: 0, keyHolderDecrypt: 0, guestDecode: 0 };
  const bytes = { up: 0, results: 0, masks: 0, order: 0, total: 0 };
  const offsets = binOffsets(host.binCounts);
  const binCounts = Array.from(host.binCounts);
  let oneOffMs = 0;
  let cached: PackedBins | undefined;
  let ciphertextsUp = 0;
  let results = 0;
  let products = 0;
  let rowsEncrypted = 0;
  const all = Uint32Array.from({ length: host.rows }, (_, i) => i);
  if (mode === 'hidden') {
    const t0 = now();
    cached = packBins(bfv, host.codes, host.cols, makeHistogramLayout(bfv.N, host.rows, binCounts, chunkRows), { cache: true });
    oneOffMs = now() - t0;
  }
  for (const node of direct) {
    let t = now();
    const rows = mode === 'hidden' ? all : node;
    let g = Float64Array.from(node, (i) => G[i] as number);
    let h = Float64Array.from(node, (i) => H[i] as number);
    if (mode === 'hidden') {
      g = new Float64Array(host.rows);
      h = new Float64Array(host.rows);
      for (const i of node) {
        g[i] = G[i] as number;
        h[i] = H[i] as number;
      }
    }
    const layout = makeHistogramLayout(bfv.N, rows.length, binCounts, chunkRows);
    const packed = packGradients(bfv, g, h);
    const encrypted = encryptGradients(bfv, he.guest, packed, layout);
    const sent = encrypted.map((ct) => serializeCiphertext(bfv, ct));
    disposeAll(encrypted);
    phases.guestEncrypt += now() - t;
    bytes.up += sent.reduce((s, b) => s + b.length, 0);
    if (mode === 'repack') bytes.order += 4 * node.length;
    ciphertextsUp += sent.length;
    rowsEncrypted += rows.length;

    t = now();
    const received = sent.map((b, c) => deserializeCiphertext(bfv, b, `vector[${c}]`, 'first'));
    phases.hostReceive += now() - t;
    t = now();
    const bins = cached ?? packBins(bfv, host.codes, host.cols, layout, { order: node });
    phases.hostGather += now() - t;
    t = now();
    const sums = encryptedHistogram(bfv, received, bins);
    phases.hostProducts += now() - t;
    disposeAll(received);
    if (cached === undefined) bins.dispose();
    for (let c = 0; c < layout.chunks; c++) for (let k = 0; k < layout.groups; k++) if (c * layout.chunkRows < rows.length) products++;
    t = now();
    const masked = sums.map((ct, k) => maskResult(bfv, he.guest, ct, histogramPositions(layout, k)));
    phases.hostMask += now() - t;
    results += masked.length;
    bytes.results += masked.reduce((s, m) => s + m.bytes.length, 0);
    bytes.masks += masked.reduce((s, m) => s + 8 * m.masks.length, 0);

    t = now();
    const decrypted = masked.map((m, k) => {
      const spots = Array.from({ length: MASK_CHECK.spots }, () => randomInt(bfv.N));
      const checked = arbiterDecryptChecked(bfv, he.keys.secret, m.bytes, m.positions, spots, `result[${k}]`);
      if (checked.smallAtSpots > MASK_CHECK.maxSmall) throw new Error('a masked result failed the mask check');
      return checked.values;
    });
    phases.keyHolderDecrypt += now() - t;
    t = now();
    const histogram = decodeHistogram(bfv, layout, packed.shiftBits, masked.map((m, k) => ({ values: decrypted[k] as Float64Array, masks: m.masks })));
    phases.guestDecode += now() - t;
    const plain = buildHistogram(host, offsets, node, G, H);
    for (let s = 0; s < plain.g.length; s++) {
      if (histogram.g[s] !== plain.g[s] || histogram.h[s] !== plain.h[s]) throw new Error(`the encrypted histogram differs from the plaintext one at bin ${s}`);
    }
  }
  cached?.dispose();
  const columnParts: Array<keyof Phases> = ['hostGather', 'hostProducts', 'hostMask', 'keyHolderDecrypt', 'guestDecode'];
  for (const p of columnParts) phases[p] *= scale;
  bytes.results *= scale;
  bytes.masks *= scale;
  bytes.total = bytes.up + bytes.results + bytes.masks + bytes.order;
  const ms = Object.values(phases).reduce((s, v) => s + v, 0);
  return { mode, chunkRows, nodes: direct.length, rowsEncrypted, ciphertextsUp, results: Math.round(results * scale), products: Math.round(products * scale), oneOffMs: oneOffMs * scale, phasesMs: phases, ms, bytes };
}

// ---- per shape ---------------------------------------------------------------------------------

interface ShapeResult {
  shape: string;
  rows: number;
  columns: { guest: number; host: number };
  trees: number;
  plaintextSecondsPerTree: number;
  firstTree: { directNodes: number; histogramRows: number; passes: number; fractionalBits: number };
  encrypted: StepResult[];
  goalSecondsPerTree: number;
}

function measureShape(he: He, shape: Shape, trees: number, hostColumns: number, hidden: boolean): ShapeResult {
  const rows = shape.y.length;
  process.stderr.write(`  ${shape.name}: plaintext reference, ${trees} trees…\n`);
  const t = now();
  trainGbdt([shape.guest, shape.host], shape.y, { trees });
  const plaintextSecondsPerTree = (now() - t) / 1000 / trees;

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
  const chunkRows = recommendChunkRows(he.bfv.N, rows, fullBins);
  const sub = firstColumns(host, columns);
  const encrypted: StepResult[] = [];
  for (const mode of hidden ? (['repack', 'hidden'] as const) : (['repack'] as const)) {
    process.stderr.write(`  ${shape.name}: encrypted step (${mode}), ${direct.length} nodes, ${columns} of ${host.cols} host columns, L = ${chunkRows}…\n`);
    const r = encryptedStep(he, mode, sub, direct, grid.G, grid.H, chunkRows, scale);
    if (scale !== 1) r.scaledFrom = { columns, of: host.cols };
    encrypted.push(r);
  }
  return {
    shape: shape.name,
    rows,
    columns: { guest: shape.guest.x.cols, host: shape.host.x.cols },
    trees,
    plaintextSecondsPerTree,
    firstTree: { directNodes: direct.length, histogramRows, passes: histogramRows / rows, fractionalBits: grid.fractionalBits },
    encrypted,
    goalSecondsPerTree: shape.name === 'fate' ? 20 : 1,
  };
}

/** Unit costs on this machine (the cost model's HISTOGRAM_COSTS), from the bank-shaped run. */
function unitCosts(r: StepResult): Record<string, number> {
  return {
    chunkMs: (r.phasesMs.guestEncrypt + r.phasesMs.hostReceive) / r.ciphertextsUp,
    productMs: r.phasesMs.hostProducts / r.products,
    resultMs: (r.phasesMs.hostMask + r.phasesMs.keyHolderDecrypt) / r.results,
  };
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { json: { type: 'boolean' }, quick: { type: 'boolean' }, shapes: { type: 'string' }, trees: { type: 'string' }, 'host-columns': { type: 'string' }, hidden: { type: 'boolean' }, clock: { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help) return void process.stdout.write(`${HELP}\n`);
  if (values.clock === 'wall') clock = 'wall';
  const shapes = (values.shapes ?? 'fate,bank').split(',');
  const trees = Number(values.trees ?? (values.quick ? 3 : 10));
  const bfv = await createBfv();
  const keys = generateArbiterKeys(bfv);
  const he: He = { bfv, keys, guest: loadPublicKey(bfv, keys.publicBytes) };
  const results: ShapeResult[] = [];
  try {
    for (const name of shapes) {
      if (name === 'fate') results.push(measureShape(he, fateShape(values.quick ? 10_000 : 100_000), trees, Number(values['host-columns'] ?? (values.quick ? 6 : 30)), Boolean(values.hidden) && Boolean(values.quick)));
      else if (name === 'bank') results.push(measureShape(he, bankShape(values.quick ? 10_000 : 45_000), trees, Number(values['host-columns'] ?? 1000), Boolean(values.hidden)));
      else throw new Error(`unknown shape ${name} (fate, bank)`);
    }
  } finally {
    he.guest.dispose();
    keys.secret.dispose();
    bfv.dispose();
  }
  if (values.json) return void process.stdout.write(`${JSON.stringify({ benchmark: 'vertical-gbdt', scope: 'encrypted histogram step only, not full federated training', clock, costModel: HISTOGRAM_COSTS, shapes: results })}\n`);
  const out: string[] = ['vertical-gbdt: the ENCRYPTED HISTOGRAM STEP only (guest encrypts G,H; one host aggregates its bins; key holder decrypts; guest decodes),', 'not full federated training (issue 14, phase 1). Times: one thread, ' + (clock === 'cpu' ? 'CPU time.' : 'wall time.'), ''];
  for (const r of results) {
    out.push(`${r.shape}: ${r.rows} rows, guest ${r.columns.guest} + host ${r.columns.host} columns; first tree: ${r.firstTree.directNodes} histogram nodes, ${r.firstTree.passes.toFixed(2)} row-passes, f = ${r.firstTree.fractionalBits}`);
    out.push(`  plaintext reference (both parties, ${r.trees} trees): ${(r.plaintextSecondsPerTree * 1000).toFixed(0)} ms per tree`);
    for (const e of r.encrypted) {
      const scaled = e.scaledFrom ? ` (host part measured on ${e.scaledFrom.columns} of ${e.scaledFrom.of} columns, scaled ×${(e.scaledFrom.of / e.scaledFrom.columns).toFixed(1)})` : '';
      out.push(`  encrypted step, ${e.mode === 'repack' ? 'default (host told the node\'s rows)' : 'hidden (host never told the rows)'}: ${(e.ms / 1000).toFixed(1)} s per tree${scaled}, ${(e.bytes.total / 1e6).toFixed(0)} MB per tree, ${(e.ms / 1000 / r.plaintextSecondsPerTree).toFixed(0)}× the plaintext tree; goal ≤ ${r.goalSecondsPerTree} s per tree`);
      out.push(`    L = ${e.chunkRows} rows per ciphertext; ${e.ciphertextsUp} ciphertexts up (${(e.bytes.up / 1e6).toFixed(0)} MB), ${e.results} results (${(e.bytes.results / 1e6).toFixed(0)} MB), ${e.products} plaintext products${e.oneOffMs > 0 ? `; one-off plaintext cache ${(e.oneOffMs / 1000).toFixed(1)} s` : ''}`);
      out.push(`    s per tree: ${Object.entries(e.phasesMs).map(([k, v]) => `${k} ${(v / 1000).toFixed(2)}`).join(', ')}`);
      const u = unitCosts(e);
      out.push(`    unit costs: ${Object.entries(u).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')} (cost model: chunkMs ${HISTOGRAM_COSTS.chunkMs}, productMs ${e.mode === 'hidden' ? HISTOGRAM_COSTS.cachedProductMs : HISTOGRAM_COSTS.productMs}, resultMs ${HISTOGRAM_COSTS.resultMs})`);
    }
    out.push('');
  }
  process.stdout.write(`${out.join('\n')}\n`);
}
