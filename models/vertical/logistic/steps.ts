// The plaintext arithmetic of a vertical logistic regression step at one party (design note
// protocols.md, "Vertical logistic regression"): its partial scores u_p = X_p·w_p, the check that
// its share of Enc(d) stays in range, and the weight update from the decrypted gradient Xᵀd.
import { FedmarkError } from '../../../errors/table.ts';
import type { Matrix } from '../../matrix.ts';

/** u = X·w for the given rows (no intercept). */
export function partialScores(x: Matrix, w: Float64Array, rows?: ArrayLike<number>): Float64Array {
  const n = rows ? rows.length : x.rows;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = rows ? (rows[i] as number) : i;
    let s = 0;
    const base = r * x.cols;
    for (let j = 0; j < x.cols; j++) s += (x.data[base + j] as number) * (w[j] as number);
    out[i] = s;
  }
  return out;
}

/** w ← w − lr·(g/|B| + l2·w), the intercept (last weight of the guest) without l2. */
export function applyGradient(w: Float64Array, xtd: Float64Array, batchRows: number, lr: number, l2: number, interceptIndex = -1): void {
  for (let j = 0; j < w.length; j++) {
    const reg = j === interceptIndex ? 0 : l2 * (w[j] as number);
    w[j] = (w[j] as number) - lr * ((xtd[j] as number) / batchRows + reg);
  }
}

/**
 * d = Σ_k ¼u_k + ¼u_G + ½ − y must stay within ±maxAbs on the training rows while encrypted, where
 * nobody can check it: each party checks its own ¼u_p against its share before it goes into Enc(d).
 */
export function checkShare(o: { self: string; share: number; maxAbs: number; parties: number; learningRate: number }, quarter: Float64Array, where: string): void {
  let max = 0;
  for (const v of quarter) max = Math.max(max, Math.abs(v));
  if (!(max <= o.share)) {
    throw new FedmarkError('FM_ERR_HE_RANGE', {
      param: `training (${o.self}, ${where})`,
      reason: `partial scores reached |¼u| = ${Number.isFinite(max) ? max.toFixed(2) : 'infinity'}, above this party's share ${o.share.toFixed(3)} of the encrypted range (|d| = |Σ ¼u + ½ − y| ≤ ${o.maxAbs} over ${o.parties} parties); the model diverges — lower learningRate (now ${o.learningRate}) or standardise the features`,
    });
  }
}
