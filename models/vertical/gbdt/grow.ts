// Growing one boosted tree (trainer.ts, step 3), written once for the plaintext reference and the
// federated guest: a generator that decides and yields what it needs from the parties, so the
// reference answers in the same call stack and the federated guest answers over the network, and
// both grow the same tree from the same histograms.
//   yields { kind: 'histograms', node, rows } → per party the node's histogram on the tree's grid,
//     or undefined for a party that offers no split at the node (e.g. hosts in a "complete secure"
//     first tree); built directly for the root and each split's smaller child only;
//   yields { kind: 'split', node, party, candidate, rows } → the owner's split id and, for `rows`,
//     1 where the row goes left;
//   returns the tree (leaf weights −learningRate·Σg/(Σh + λ) from the exact g, h, which only the
//     guest holds), the rows of each directly built histogram, and each leaf's rows.
// Depth-wise, nodes in creation order; the best gain over the parties wins, ties to the earlier party.

import { inputError } from '../../check.ts';
import type { BinnedColumns } from './binning.ts';
import { subtractHistogram, type Histogram } from './histogram.ts';
import type { GradientGrid, Gradients } from './quantize.ts';
import { bestSplit, type SplitCandidate, type SplitParams } from './split.ts';
import { partition, type Tree, type TreeNode } from './tree.ts';

/** What the guest knows of a party's binning: enough to search its histograms for splits. */
export interface PartyShape extends Pick<BinnedColumns, 'cols' | 'binCounts' | 'categorical'> {
  offsets: Uint32Array;
}

export type GrowRequest =
  | { kind: 'histograms'; node: number; rows: Uint32Array }
  | { kind: 'split'; node: number; party: number; candidate: SplitCandidate; rows: Uint32Array };

export type GrowReply = ReadonlyArray<Histogram | undefined> | { split: number; left: Uint8Array };

export interface GrowOptions extends SplitParams {
  maxDepth: number;
  learningRate: number;
}

export interface GrownTree {
  tree: Tree;
  /** The rows of each node whose histograms were built directly (root, then each smaller child). */
  direct: Uint32Array[];
  /** Each leaf and the tree's rows that reach it. */
  leaves: Array<{ node: number; rows: Uint32Array }>;
}

interface OpenNode {
  id: number;
  rows: Uint32Array;
  hists: ReadonlyArray<Histogram | undefined> | undefined;
  G: number;
  H: number;
}

function sums(rows: Uint32Array, values: Float64Array): number {
  let s = 0;
  for (let k = 0; k < rows.length; k++) s += values[rows[k] as number] as number;
  return s;
}

export function* growSteps(shapes: readonly PartyShape[], rows: Uint32Array, grid: GradientGrid, grad: Gradients, o: GrowOptions): Generator<GrowRequest, GrownTree, GrowReply> {
  const scale = 2 ** grid.fractionalBits;
  const nodes: TreeNode[] = [{ kind: 'leaf', weight: 0 }];
  const direct: Uint32Array[] = [];
  const leaves: GrownTree['leaves'] = [];
  function* build(node: number, r: Uint32Array): Generator<GrowRequest, ReadonlyArray<Histogram | undefined>, GrowReply> {
    direct.push(r);
    const reply = yield { kind: 'histograms', node, rows: r };
    if (!Array.isArray(reply) || reply.length !== shapes.length) throw inputError(`histograms of node ${node}`, `one per party (${shapes.length})`, 'another reply');
    return reply as ReadonlyArray<Histogram | undefined>;
  }
  const open = (id: number, r: Uint32Array): OpenNode => ({ id, rows: r, hists: undefined, G: sums(r, grid.G), H: sums(r, grid.H) });
  const leaf = (n: OpenNode): void => {
    nodes[n.id] = { kind: 'leaf', weight: (-o.learningRate * sums(n.rows, grad.g)) / (sums(n.rows, grad.h) + o.lambda) };
    leaves.push({ node: n.id, rows: n.rows });
  };
  const root = open(0, rows);
  root.hists = yield* build(0, rows);
  let level: OpenNode[] = [root];
  for (let depth = 0; depth < o.maxDepth; depth++) {
    const next: OpenNode[] = [];
    for (const node of level) {
      let best: { party: number; candidate: SplitCandidate } | undefined;
      const hists = node.hists;
      if (hists !== undefined && node.H / scale >= 2 * o.minChildWeight) {
        shapes.forEach((shape, p) => {
          const hist = hists[p];
          if (hist === undefined) return;
          const candidate = bestSplit(hist, shape, shape.offsets, { G: node.G, H: node.H, scale }, o);
          if (candidate !== undefined && (best === undefined || candidate.gain > best.candidate.gain)) best = { party: p, candidate };
        });
      }
      if (best === undefined) {
        leaf(node);
        continue;
      }
      const { party, candidate } = best;
      const reply = yield { kind: 'split', node: node.id, party, candidate, rows: node.rows };
      if (Array.isArray(reply) || !((reply as { left?: unknown }).left instanceof Uint8Array) || (reply as { left: Uint8Array }).left.length !== node.rows.length) {
        throw inputError(`split decision at node ${node.id}`, `${node.rows.length} flags`, 'another reply');
      }
      const { split, left: flags } = reply as { split: number; left: Uint8Array };
      const { goLeft, goRight } = partition(node.rows, flags);
      const left = open(nodes.length, goLeft);
      const right = open(nodes.length + 1, goRight);
      nodes.push({ kind: 'leaf', weight: 0 }, { kind: 'leaf', weight: 0 });
      nodes[node.id] = { kind: 'split', party, split, left: left.id, right: right.id, gain: candidate.gain };
      if (depth + 1 < o.maxDepth) {
        const [small, large] = goLeft.length <= goRight.length ? [left, right] : [right, left];
        const smallHists = yield* build(small.id, small.rows);
        small.hists = smallHists;
        large.hists = hists?.map((h, p) => {
          const s = smallHists[p];
          return h === undefined || s === undefined ? undefined : subtractHistogram(h, s);
        });
      }
      next.push(left, right);
    }
    level = next;
  }
  for (const node of level) leaf(node);
  return { tree: { nodes }, direct, leaves };
}
