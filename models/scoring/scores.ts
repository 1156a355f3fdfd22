// From the parties' contributions to what a caller gets, in one place for online and batch
// scoring: the model's own combination of the contributions (models/vertical/model.ts: a linear
// model adds partial scores; a horizontal member's logit stands alone) is the logit u; the score is
// σ(u) and the decile is 1 + the number of the model's cut points above u (decile 1 = the top 10%
// of the evaluation rows). A row that some party could not score, or whose logit is not finite,
// gets NaN for both: never decile 1 by default.

export interface Scores {
  /** σ(u) per row, NaN where unscorable. */
  score: Float64Array;
  /** 1…10 per row, NaN where unscorable or when the model has no cut points. */
  decile: Float64Array;
}

export function scoresOf(
  parts: readonly Float64Array[], rows: number, unscorable: ReadonlySet<number>, cuts: readonly number[],
  combine: (parts: readonly Float64Array[], rows: number) => Float64Array,
): Scores {
  const u = combine(parts, rows);
  const score = new Float64Array(rows);
  const decile = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const v = u[i] as number;
    const ok = !unscorable.has(i) && Number.isFinite(v);
    score[i] = ok ? 1 / (1 + Math.exp(-v)) : Number.NaN;
    decile[i] = ok && cuts.length > 0 ? 1 + cuts.filter((c) => v < c).length : Number.NaN;
  }
  return { score, decile };
}

/** A model whose one contribution per row is already its logit (a horizontal member's). */
export function alone(parts: readonly Float64Array[], rows: number): Float64Array {
  if (parts.length !== 1 || (parts[0] as Float64Array).length !== rows) throw new Error(`one part of ${rows} logits expected, got ${parts.length}`);
  return parts[0] as Float64Array;
}
