// The guest's side of vertical gradient-boosted trees (SecureBoost class; docs/security.md,
// "Vertical gradient-boosted trees"). The tree-growing algorithm is grow.ts's, the reference's own;
// the guest answers its requests:
//   histograms — its own in the clear; each host's: G and H of the node's rows (on the tree's
//     grid, quantize.ts) packed into one coefficient and encrypted under the arbiter's key, sent
//     to every host (repacked to the node's rows, or every row with zeros outside it when
//     hiddenRows); each host returns its masked encrypted histogram and the masks at the bins'
//     positions; the arbiter decrypts the masked values for the guest (one step per node); the
//     guest unmasks them: exact (ΣG, ΣH) per host bin, from which grow.ts finds the best split over
//     every party. Hosts offer no split in the first tree with completeSecureFirstTree.
//   split — its own: it keeps the record; a host's: "keep column c, rule r as split s" to the
//     owner, which answers the node's left/right flags (for every training row when hiddenRows).
// After each tree: margins of the training rows from the leaves, of the evaluation rows by
// walking the tree (owners answer their splits), the evaluation loss, early stopping; at the end
// the kept trees' scores of the evaluation rows and, for a lookalike, of the population.
// Labels, g and h never leave the guest in clear.
import { FedmarkError } from '../../../errors/table.ts';
import { logLoss } from '../../metrics/logLoss.ts';
import type { GuestOutcome, Labels, PreparedRows } from '../model.ts';
import type { MaskedHistogram, VerticalRuntime } from '../runtime.ts';
import type { BinnedColumns } from './binning.ts';
import { binnedRows } from './features.ts';
import { growSteps, type GrowReply, type PartyShape } from './grow.ts';
import { binOffsets, buildHistogram, type Histogram } from './histogram.ts';
import type { GbdtMessages } from './messages.ts';
import { DEFAULT_CAPACITY_BITS, gradientGrid, logisticGradients, type GradientGrid } from './quantize.ts';
import { readFlags, rowBytes } from './rowLists.ts';
import type { GbdtTraining } from './settings.ts';
import { decideRows, partition, type SplitRecord, type Tree } from './tree.ts';
import { probabilities, treeRows } from './trainer.ts';

type Runtime = VerticalRuntime<GbdtMessages, unknown>;
type RowSet = 'train' | 'evaluation' | 'population';

/** The guest's shard: the trees ("party p, split s" at each split), the base score, its own split records. */
export interface GuestShard {
  baseScore: number;
  trees: Tree[];
  splits: SplitRecord[];
  /** The hosts in the job's order: party k + 1 of a split node is hosts[k] (scoring needs it). */
  hosts: string[];
  /** Per party (guest first), Σ gain and number of splits of each of its columns in the kept trees. */
  importance: Array<{ gain: number[]; splits: number[] }>;
}

