// Plaintext reference trainer for vertical gradient-boosted trees (SecureBoost class: Cheng et al.,
// "SecureBoost: A Lossless Federated Learning Framework", IEEE Intelligent Systems 2021), the same
// algorithm as the encrypted protocol without the crypto, so a federated run can be compared with
// it split for split. Parties are given guest first; the guest holds the labels.
//   0. Each party bins its own columns on the training rows (binning.ts). Base score: the log-odds
//      of the training labels.
//   Per tree t:
//   1. rows: the training rows, or with subsample < 1 each kept when a uniform draw from
//      mulberry32(deriveSeed(seed, t)) falls below it (the guest's choice; hosts never need it);
//   2. g, h of the logistic loss at the current margins, rounded to the tree's grid (quantize.ts);
//   3. grow depth-wise to maxDepth: a node's histograms are built directly for the root and for the
//      smaller child of each split, the larger child's are its parent's minus the smaller's
//      (histogram.ts); every party offers its best split (split.ts) and the best gain wins (ties:
//      the earlier party); the winning party records the split and partitions the node's rows;
//      nodes that cannot split become leaves with weight −learningRate·Σg/(Σh + λ), exact g and h;
//   4. margins += the tree's leaf weights, on the training rows and the evaluation rows.
//   With earlyStoppingRounds (needs evaluation rows): stop when the evaluation log loss has not
//   improved for that many trees, and keep the trees up to the best one.

import { checkInteger, checkLabels, checkNumber, describeValue, inputError, type Labels } from '../../check.ts';
import { checkMatrix, type Matrix } from '../../matrix.ts';
import { auc } from '../../metrics/auc.ts';
import { logLoss } from '../../metrics/logLoss.ts';
import { deriveSeed, mulberry32 } from '../../random.ts';
import { applyPartyBinning, fitPartyBinning, type BinnedColumns, type PartyBinning } from './binning.ts';
import { growSteps, type GrownTree, type GrowReply } from './grow.ts';
import { binOffsets, buildHistogram } from './histogram.ts';
import { gradientGrid, logisticGradients, type GradientGrid, type Gradients } from './quantize.ts';
import { checkSplitParams } from './split.ts';
import { addTreeMargins, decideRows, type DecideSplit, type SplitRecord, type Tree } from './tree.ts';

export interface GbdtOptions {
  trees: number;
  maxDepth: number;
  learningRate: number;
  bins: number;
  lambda: number;
  minChildWeight: number;
  minGain: number;
  /** Share of the training rows each tree sees, in (0, 1]. */
  subsample: number;
  earlyStoppingRounds?: number;
  /** uint32, for subsample. */
  seed: number;
  maxCategories: number;
  /** Bits of the encrypted histogram's coefficient (quantize.ts). */
  capacityBits: number;
}

export const GBDT_DEFAULTS = Object.freeze({
  trees: 50,
  maxDepth: 4,
  learningRate: 0.3,
  bins: 32,
  lambda: 1,
  minChildWeight: 1,
  minGain: 0,
  subsample: 1,
  seed: 0,
  maxCategories: 64,
  capacityBits: 49,
});

/** Depth beyond which a tree's 2^depth leaves stop being a model and start being a lookup table. */
export const MAX_DEPTH = 16;

const OPTION_KEYS = new Set([...Object.keys(GBDT_DEFAULTS), 'earlyStoppingRounds']);

/** Checks, defaults and freezes the options (unknown keys refused). */
export function gbdtOptions(options: Partial<GbdtOptions> = {}): Readonly<GbdtOptions> {
  if (typeof options !== 'object' || options === null) throw inputError('options', 'an object', describeValue(options));
  for (const key of Object.keys(options)) if (!OPTION_KEYS.has(key)) throw inputError('options', `only ${[...OPTION_KEYS].join(', ')}`, `key ${key}`);
  const o = { ...GBDT_DEFAULTS, ...options };
  checkInteger('options.trees', o.trees, 1, 100_000);
  checkInteger('options.maxDepth', o.maxDepth, 1, MAX_DEPTH);
  checkNumber('options.learningRate', o.learningRate, 0, 1, { min: true });
  checkInteger('options.bins', o.bins, 2, 254);
  checkSplitParams(o);
  checkNumber('options.subsample', o.subsample, 0, 1, { min: true });
  if (o.earlyStoppingRounds !== undefined) checkInteger('options.earlyStoppingRounds', o.earlyStoppingRounds, 1);
  checkInteger('options.seed', o.seed, 0, 2 ** 32 - 1);
  checkInteger('options.maxCategories', o.maxCategories, 1, 254);
  checkInteger('options.capacityBits', o.capacityBits, 8, 52);
  return Object.freeze(o);
}

/** One party's columns: row-major values (NaN missing; category indices in categorical columns). */
export interface PartyColumns {
  x: Matrix;
  categorical?: readonly number[];
  names?: readonly string[];
}

