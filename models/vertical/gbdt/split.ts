// Split finding on one node's histogram (second-order boosting, Chen & Guestrin, "XGBoost", KDD
// 2016, eq. 7, without the ½ and with minGain in the place of γ):
//   gain = G_L²/(H_L + λ) + G_R²/(H_R + λ) − G²/(H + λ),
// with G, H in real units (the grid's integers / 2^f). A split is allowed when both children have
// H ≥ minChildWeight and H + λ > 0, and gain > minGain (≥ 0, so a split that changes nothing
// never wins).
//   numeric column: left = bins 0 … b for b = −1 … k − 1;
//   categorical column: the categories present at the node are sorted by G_c/(H_c + λ) (the
//     order of their leaf weights, as LightGBM and XGBoost do; for a convex loss the best binary
//     partition is a prefix of it, Fisher 1958), and left = each prefix;
//   missing rows (NO_BIN; their sums are the node's total minus the bins') go left and go right in
//     turn, and the better direction is the split's default. When the node has no missing mass the
//     default is the child with the larger H (left on a tie): where unseen missing values go.
// Ties keep the first candidate in the order columns, then b or prefix length, then missing
// right before left, so the reference and the federated guest pick the same split.

import { checkNumber } from '../../check.ts';
import type { BinnedColumns } from './binning.ts';
import type { Histogram } from './histogram.ts';

export type SplitRule =
  /** Left when the code is at most `bin`; missing (NO_BIN) goes left when defaultLeft. */
  | { kind: 'threshold'; bin: number; defaultLeft: boolean }
  /** Left when the code is one of `left` (ascending); missing goes left when defaultLeft. */
  | { kind: 'categories'; left: number[]; defaultLeft: boolean };

export interface SplitParams {
  lambda: number;
  minChildWeight: number;
  minGain: number;
}

export interface SplitCandidate {
  feature: number;
  gain: number;
  rule: SplitRule;
  /** The left child's sums on the grid (integers). */
  leftG: number;
  leftH: number;
}

/** The node's sums on the grid and the grid's scale 2^f. */
export interface NodeTotals {
  G: number;
  H: number;
  scale: number;
}

export function checkSplitParams(p: SplitParams): SplitParams {
  checkNumber('options.lambda', p.lambda, 0, Infinity);
  checkNumber('options.minChildWeight', p.minChildWeight, 0, Infinity);
  checkNumber('options.minGain', p.minGain, 0, Infinity);
  return p;
}

/** The score G²/(H + λ) of a set of rows, in real units. */
function score(G: number, H: number, scale: number, lambda: number): number {
  const g = G / scale;
  return (g * g) / (H / scale + lambda);
}

interface Scan {
  best: SplitCandidate | undefined;
  readonly totals: NodeTotals;
  /** Offers left = (GL, HL) at `feature`; keeps it when it beats the best so far. */
  offer(feature: number, GL: number, HL: number, rule: () => SplitRule): void;
}

function makeScan(totals: NodeTotals, params: SplitParams): Scan {
  const { G, H, scale } = totals;
  const { lambda, minChildWeight, minGain } = params;
  const parentScore = score(G, H, scale, lambda);
  const scan: Scan = {
    best: undefined,
    totals,
    offer(feature, GL, HL, rule) {
      const GR = G - GL;
      const HR = H - HL;
      if (HL / scale < minChildWeight || HR / scale < minChildWeight) return;
      // With λ = 0 an empty-hessian child would score G²/0.
      if (!(HL / scale + lambda > 0 && HR / scale + lambda > 0)) return;
      const gain = score(GL, HL, scale, lambda) + score(GR, HR, scale, lambda) - parentScore;
      if (!(gain > minGain) || (scan.best !== undefined && !(gain > scan.best.gain))) return;
      scan.best = { feature, gain, rule: rule(), leftG: GL, leftH: HL };
    },
  };
  return scan;
}

function scanBoth(scan: Scan, feature: number, valuesG: number, valuesH: number, missingG: number, missingH: number, rule: (defaultLeft: boolean) => SplitRule): void {
  if (missingG === 0 && missingH === 0) {
    const HR = scan.totals.H - valuesH;
    scan.offer(feature, valuesG, valuesH, () => rule(valuesH >= HR));
    return;
  }
  scan.offer(feature, valuesG, valuesH, () => rule(false));
  scan.offer(feature, valuesG + missingG, valuesH + missingH, () => rule(true));
}

/** The best split of one party's columns at a node, or undefined when none is allowed. */
export function bestSplit(hist: Histogram, binned: Pick<BinnedColumns, 'cols' | 'binCounts' | 'categorical'>, offsets: Uint32Array, totals: NodeTotals, params: SplitParams): SplitCandidate | undefined {
  const scan = makeScan(totals, params);
  for (let j = 0; j < binned.cols; j++) {
    const start = offsets[j] as number;
    const k = binned.binCounts[j] as number;
    let sumG = 0;
    let sumH = 0;
    for (let b = 0; b < k; b++) {
      sumG += hist.g[start + b] as number;
      sumH += hist.h[start + b] as number;
    }
    const missingG = totals.G - sumG;
    const missingH = totals.H - sumH;
    if (binned.categorical[j]) {
      const present: number[] = [];
      for (let b = 0; b < k; b++) if (hist.h[start + b] !== 0 || hist.g[start + b] !== 0) present.push(b);
      const ratio = (b: number) => (hist.g[start + b] as number) / totals.scale / ((hist.h[start + b] as number) / totals.scale + params.lambda);
      present.sort((a, b) => ratio(a) - ratio(b) || a - b);
      let GL = 0;
      let HL = 0;
      for (let len = 0; len <= present.length; len++) {
        if (len > 0) {
          GL += hist.g[start + (present[len - 1] as number)] as number;
          HL += hist.h[start + (present[len - 1] as number)] as number;
        }
        scanBoth(scan, j, GL, HL, missingG, missingH, (defaultLeft) => ({ kind: 'categories', left: present.slice(0, len).sort((a, b) => a - b), defaultLeft }));
      }
    } else {
      let GL = 0;
      let HL = 0;
      for (let b = -1; b < k; b++) {
        if (b >= 0) {
          GL += hist.g[start + b] as number;
          HL += hist.h[start + b] as number;
        }
        scanBoth(scan, j, GL, HL, missingG, missingH, (defaultLeft) => ({ kind: 'threshold', bin: b, defaultLeft }));
      }
    }
  }
  return scan.best;
}