export async function runGbdtGuest(rt: Runtime, rows: PreparedRows, labels: Labels, t: GbdtTraining): Promise<GuestOutcome> {
  const own = binnedRows(rows);
  const hellos = await Promise.all(rt.hosts.map((h) => rt.peers.take(h, 'gbdt.hello')));
  const shapes: PartyShape[] = [shapeOf(own.train), ...hellos.map(({ body }, k) => {
    if (body.categorical.length !== body.binCounts.length) throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'gbdt.hello', state: `${rt.hosts[k]} sent ${body.binCounts.length} bin counts and ${body.categorical.length} categorical flags` });
    const binCounts = Uint16Array.from(body.binCounts);
    return { cols: binCounts.length, binCounts, categorical: Uint8Array.from(body.categorical), offsets: binOffsets(binCounts) };
  })];
  const hostBins = shapes.slice(1).map((s) => s.offsets[s.cols] as number);
  const maxBins = Math.max(1, ...hostBins);
  const n = own.train.rows;
  const y = labels.train;
  let positives = 0;
  for (const v of y) positives += v;
  const baseScore = Math.log(positives / (n - positives));
  const margins = new Float64Array(n).fill(baseScore);
  const evalRows = own.evaluation.rows;
  const evalMargins = new Float64Array(evalRows).fill(baseScore);
  const allEval = Uint32Array.from({ length: evalRows }, (_, i) => i);
  const ownSplits: SplitRecord[] = [];
  const hostSplits = rt.hosts.map(() => 0);
  /** The column of each of a host's splits (an index: the guest never learns a host's column names). */
  const hostFeatures: number[][] = rt.hosts.map(() => []);
  const trees: Tree[] = [];
  const history: GuestOutcome['history'] = [];
  const splitsAfter: number[][] = [];
  let best = { loss: Infinity, trees: 0, margins: evalMargins.slice() };
  /** Asks are numbered per host, in the order sent: the host serves them in that order. */
  const hostSeq = rt.hosts.map(() => 0);
  const askOne = (k: number, body: DistributiveOmit<GbdtAskBody, 'seq'>, payload?: Uint8Array): void => {
    rt.peers.send(rt.hosts[k] as string, 'gbdt.ask', { ...body, seq: hostSeq[k]!++ } as GbdtAskBody, payload);
  };

  /** Host k's flags for `rows` of `set` at its split `split` (node `node` of tree `tree`). */
  const hostDecision = async (k: number, tree: number, node: number, split: number, set: RowSet, r: Uint32Array): Promise<Uint8Array> => {
    askOne(k, { op: 'decide', tree, node, split, set, rows: t.hiddenRows ? 0 : r.length, all: t.hiddenRows }, t.hiddenRows ? undefined : rowBytes(r));
    const reply = await rt.peers.take(rt.hosts[k] as string, 'gbdt.flags', (b) => b.tree === tree && b.node === node && b.set === set);
    if (!t.hiddenRows) return readFlags(reply.payload, r.length, `gbdt.flags from ${rt.hosts[k]}`);
    const size = set === 'train' ? n : set === 'evaluation' ? evalRows : (own.population as BinnedColumns).rows;
    const all = readFlags(reply.payload, size, `gbdt.flags from ${rt.hosts[k]}`);
    return Uint8Array.from(r, (i) => all[i] as number);
  };
  const decide = (set: RowSet, binned: BinnedColumns, tree: number) => (party: number, split: number, node: number, r: Uint32Array): Promise<Uint8Array> | Uint8Array =>
    party === 0 ? decideRows(ownSplits, binned, split, r) : hostDecision(party - 1, tree, node, split, set, r);

  /** Every host's histogram of the node, through the arbiter. */
  const hostHistograms = async (tree: number, node: number, r: Uint32Array, grid: GradientGrid): Promise<Histogram[]> => {
    const vectorRows = t.hiddenRows ? n : r.length;
    const layout = rt.he.histogramLayout(vectorRows, maxBins, t.hiddenRows);
    const G = new Float64Array(vectorRows);
    const H = new Float64Array(vectorRows);
    r.forEach((i, k) => {
      const at = t.hiddenRows ? i : k;
      G[at] = grid.G[i] as number;
      H[at] = grid.H[i] as number;
    });
    const { vector, shiftBits } = rt.he.encryptGradients(G, H, layout);
    try {
      for (let k = 0; k < rt.hosts.length; k++) askOne(k, { op: 'histogram', tree, node, rows: vectorRows, bins: maxBins, hidden: t.hiddenRows }, t.hiddenRows ? undefined : rowBytes(r));
      rt.sendVector(rt.hosts, 'gbdt.grad', { epoch: tree, batch: node }, vector);
    } finally {
      vector.dispose();
    }
    const masked = await Promise.all(rt.hosts.map((h) => takeHistogram(rt, h, tree, node)));
    return rt.he.openHistograms(
      masked.map((m, k) => ({ masked: m, binCounts: shapes[k + 1]?.binCounts as Uint16Array })),
      layout, shiftBits, { tree, node, rows: vectorRows, chunkRows: layout.chunkRows, bins: hostBins },
    );
  };

  const started = performance.now();
  let treesRun = 0;
  for (let tree = 0; tree < t.trees; tree++) {
    rt.signal?.throwIfAborted();
    const inTree = treeRows(n, t.subsample, t.seed, tree);
    const grad = logisticGradients(margins, y);
    const grid = gradientGrid(grad, inTree, DEFAULT_CAPACITY_BITS);
    const steps = growSteps(shapes, inTree, grid, grad, t);
    let reply: GrowReply | undefined;
    let grown;
    for (;;) {
      const step = reply === undefined ? steps.next() : steps.next(reply);
      if (step.done) {
        grown = step.value;
        break;
      }
      const request = step.value;
      if (request.kind === 'histograms') {
        const mine = buildHistogram(own.train, shapes[0]?.offsets as Uint32Array, request.rows, grid.G, grid.H);
        const hosts = tree === 0 && t.completeSecureFirstTree ? rt.hosts.map(() => undefined) : await hostHistograms(tree, request.node, request.rows, grid);
        reply = [mine, ...hosts];
        continue;
      }
      const { party, candidate, node } = request;
      if (party === 0) {
        const split = ownSplits.length;
        ownSplits.push({ feature: candidate.feature, rule: candidate.rule });
        reply = { split, left: decideRows(ownSplits, own.train, split, request.rows) };
        continue;
      }
      const k = party - 1;
      const split = hostSplits[k]!++;
      hostFeatures[k]?.push(candidate.feature);
      askOne(k, { op: 'split', tree, node, split, feature: candidate.feature, rule: candidate.rule, rows: t.hiddenRows ? 0 : request.rows.length, hidden: t.hiddenRows }, t.hiddenRows ? undefined : rowBytes(request.rows));
      const flags = await rt.peers.take(rt.hosts[k] as string, 'gbdt.flags', (b) => b.tree === tree && b.node === node && b.set === 'grow');
      const left = t.hiddenRows ? pick(readFlags(flags.payload, n, `gbdt.flags from ${rt.hosts[k]}`), request.rows) : readFlags(flags.payload, request.rows.length, `gbdt.flags from ${rt.hosts[k]}`);
      reply = { split, left };
    }
    trees.push(grown.tree);
    splitsAfter.push([ownSplits.length, ...hostSplits]);
    for (const leaf of grown.leaves) {
      const node = grown.tree.nodes[leaf.node];
      if (node?.kind !== 'leaf') continue;
      for (const i of leaf.rows) margins[i]! += node.weight;
    }
    if (inTree.length < n) {
      const inSet = new Uint8Array(n);
      for (const i of inTree) inSet[i] = 1;
      const rest = Uint32Array.from({ length: n }, (_, i) => i).filter((i) => !inSet[i]);
      await walkTree(grown.tree, rest, decide('train', own.train, tree), margins);
    }
    await walkTree(grown.tree, allEval, decide('evaluation', own.evaluation, tree), evalMargins);
    const evalLoss = evalRows > 0 ? logLoss(probabilities(evalMargins), labels.evaluation) : 0;
    history.push({ epoch: tree, evalLoss });
    treesRun = tree + 1;
    let stop = tree === t.trees - 1;
    if (t.earlyStoppingRounds !== undefined) {
      if (evalLoss < best.loss) best = { loss: evalLoss, trees: tree + 1, margins: evalMargins.slice() };
      else if (tree + 1 - best.trees >= t.earlyStoppingRounds) stop = true;
    } else {
      best = { loss: evalLoss, trees: tree + 1, margins: evalMargins };
    }
    const keep = splitsAfter[best.trees - 1] as number[];
    for (let k = 0; k < rt.hosts.length; k++) askOne(k, { op: 'tree', tree, stop, splits: stop ? (keep[k + 1] as number) : (hostSplits[k] as number) });
    const seconds = (performance.now() - started) / 1000;
    rt.progress({ epoch: tree + 1, epochs: t.trees, evalLoss, seconds });
    rt.log.info({ tree: tree + 1, evalLoss: Math.round(evalLoss * 1e5) / 1e5 }, 'tree finished');
    if (stop) break;
  }
  trees.length = best.trees;
  const kept = splitsAfter[best.trees - 1] as number[];
  ownSplits.length = kept[0] as number;

  let population: Float64Array | undefined;
  if (own.population) {
    const binned = own.population;
    population = new Float64Array(binned.rows).fill(baseScore);
    const all = Uint32Array.from({ length: binned.rows }, (_, i) => i);
    for (const [tree, tr] of trees.entries()) await walkTree(tr, all, decide('population', binned, tree), population);
  }
  for (let k = 0; k < rt.hosts.length; k++) askOne(k, { op: 'end', tree: trees.length });

  const shard: GuestShard = { baseScore, trees, splits: ownSplits, hosts: [...rt.hosts], importance: importanceOf(trees, shapes, [ownSplits.map((r) => r.feature), ...hostFeatures]) };
  return {
    shard: { ...shard },
    features: [...rows.names],
    evalScores: best.margins,
    ...(population ? { population } : {}),
    history,
    importance: shard.importance.map((p, k) => (k === 0 ? { ...p, names: [...rows.names] } : p)),
    bestEpoch: best.trees - 1,
    epochsRun: treesRun,
    secondsPerEpoch: (performance.now() - started) / 1000 / Math.max(treesRun, 1),
  };
}

