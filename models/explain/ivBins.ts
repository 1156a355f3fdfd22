// The bins information value is computed on, fitted by a party on its own training rows: quantile
// edges as in features/binning.ts (right-closed bins, the q/bins quantiles, ties collapsed), then
// merged so that every bin holds at least `minCell` rows — each bin is a cell whose label sum the
// guest releases to the bins' owner, and a small cell would tell the labels of few customers.
// 1. candidate edges: v[ceil(n·q/bins) − 1] for q = 1 … bins − 1, strictly ascending, below the max;
// 2. walking up, a bin with fewer than minCell rows is merged into the next; a last bin still
//    below minCell is merged into the one before it;
// 3. missing values (NaN) form their own bin, which must hold minCell rows too;
// 4. a column that cannot form two such bins is refused (FM_ERR_DATA_CELL), naming it; a constant
//    column has nothing to tell and gets no bins (IV 0, nothing released).
import { FedmarkError } from '../../errors/table.ts';
import { checkInteger } from '../check.ts';
import { checkMatrix, type Matrix } from '../matrix.ts';
import { binIndex } from '../features/binning.ts';
import { weightOfEvidence } from './woe.ts';

export interface IvFeatureBins {
  feature: string;
  /** Ascending inner edges: bin k is (edges[k−1], edges[k]]. */
  edges: number[];
  /** A last bin for missing values. */
  nanBin: boolean;
  /** Training rows per bin (edges.length + 1, plus the missing-values bin); empty for a constant column. */
  rows: number[];
}

export interface IvBinning {
  features: IvFeatureBins[];
  /** One-hot bin indicators of the training rows, rows × columns (a block of rows.length per feature). */
  indicators: Matrix;
}

export interface IvBin {
  bin: string;
  rows: number;
  positives: number;
  negatives: number;
  woe: number;
}

export interface FeatureIv {
  feature: string;
  iv: number;
  bins: IvBin[];
}

/** Bins of every column of `x` (training rows), each bin with at least minCell rows; `party` names who refuses. */
export function fitIvBins(x: Matrix, names: readonly string[], bins: number, minCell: number, party: string): IvBinning {
  checkMatrix('x', x);
  checkInteger('bins', bins, 2, 1024);
  checkInteger('minCell', minCell, 1);
  const { data, rows, cols } = x;
  const features: IvFeatureBins[] = [];
  for (let j = 0; j < cols; j++) {
    const feature = names[j] ?? `x${j}`;
    const refuse = (reason: string) => new FedmarkError('FM_ERR_DATA_CELL', { party, column: feature, reason, minCell });
    const values: number[] = [];
    let missing = 0;
    for (let i = 0; i < rows; i++) {
      const v = data[i * cols + j] as number;
      if (v !== v) missing++;
      else values.push(v);
    }
    values.sort((a, b) => a - b);
    if (missing > 0 && missing < minCell) throw refuse(`its ${missing} missing values would form a bin below the minimum cell size`);
    const n = values.length;
    if (n === 0 || values[0] === values[n - 1]) {
      // No split to make: a bin of all rows (or of missing values only) would release the whole label count and tells nothing.
      features.push({ feature, edges: [], nanBin: false, rows: [] });
      continue;
    }
    const { edges, rows: kept } = mergedQuantileEdges(values, bins, minCell);
    if (kept.length < 2) throw refuse(`its ${n} values cannot form two bins of at least the minimum cell size`);
    features.push({ feature, edges, nanBin: missing > 0, rows: missing > 0 ? [...kept, missing] : kept });
  }
  return { features, indicators: indicatorsOf(features, x) };
}

/**
 * The inner edges of sorted values at the quantiles of `bins` bins, neighbours merged until every
 * bin holds at least minCell values (a single bin when they cannot), and each bin's count.
 */
export function mergedQuantileEdges(sorted: readonly number[], bins: number, minCell: number): { edges: number[]; rows: number[] } {
  const n = sorted.length;
  if (n === 0) return { edges: [], rows: [] };
  const max = sorted[n - 1] as number;
  const candidates: number[] = [];
  for (let q = 1; q < bins; q++) {
    const edge = sorted[Math.ceil((n * q) / bins) - 1] as number;
    if (edge >= max) break;
    if (candidates.length === 0 || edge > (candidates[candidates.length - 1] as number)) candidates.push(edge);
  }
  const counts = new Array<number>(candidates.length + 1).fill(0);
  for (const v of sorted) counts[binIndex(candidates, v)]!++;
  const edges: number[] = [];
  const rows: number[] = [];
  let open = 0;
  for (let k = 0; k < counts.length; k++) {
    open += counts[k] as number;
    if (k < candidates.length && open >= minCell) {
      edges.push(candidates[k] as number);
      rows.push(open);
      open = 0;
    }
  }
  if (open < minCell && rows.length > 0) {
    edges.pop();
    open += rows.pop() as number;
  }
  rows.push(open);
  return { edges, rows };
}

/** The one-hot indicators of x's rows under `features`' bins. */
export function indicatorsOf(features: readonly IvFeatureBins[], x: Matrix): Matrix {
  const width = features.reduce((s, f) => s + f.rows.length, 0);
  const out = new Float64Array(x.rows * width);
  for (let i = 0; i < x.rows; i++) {
    let offset = 0;
    features.forEach((f, j) => {
      if (f.rows.length === 0) return;
      const v = x.data[i * x.cols + j] as number;
      const k = v !== v ? f.edges.length + 1 : binIndex(f.edges, v);
      out[i * width + offset + k] = 1;
      offset += f.rows.length;
    });
  }
  return { data: out, rows: x.rows, cols: width };
}

/** Positive labels per indicator column, in plaintext (the guest's own features, and the reference). */
export function positivesPerBin(indicators: Matrix, y: ArrayLike<number>): Float64Array {
  const out = new Float64Array(indicators.cols);
  for (let i = 0; i < indicators.rows; i++) {
    if (!y[i]) continue;
    for (let c = 0; c < indicators.cols; c++) out[c] = (out[c] as number) + (indicators.data[i * indicators.cols + c] as number);
  }
  return out;
}

/** WOE per bin and IV per feature from the positives of every indicator column. */
export function ivTable(features: readonly IvFeatureBins[], positives: ArrayLike<number>): FeatureIv[] {
  let at = 0;
  return features.map((f) => {
    if (f.rows.length === 0) return { feature: f.feature, iv: 0, bins: [] };
    const cells = f.rows.map((rows, k) => ({ rows, positives: positives[at + k] as number, negatives: rows - (positives[at + k] as number) }));
    at += f.rows.length;
    const { woe, iv } = weightOfEvidence(cells);
    return { feature: f.feature, iv, bins: cells.map((c, k) => ({ bin: binLabel(f, k), ...c, woe: woe[k] as number })) };
  });
}

function binLabel(f: IvFeatureBins, k: number): string {
  if (k > f.edges.length) return 'missing';
  const lo = k === 0 ? '-inf' : String(f.edges[k - 1]);
  const hi = k === f.edges.length ? 'inf)' : `${f.edges[k]}]`;
  return `(${lo}, ${hi}`;
}
