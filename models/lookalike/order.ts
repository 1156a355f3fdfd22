// Descending score order shared by the lookalike modules: highest first, equal scores by ascending
// row index, so a ranking (and the audience cut from it) is the same on every run.

export function descendingOrder(scores: Float64Array, rows?: ArrayLike<number>): Uint32Array {
  const order = rows ? Uint32Array.from(rows) : Uint32Array.from(scores.keys());
  return order.sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
}