type GbdtAskBody = import('@sinclair/typebox').Static<GbdtMessages['gbdt.ask']>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function shapeOf(b: BinnedColumns): PartyShape {
  return { cols: b.cols, binCounts: b.binCounts, categorical: b.categorical, offsets: binOffsets(b.binCounts) };
}

function pick(all: Uint8Array, rows: Uint32Array): Uint8Array {
  return Uint8Array.from(rows, (i) => all[i] as number);
}

/** Host `host`'s masked histogram of node `node`: its results in order, then its masks. */
async function takeHistogram(rt: Runtime, host: string, tree: number, node: number): Promise<MaskedHistogram> {
  const first = await rt.peers.take(host, 'gbdt.hist', (b) => b.tree === tree && b.node === node && b.index === 0);
  const ciphertexts = [first.payload ?? new Uint8Array(0)];
  for (let index = 1; index < first.body.count; index++) {
    const part = await rt.peers.take(host, 'gbdt.hist', (b) => b.tree === tree && b.node === node && b.index === index);
    ciphertexts.push(part.payload ?? new Uint8Array(0));
  }
  const masks = await rt.peers.take(host, 'gbdt.masks', (b) => b.tree === tree && b.node === node);
  const payload = masks.payload;
  if (!payload || payload.length % 8 !== 0) throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'gbdt.masks', state: `${host} sent masks that are not float64 values` });
  return { ciphertexts, masks: masks.numbers(payload.length / 8) };
}

