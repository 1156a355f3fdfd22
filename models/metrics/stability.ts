// Population stability index (PSI, not to be confused with private set intersection): how far the
// distribution of served scores has moved from the one the model was evaluated on, over fixed bins
// (the evaluation deciles' cut points). PSI = Σ (a_i − e_i) · ln(a_i / e_i) over bin shares;
// common reading: < 0.1 stable, 0.1–0.25 some shift, > 0.25 a large shift. Empty bins take a
// share of 0.5 / n so that the sum stays finite.
import { inputError } from '../check.ts';

export function populationStabilityIndex(expected: readonly number[], actual: readonly number[]): number {
  if (expected.length !== actual.length || expected.length < 2) throw inputError('actual', `${expected.length} bin counts (at least 2)`, String(actual.length));
  for (const [name, counts] of [['expected', expected], ['actual', actual]] as const) {
    counts.forEach((c, i) => {
      if (!(Number.isFinite(c) && c >= 0)) throw inputError(`${name}[${i}]`, 'a non-negative count', String(c));
    });
  }
  const shares = (counts: readonly number[]) => {
    const n = counts.reduce((s, c) => s + c, 0);
    if (n === 0) throw inputError('counts', 'at least one scored customer', '0');
    return counts.map((c) => Math.max(c, 0.5) / n);
  };
  const e = shares(expected);
  const a = shares(actual);
  return e.reduce((s, ei, i) => s + (a[i]! - ei) * Math.log(a[i]! / ei), 0);
}

/** Counts of `scores` in bins given by cut points sorted highest first (decile 1 = scores ≥ cuts[0]). */
export function countByCuts(scores: ArrayLike<number>, cutsHighFirst: readonly number[]): number[] {
  const counts = new Array<number>(cutsHighFirst.length + 1).fill(0);
  for (let i = 0; i < scores.length; i++) {
    let bin = 0;
    while (bin < cutsHighFirst.length && scores[i]! < cutsHighFirst[bin]!) bin++;
    counts[bin]!++;
  }
  return counts;
}
