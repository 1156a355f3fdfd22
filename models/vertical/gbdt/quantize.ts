// The fixed-point grid of one tree's gradients, shared by the plaintext reference and the encrypted
// protocol so that both find the same splits. Logistic loss with margin u and label y ∈ {0, 1}:
//   p = σ(u),  g = p − y ∈ (−1, 1),  h = p·(1 − p) ∈ (0, ¼].
// The guest rounds both to f fractional bits, G = round(g·2^f), H = round(h·2^f), with the largest
// f ≤ MAX_FRACTIONAL_BITS for which every sum over a subset of the tree's rows fits the encrypted
// histogram's packing (protocol/he/histogram.ts packs G·2^k + H into one coefficient, with
// 2^k > ΣH): (Σ|G| + 1)·2^bitLength(ΣH) ≤ 2^capacityBits. capacityBits defaults to 49 (t = 2^50,
// centred residues): protocol/he/histogram.ts's HISTOGRAM_CAPACITY_BITS, pinned equal by its test.
// A node's sums are then exact integers; split gains use G/2^f and H/2^f (split.ts). Leaf weights
// use the exact g and h, which only the guest holds.

import { checkInteger, checkLabels, checkScores, type Labels } from '../../check.ts';

export const DEFAULT_CAPACITY_BITS = 49;
export const MAX_FRACTIONAL_BITS = 24;

export interface Gradients {
  g: Float64Array;
  h: Float64Array;
}

export interface GradientGrid {
  fractionalBits: number;
  G: Float64Array;
  H: Float64Array;
}

function sigmoid(u: number): number {
  if (u >= 0) return 1 / (1 + Math.exp(-u));
  const e = Math.exp(u);
  return e / (1 + e);
}

/** g and h of the logistic loss at margins u. */
export function logisticGradients(margins: Float64Array, y: Labels): Gradients {
  checkScores('margins', margins);
  checkLabels('y', y, margins.length);
  const g = new Float64Array(margins.length);
  const h = new Float64Array(margins.length);
  for (let i = 0; i < margins.length; i++) {
    const p = sigmoid(margins[i] as number);
    g[i] = p - (y[i] as number);
    h[i] = p * (1 - p);
  }
  return { g, h };
}

/** The smallest k with v < 2^k, for an integer v ≥ 0 (exact: log2 alone can round up at 2^k − 1). */
export function bitLength(v: number): number {
  let k = v === 0 ? 0 : Math.max(0, Math.floor(Math.log2(v)));
  while (2 ** k <= v) k++;
  return k;
}

/**
 * The grid of the rows `rows` (the tree's rows): the finest f that fits, and G, H for every row.
 * f = 0 always fits (H rounds to 0, |G| ≤ 1), so there is always a grid.
 */
export function gradientGrid(grad: Gradients, rows: Uint32Array, capacityBits = DEFAULT_CAPACITY_BITS): GradientGrid {
  checkInteger('capacityBits', capacityBits, 8, 52);
  let f = MAX_FRACTIONAL_BITS;
  while (f > 0 && !fits(grad, rows, f, capacityBits)) f--;
  const scale = 2 ** f;
  const n = grad.g.length;
  const G = new Float64Array(n);
  const H = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    G[i] = Math.round((grad.g[i] as number) * scale) + 0;
    H[i] = Math.round((grad.h[i] as number) * scale) + 0;
  }
  return { fractionalBits: f, G, H };
}

function fits(grad: Gradients, rows: Uint32Array, f: number, capacityBits: number): boolean {
  const scale = 2 ** f;
  let sumAbs = 0;
  let sumH = 0;
  for (let k = 0; k < rows.length; k++) {
    const i = rows[k] as number;
    sumAbs += Math.abs(Math.round((grad.g[i] as number) * scale));
    sumH += Math.round((grad.h[i] as number) * scale);
  }
  return (sumAbs + 1) * 2 ** bitLength(sumH) <= 2 ** capacityBits;
}