/** Adds each row's leaf weight of `tree` to margins[row], level by level, asking each split's owner once per node. */
async function walkTree(tree: Tree, rows: Uint32Array, decide: (party: number, split: number, node: number, rows: Uint32Array) => Promise<Uint8Array> | Uint8Array, margins: Float64Array): Promise<void> {
  let frontier = [{ node: 0, rows }];
  while (frontier.length > 0) {
    const next: typeof frontier = [];
    await Promise.all(frontier.map(async ({ node, rows: here }) => {
      const n = tree.nodes[node];
      if (n === undefined) throw new FedmarkError('FM_ERR_INTERNAL', { reason: `a tree without node ${node}` });
      if (n.kind === 'leaf') {
        for (const i of here) margins[i]! += n.weight;
        return;
      }
      if (here.length === 0) return;
      const { goLeft, goRight } = partition(here, await decide(n.party, n.split, node, here));
      next.push({ node: n.left, rows: goLeft }, { node: n.right, rows: goRight });
    }));
    frontier = next;
  }
}

/** Per party, Σ gain and split count of each of its columns in the kept trees (the guest learns a host's column index, never its name). */
function importanceOf(trees: readonly Tree[], shapes: readonly PartyShape[], features: readonly (readonly number[])[]): GuestShard['importance'] {
  const out = shapes.map((s) => ({ gain: new Array<number>(s.cols).fill(0), splits: new Array<number>(s.cols).fill(0) }));
  for (const tree of trees) {
    for (const n of tree.nodes) {
      if (n.kind !== 'split') continue;
      const feature = features[n.party]?.[n.split];
      const party = out[n.party];
      if (feature === undefined || party === undefined) continue;
      party.gain[feature]! += n.gain;
      party.splits[feature]! += 1;
    }
  }
  return out;
}
