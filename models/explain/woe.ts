// Weight of evidence and information value of a binned feature, from per-bin counts of positive
// and negative labels — the only figures a feature's owner needs (in a vertical job, the host gets
// its bins' label sums, not the labels). Conventions as in Siddiqi, Credit Risk Scorecards (2006):
// WOE_i = ln(%negatives_i / %positives_i), IV = Σ (%negatives_i − %positives_i) · WOE_i, so a bin
// where positives (events: default, purchase) concentrate has a negative WOE. An empty cell would
// make WOE infinite: 0.5 is added to both counts of every bin when any cell is empty.
import { inputError } from '../check.ts';

export interface BinLabelCounts {
  positives: number;
  negatives: number;
}

export interface WoeResult {
  woe: number[];
  iv: number;
}

export function weightOfEvidence(bins: readonly BinLabelCounts[]): WoeResult {
  bins.forEach((b, i) => {
    if (!(Number.isFinite(b.positives) && b.positives >= 0 && Number.isFinite(b.negatives) && b.negatives >= 0)) {
      throw inputError(`bins[${i}]`, 'non-negative label counts', `positives ${b.positives}, negatives ${b.negatives}`);
    }
  });
  const rawPos = bins.reduce((s, b) => s + b.positives, 0);
  const rawNeg = bins.reduce((s, b) => s + b.negatives, 0);
  if (rawPos === 0 || rawNeg === 0) throw inputError('bins', 'both labels present', `${rawPos} positives, ${rawNeg} negatives`);
  const smooth = bins.some((b) => b.positives === 0 || b.negatives === 0) ? 0.5 : 0;
  const pos = rawPos + smooth * bins.length;
  const neg = rawNeg + smooth * bins.length;
  let iv = 0;
  const woe = bins.map((b) => {
    const p = (b.positives + smooth) / pos;
    const n = (b.negatives + smooth) / neg;
    const w = Math.log(n / p);
    iv += (n - p) * w;
    return w;
  });
  return { woe, iv };
}

/** The usual reading of IV in scorecard practice (Siddiqi 2006). */
export function ivStrength(iv: number): 'useless' | 'weak' | 'medium' | 'strong' | 'suspicious' {
  if (iv < 0.02) return 'useless';
  if (iv < 0.1) return 'weak';
  if (iv < 0.3) return 'medium';
  if (iv < 0.5) return 'strong';
  return 'suspicious';
}