/** What a party keeps of the model: its binning, its split records (id = index), per-column importance. */
export interface PartyModel {
  binning: PartyBinning;
  splits: SplitRecord[];
  /** Σ gain of the kept trees' splits on each column. */
  gain: Float64Array;
  splitCount: Uint32Array;
}

export interface TreeRecord {
  tree: number;
  /** The grid's fractional bits f. */
  fractionalBits: number;
  /** Rows the tree was grown on. */
  rows: number;
  /** Σ rows of the nodes whose histograms were built directly (the encrypted protocol's work). */
  histogramRows: number;
  trainLoss: number;
  evalLoss?: number;
  evalAuc?: number;
}

export interface GbdtModel {
  baseScore: number;
  trees: Tree[];
  parties: PartyModel[];
  history: TreeRecord[];
  stoppedEarly: boolean;
}

export interface GbdtEvaluation {
  /** Per party, the evaluation rows' columns (same columns as training). */
  parties: Matrix[];
  y: Labels;
}

/** The guest's view of the state one tree is grown from. */
export interface GrowContext {
  binned: readonly BinnedColumns[];
  offsets: readonly Uint32Array[];
  /** Per party, its split records; growTree appends to them. */
  splits: SplitRecord[][];
  options: Readonly<GbdtOptions>;
}

export type { GrownTree } from './grow.ts';

/** Step 3 for one tree, in the clear: growSteps answered with every party's own histograms and splits. */
export function growTree(ctx: GrowContext, rows: Uint32Array, grid: GradientGrid, grad: Gradients): GrownTree {
  const { binned, offsets, splits, options } = ctx;
  const shapes = binned.map((b, p) => ({ cols: b.cols, binCounts: b.binCounts, categorical: b.categorical, offsets: offsets[p] as Uint32Array }));
  const steps = growSteps(shapes, rows, grid, grad, options);
  let reply: GrowReply | undefined;
  for (;;) {
    const step = reply === undefined ? steps.next() : steps.next(reply);
    if (step.done) return step.value;
    const request = step.value;
    if (request.kind === 'histograms') {
      reply = binned.map((b, p) => buildHistogram(b, offsets[p] as Uint32Array, request.rows, grid.G, grid.H));
      continue;
    }
    const owner = splits[request.party] as SplitRecord[];
    const split = owner.length;
    owner.push({ feature: request.candidate.feature, rule: request.candidate.rule });
    reply = { split, left: decideRows(owner, binned[request.party] as BinnedColumns, split, request.rows) };
  }
}

export function treeRows(n: number, subsample: number, seed: number, tree: number): Uint32Array {
  if (subsample >= 1) return Uint32Array.from({ length: n }, (_, i) => i);
  const next = mulberry32(deriveSeed(seed, tree));
  const kept: number[] = [];
  for (let i = 0; i < n; i++) if (next() / 2 ** 32 < subsample) kept.push(i);
  return Uint32Array.from(kept);
}

export function probabilities(margins: Float64Array): Float64Array {
  return margins.map((u) => (u >= 0 ? 1 / (1 + Math.exp(-u)) : Math.exp(u) / (1 + Math.exp(u))));
}

