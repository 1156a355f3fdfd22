// A host's side of vertical gradient-boosted trees (guest.ts has the protocol). It tells the guest
// its columns' bin counts, then serves the guest's asks in order:
//   histogram — takes the node's encrypted gradient vector, multiplies it into its bins
//     (protocol/he/histogram.ts through the runtime), masks every result and sends the masked
//     ciphertexts and the masks at the bins' positions to the guest; it never sees a decrypted value;
//   split — keeps the winning column and rule as its next split record (the guest's tree names it
//     only by id) and answers which of the node's rows go left;
//   decide — the same answer for rows of the evaluation or population rows, at one of its splits;
//   tree — after each tree; at the last, keeps only the records of the kept trees;
//   end.
// What it learns: ciphertexts, the rows of each node it is asked about (with hiddenRows, none:
// every vector holds every row), and which of its splits the trees use.
import { FedmarkError } from '../../../errors/table.ts';
import type { HostOutcome, PreparedRows } from '../model.ts';
import type { HistogramVectorLayout, PackedBins, VerticalRuntime } from '../runtime.ts';
import { MAX_BINS, type BinnedColumns } from './binning.ts';
import { binnedRows } from './features.ts';
import type { GbdtMessages } from './messages.ts';
import { readRows } from './rowLists.ts';
import type { GbdtTraining } from './settings.ts';
import { decideRows, type SplitRecord } from './tree.ts';

type Runtime = VerticalRuntime<GbdtMessages, unknown>;

/** Cached plaintexts for hidden rows take 32 bytes per (row, bin): at most this much. */
const CACHE_BYTES = 256 * 2 ** 20;

export interface HostShard {
  splits: SplitRecord[];
}

export async function runGbdtHost(rt: Runtime, rows: PreparedRows, t: GbdtTraining): Promise<HostOutcome> {
  const own = binnedRows(rows);
  const { train } = own;
  const bins = Array.from(train.binCounts).reduce((s, b) => s + b, 0);
  rt.peers.send(rt.guest, 'gbdt.hello', { binCounts: Array.from(train.binCounts), categorical: Array.from(train.categorical) });
  const records: SplitRecord[] = [];
  const sets: Record<'train' | 'evaluation' | 'population', BinnedColumns | undefined> = { train, evaluation: own.evaluation, population: own.population };
  const all = (b: BinnedColumns) => Uint32Array.from({ length: b.rows }, (_, i) => i);
  /** With hidden rows every vector has the same rows, so the packed bins serve every node and tree. */
  let cached: { key: string; bins: PackedBins } | undefined;
  try {
    for (let seq = 0; ; seq++) {
      rt.signal?.throwIfAborted();
      const { body, payload } = await rt.peers.take(rt.guest, 'gbdt.ask', (b) => b.seq === seq);
      const what = `gbdt.ask ${seq} (${body.op}) from ${rt.guest}`;
      if (body.op === 'end') break;
      if (body.op === 'histogram') {
        const layout = rt.he.histogramLayout(body.rows, body.bins, body.hidden);
        if (body.hidden && body.rows !== train.rows) throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: what, state: `a hidden-rows vector of ${body.rows} rows for ${train.rows} training rows` });
        let packed: PackedBins;
        if (body.hidden) {
          const key = `${body.rows}/${body.bins}`;
          if (cached?.key !== key) {
            cached?.bins.dispose();
            cached = { key, bins: rt.he.packBins(train, layout, { cache: train.rows * bins * 32 <= CACHE_BYTES }) };
          }
          packed = cached.bins;
        } else {
          packed = rt.he.packBins(train, layout, { order: readRows(payload, body.rows, train.rows, what) });
        }
        try {
          await histogram(rt, body.tree, body.node, layout, packed);
        } finally {
          if (packed !== cached?.bins) packed.dispose();
        }
        continue;
      }
      if (body.op === 'split') {
        if (body.split !== records.length) throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: what, state: `split ${body.split}, the next of this host's is ${records.length}` });
        records.push(checkRecord(train, { feature: body.feature, rule: body.rule }, what));
        const r = body.hidden ? all(train) : readRows(payload, body.rows, train.rows, what);
        rt.peers.send(rt.guest, 'gbdt.flags', { tree: body.tree, node: body.node, set: 'grow' }, decideRows(records, train, body.split, r));
        continue;
      }
      if (body.op === 'decide') {
        const set = sets[body.set];
        if (set === undefined) throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: what, state: `no ${body.set} rows in this job` });
        if (body.split >= records.length) throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: what, state: `split ${body.split} of ${records.length}` });
        const r = body.all ? all(set) : readRows(payload, body.rows, set.rows, what);
        rt.peers.send(rt.guest, 'gbdt.flags', { tree: body.tree, node: body.node, set: body.set }, decideRows(records, set, body.split, r));
        continue;
      }
      if (body.stop) {
        if (body.splits > records.length) throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: what, state: `keep ${body.splits} of ${records.length} splits` });
        records.length = body.splits;
      }
    }
  } finally {
    cached?.bins.dispose();
  }
  const shard: HostShard = { splits: records };
  return { shard: { ...shard } };
}

/** Step 2 of the histogram kernel: the guest's vector times this host's bins, masked, to the guest. */
async function histogram(rt: Runtime, tree: number, node: number, layout: HistogramVectorLayout, packed: PackedBins): Promise<void> {
  const v = await rt.takeVector(rt.guest, 'gbdt.grad', { epoch: tree, batch: node }, layout);
  let masked;
  try {
    masked = await rt.he.histogram(v, packed);
  } finally {
    v.dispose();
  }
  const count = masked.ciphertexts.length;
  masked.ciphertexts.forEach((bytes, index) => rt.peers.send(rt.guest, 'gbdt.hist', { tree, node, index, count }, bytes));
  rt.peers.send(rt.guest, 'gbdt.masks', { tree, node }, masked.masks);
}

/** A split the guest asks this host to keep must name one of its columns and a rule of that column's kind and bins. */
function checkRecord(train: BinnedColumns, record: SplitRecord, what: string): SplitRecord {
  const bins = train.binCounts[record.feature];
  const bad = (why: string) => new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: what, state: why });
  if (bins === undefined) throw bad(`column ${record.feature} of ${train.cols}`);
  const categorical = train.categorical[record.feature] === 1;
  if (record.rule.kind === 'threshold' && (categorical || record.rule.bin >= bins)) throw bad(`a threshold at bin ${record.rule.bin} on a column of ${bins} ${categorical ? 'categories' : 'bins'}`);
  if (record.rule.kind === 'categories' && (!categorical || record.rule.left.some((c) => c >= Math.min(bins, MAX_BINS)))) throw bad('a category set that is not of this categorical column');
  return record;
}
