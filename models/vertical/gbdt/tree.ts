// A boosted tree as the guest holds it, and the owner's side of each split. The guest's tree names
// a split only by its owner and an opaque id ("party P, split s"); the owner keeps the column, the
// bin threshold or category set and the default direction (SplitRecord), and answers for its own
// splits through a DecideSplit callback: in training with its bin codes, at scoring time for the
// rows a PSI handle points to. The walk asks once per node for all the rows that reach it.

import { checkInteger, describeValue, inputError } from '../../check.ts';
import { NO_BIN, type BinnedColumns } from './binning.ts';
import type { SplitRule } from './split.ts';

export type TreeNode =
  /** gain: the split's gain (split.ts), which the guest computed; for feature importance. */
  | { kind: 'split'; party: number; split: number; left: number; right: number; gain: number }
  | { kind: 'leaf'; weight: number };

/** nodes[0] is the root; children come after their parent. */
export interface Tree {
  nodes: TreeNode[];
}

/** For the rows `rows` (indices into the caller's row set), 1 where the row goes left. */
export type DecideSplit = (party: number, split: number, rows: Uint32Array) => Uint8Array;

/** What the owner of a split keeps: its column and rule. The split id is the index in its list. */
export interface SplitRecord {
  feature: number;
  rule: SplitRule;
}

/** Adds each row's leaf weight to margins[row]. */
export function addTreeMargins(tree: Tree, rows: Uint32Array, decide: DecideSplit, margins: Float64Array): void {
  const stack: Array<{ node: number; rows: Uint32Array }> = [{ node: 0, rows }];
  while (stack.length > 0) {
    const { node, rows: here } = stack.pop() as { node: number; rows: Uint32Array };
    const n = tree.nodes[node];
    if (n === undefined) throw inputError('tree.nodes', `a node ${node}`, `${tree.nodes.length} nodes`);
    if (n.kind === 'leaf') {
      for (let k = 0; k < here.length; k++) margins[here[k] as number]! += n.weight;
      continue;
    }
    if (here.length === 0) continue;
    const left = decide(n.party, n.split, here);
    if (!(left instanceof Uint8Array) || left.length !== here.length) {
      throw inputError(`decision of party ${n.party}, split ${n.split}`, `${here.length} flags`, describeValue(left));
    }
    const { goLeft, goRight } = partition(here, left);
    stack.push({ node: n.right, rows: goRight }, { node: n.left, rows: goLeft });
  }
}

/** Splits `rows` by the flags (1 = left), keeping their order. */
export function partition(rows: Uint32Array, left: Uint8Array): { goLeft: Uint32Array; goRight: Uint32Array } {
  let nLeft = 0;
  for (let k = 0; k < left.length; k++) if (left[k]) nLeft++;
  const goLeft = new Uint32Array(nLeft);
  const goRight = new Uint32Array(rows.length - nLeft);
  for (let k = 0, a = 0, b = 0; k < rows.length; k++) {
    if (left[k]) goLeft[a++] = rows[k] as number;
    else goRight[b++] = rows[k] as number;
  }
  return { goLeft, goRight };
}

/** baseScore + Σ trees for rows 0 … rowCount − 1. */
export function predictMargins(baseScore: number, trees: readonly Tree[], rowCount: number, decide: DecideSplit): Float64Array {
  checkInteger('rowCount', rowCount, 0);
  const margins = new Float64Array(rowCount).fill(baseScore);
  const all = Uint32Array.from({ length: rowCount }, (_, i) => i);
  for (const tree of trees) addTreeMargins(tree, all, decide, margins);
  return margins;
}

/** The owner's answer for one split on bin codes (NO_BIN: the default direction). */
export function decideRows(records: readonly SplitRecord[], binned: BinnedColumns, split: number, rows: Uint32Array): Uint8Array {
  const record = records[split];
  if (record === undefined) throw inputError('split', `a split id below ${records.length}`, String(split));
  const { feature, rule } = record;
  const { codes, cols } = binned;
  const goesLeft = new Uint8Array(256);
  if (rule.kind === 'threshold') for (let c = 0; c <= rule.bin; c++) goesLeft[c] = 1;
  else for (const c of rule.left) goesLeft[c] = 1;
  goesLeft[NO_BIN] = rule.defaultLeft ? 1 : 0;
  const out = new Uint8Array(rows.length);
  for (let k = 0; k < rows.length; k++) out[k] = goesLeft[codes[(rows[k] as number) * cols + feature] as number] as number;
  return out;
}