/** Trains on the parties' training rows (guest first) with labels y at the guest. */
export function trainGbdt(parties: readonly PartyColumns[], y: Labels, options: Partial<GbdtOptions> = {}, evaluation?: GbdtEvaluation): GbdtModel {
  const o = gbdtOptions(options);
  if (!Array.isArray(parties) || parties.length === 0) throw inputError('parties', 'at least one party (the guest first)', describeValue(parties));
  parties.forEach((p, k) => checkMatrix(`parties[${k}].x`, p?.x));
  const rows = (parties[0] as PartyColumns).x.rows;
  parties.forEach((p, k) => {
    if (p.x.rows !== rows) throw inputError(`parties[${k}].x.rows`, `${rows} rows (aligned with the guest's)`, `${p.x.rows}`);
  });
  checkLabels('y', y, rows);
  let positives = 0;
  for (let i = 0; i < rows; i++) positives += y[i] as number;
  if (positives === 0 || positives === rows) throw inputError('y', 'both classes among the training rows', `${positives} positives of ${rows}`);
  if (o.earlyStoppingRounds !== undefined && evaluation === undefined) throw inputError('evaluation', 'evaluation rows (earlyStoppingRounds watches their loss)', 'undefined');
  if (evaluation !== undefined) {
    if (!Array.isArray(evaluation.parties) || evaluation.parties.length !== parties.length) throw inputError('evaluation.parties', `${parties.length} matrices (one per party)`, describeValue(evaluation.parties));
    evaluation.parties.forEach((x, k) => checkMatrix(`evaluation.parties[${k}]`, x, (parties[k] as PartyColumns).x.cols));
    const evalRows = (evaluation.parties[0] as Matrix).rows;
    evaluation.parties.forEach((x, k) => {
      if (x.rows !== evalRows) throw inputError(`evaluation.parties[${k}].rows`, `${evalRows} rows`, `${x.rows}`);
    });
    checkLabels('evaluation.y', evaluation.y, evalRows);
  }

  const binnings = parties.map((p) => fitPartyBinning(p.x, { bins: o.bins, maxCategories: o.maxCategories, ...(p.categorical ? { categorical: p.categorical } : {}), ...(p.names ? { names: p.names } : {}) }));
  const binned = parties.map((p, k) => applyPartyBinning(binnings[k] as PartyBinning, p.x));
  const evalBinned = evaluation?.parties.map((x, k) => applyPartyBinning(binnings[k] as PartyBinning, x));
  const splits: SplitRecord[][] = parties.map(() => []);
  const ctx: GrowContext = { binned, offsets: binned.map((b) => binOffsets(b.binCounts)), splits, options: o };
  const decideOn = (codes: readonly BinnedColumns[]): DecideSplit => (party, split, r) => decideRows(splits[party] as SplitRecord[], codes[party] as BinnedColumns, split, r);

  const baseScore = Math.log(positives / (rows - positives));
  const margins = new Float64Array(rows).fill(baseScore);
  const evalMargins = evaluation ? new Float64Array(evaluation.y.length).fill(baseScore) : undefined;
  const allRows = Uint32Array.from({ length: rows }, (_, i) => i);
  const allEval = evaluation ? Uint32Array.from({ length: evaluation.y.length }, (_, i) => i) : undefined;
  const trees: Tree[] = [];
  const history: TreeRecord[] = [];
  const splitsAfter: number[][] = [];
  let best = { loss: Infinity, trees: 0 };
  let stoppedEarly = false;

  for (let t = 0; t < o.trees; t++) {
    const inTree = treeRows(rows, o.subsample, o.seed, t);
    const grad = logisticGradients(margins, y);
    const grid = gradientGrid(grad, inTree, o.capacityBits);
    const { tree, direct } = growTree(ctx, inTree, grid, grad);
    trees.push(tree);
    splitsAfter.push(splits.map((s) => s.length));
    addTreeMargins(tree, allRows, decideOn(binned), margins);
    const record: TreeRecord = {
      tree: t,
      fractionalBits: grid.fractionalBits,
      rows: inTree.length,
      histogramRows: direct.reduce((s, r) => s + r.length, 0),
      trainLoss: logLoss(probabilities(margins), y),
    };
    if (evaluation && evalMargins && evalBinned && allEval) {
      addTreeMargins(tree, allEval, decideOn(evalBinned), evalMargins);
      record.evalLoss = logLoss(probabilities(evalMargins), evaluation.y);
      record.evalAuc = auc(evalMargins, evaluation.y);
    }
    history.push(record);
    if (o.earlyStoppingRounds === undefined) continue;
    const watched = record.evalLoss as number;
    if (watched < best.loss) best = { loss: watched, trees: t + 1 };
    else if (t + 1 - best.trees >= o.earlyStoppingRounds) {
      stoppedEarly = true;
      break;
    }
  }

  const kept = o.earlyStoppingRounds === undefined ? trees.length : best.trees;
  trees.length = kept;
  const keptSplits = splitsAfter[kept - 1] as number[];
  splits.forEach((s, p) => (s.length = keptSplits[p] as number));
  return { baseScore, trees, parties: binnings.map((binning, p) => importance(binning, splits[p] as SplitRecord[], trees, p)), history, stoppedEarly };
}

function importance(binning: PartyBinning, records: SplitRecord[], trees: readonly Tree[], party: number): PartyModel {
  const gain = new Float64Array(binning.columns.length);
  const splitCount = new Uint32Array(binning.columns.length);
  for (const tree of trees) {
    for (const n of tree.nodes) {
      if (n.kind !== 'split' || n.party !== party) continue;
      const feature = (records[n.split] as SplitRecord).feature;
      gain[feature]! += n.gain;
      splitCount[feature]! += 1;
    }
  }
  return { binning, splits: records, gain, splitCount };
}

/** The model's margins for rows given as each party's columns (scoring in the clear, for tests). */
export function predictGbdt(model: GbdtModel, parties: readonly Matrix[]): Float64Array {
  if (parties.length !== model.parties.length) throw inputError('parties', `${model.parties.length} matrices`, describeValue(parties));
  const binned = parties.map((x, k) => applyPartyBinning((model.parties[k] as PartyModel).binning, x));
  const rows = (binned[0] as BinnedColumns).rows;
  const margins = new Float64Array(rows).fill(model.baseScore);
  const all = Uint32Array.from({ length: rows }, (_, i) => i);
  for (const tree of model.trees) {
    addTreeMargins(tree, all, (party, split, r) => decideRows((model.parties[party] as PartyModel).splits, binned[party] as BinnedColumns, split, r), margins);
  }
  return margins;
}
