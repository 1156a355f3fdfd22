// The bins of the naive Bayes scorecard, fitted by each party on its own training rows only:
// 1. categorical columns (one-hot as loaded) go back to one column of category indices
//    (gbdt/features.ts: gbdtColumns, collapse); a row with no category set is missing;
// 2. a numeric column: quantile candidate edges over its non-missing values v (n of them, sorted),
//    v[ceil(n·q/bins) − 1] for q = 1 … bins − 1, strictly ascending and below the maximum (as
//    features/binning.ts and explain/ivBins.ts); walking up, a bin with fewer than minCell rows
//    is merged into the next, and a last bin still below minCell into the one before it;
//    bins are right-closed: bin k = (edges[k−1], edges[k]];
// 3. a categorical column: one bin per category;
// 4. every column has a last bin for missing values (NaN), even if training had none;
// 5. a bin is counted (its label sum is asked for and it gets a weight of evidence) when it holds
//    at least minCell training rows and its column has two or more such bins: a label sum over
//    fewer customers would tell a host their labels, and a lone counted bin would tell it the
//    labels' total while carrying no evidence. Every other bin weighs 0 (no evidence).
// The fitted bins are plain data: they go into the party's shard with the column grouping.
import { checkInteger, inputError } from '../../check.ts';
import { matrix, type Matrix } from '../../matrix.ts';
import { binIndex } from '../../features/binning.ts';
import { mergedQuantileEdges } from '../../explain/ivBins.ts';
import { collapse, gbdtColumns, type GbdtColumn } from '../gbdt/features.ts';

export interface NaiveBayesFeature {
  name: string;
  /** A categorical column's categories (bin k is category k); absent for a numeric column. */
  categories?: string[];
  /** A numeric column's ascending inner edges (bin k = (edges[k−1], edges[k]]); empty for a categorical one. */
  edges: number[];
  /** Training rows per bin, the missing-values bin last. */
  rows: number[];
  /** Per bin, whether its label sum is counted (step 5). */
  counted: boolean[];
}

export interface NaiveBayesBinning {
  /** The party's raw input columns, as loaded (categorical ones one-hot). */
  inputNames: string[];
  /** Output column k: raw column inputs[0], or the category index among inputs. */
  columns: GbdtColumn[];
  features: NaiveBayesFeature[];
}

/** Bins of a party's columns from its raw training rows (`names`, one-hot `categorical` as loaded). */
export function fitNaiveBayesBins(train: Matrix, names: readonly string[], categorical: Readonly<Record<string, readonly string[]>>, bins: number, minCell: number): NaiveBayesBinning {
  checkInteger('bins', bins, 2, 1024);
  checkInteger('minCell', minCell, 1);
  if (names.length !== train.cols) throw inputError('names', `${train.cols} column names`, String(names.length));
  const columns = gbdtColumns(names, categorical);
  const x = collapse(columns, train);
  const features = columns.map((column, j): NaiveBayesFeature => {
    const values: number[] = [];
    let missing = 0;
    for (let i = 0; i < x.rows; i++) {
      const v = x.data[i * x.cols + j] as number;
      if (v !== v) missing++;
      else values.push(v);
    }
    if (column.categorical) {
      const categories = [...(categorical[column.name] ?? [])];
      const rows = new Array<number>(categories.length + 1).fill(0);
      for (const v of values) rows[v]!++;
      rows[categories.length] = missing;
      return { name: column.name, categories, edges: [], rows, counted: countedBins(rows, minCell) };
    }
    const { edges } = mergedQuantileEdges(values.sort((a, b) => a - b), bins, minCell);
    const rows = new Array<number>(edges.length + 2).fill(0);
    for (const v of values) rows[binIndex(edges, v)]!++;
    rows[edges.length + 1] = missing;
    return { name: column.name, edges, rows, counted: countedBins(rows, minCell) };
  });
  return { inputNames: [...names], columns, features };
}

/** Step 5. */
function countedBins(rows: readonly number[], minCell: number): boolean[] {
  const large = rows.map((r) => r >= minCell);
  const enough = large.filter(Boolean).length >= 2;
  return large.map((l) => enough && l);
}

/** Per row of raw columns `x`, the bin of each feature: rows × features bin indices. */
export function binsOf(binning: NaiveBayesBinning, x: Matrix): Uint32Array {
  if (x.cols !== binning.inputNames.length) throw inputError('x', `${binning.inputNames.length} raw columns`, String(x.cols));
  const c = collapse(binning.columns, x);
  const out = new Uint32Array(c.rows * c.cols);
  binning.features.forEach((f, j) => {
    const missingBin = f.rows.length - 1;
    for (let i = 0; i < c.rows; i++) {
      const v = c.data[i * c.cols + j] as number;
      out[i * c.cols + j] = v !== v ? missingBin : f.categories ? v : binIndex(f.edges, v);
    }
  });
  return out;
}

/** One-hot indicators of every bin of every feature (features' blocks in order, the missing bin last in each). */
export function indicatorsOf(binning: NaiveBayesBinning, x: Matrix): Matrix {
  const codes = binsOf(binning, x);
  const offsets = blockOffsets(binning);
  const width = offsets.at(-1) as number;
  const features = binning.features.length;
  const out = new Float64Array(x.rows * width);
  for (let i = 0; i < x.rows; i++) {
    for (let j = 0; j < features; j++) out[i * width + (offsets[j] as number) + (codes[i * features + j] as number)] = 1;
  }
  return matrix(out, x.rows, width);
}

/** Where each feature's block of bins starts among the indicator columns, and (last) their total. */
export function blockOffsets(binning: NaiveBayesBinning): number[] {
  const offsets = [0];
  for (const f of binning.features) offsets.push((offsets.at(-1) as number) + f.rows.length);
  return offsets;
}

/** The indicator columns whose label sums are counted, in order. */
export function countedColumns(binning: NaiveBayesBinning): number[] {
  const out: number[] = [];
  let at = 0;
  for (const f of binning.features) {
    f.counted.forEach((c, k) => c && out.push(at + k));
    at += f.rows.length;
  }
  return out;
}

/** Columns `cols` of x, in that order. */
export function selectColumns(x: Matrix, cols: readonly number[]): Matrix {
  const out = new Float64Array(x.rows * cols.length);
  for (let i = 0; i < x.rows; i++) cols.forEach((c, k) => (out[i * cols.length + k] = x.data[i * x.cols + c] as number));
  return matrix(out, x.rows, cols.length);
}

/** The name of bin k of feature f, for reports: `age=(30, 41]`, `job=admin.`, `age=missing`. */
export function binName(f: NaiveBayesFeature, k: number): string {
  if (k === f.rows.length - 1) return `${f.name}=missing`;
  if (f.categories) return `${f.name}=${f.categories[k]}`;
  const lo = k === 0 ? '-inf' : String(f.edges[k - 1]);
  const hi = k === f.edges.length ? 'inf)' : `${f.edges[k]}]`;
  return `${f.name}=(${lo}, ${hi}`;
}
