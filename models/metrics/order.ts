// Sorting helpers shared by the rank metrics.

/** Row indices sorted by score, ascending; equal scores keep index order (stable). */
export function ascendingOrder(scores: Float64Array): Uint32Array {
  const order = new Uint32Array(scores.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => (scores[a] as number) - (scores[b] as number) || a - b);
}

/**
 * The positives' and the negatives' scores, each sorted ascending. The native numeric sort (no
 * comparator) is several times faster than sorting indices; callers compare values with < and
 * ===, never positions across the two arrays, so −0 and +0 count as a tie.
 */
export function scoresByClass(scores: Float64Array, labels: ArrayLike<number>): { positive: Float64Array; negative: Float64Array } {
  let p = 0;
  for (let i = 0; i < labels.length; i++) p += labels[i] as number;
  const positive = new Float64Array(p);
  const negative = new Float64Array(scores.length - p);
  for (let i = 0, a = 0, b = 0; i < scores.length; i++) {
    if (labels[i] === 1) positive[a++] = scores[i] as number;
    else negative[b++] = scores[i] as number;
  }
  return { positive: positive.sort(), negative: negative.sort() };
}

/** The number of positives among 0/1 labels. */
export function countPositives(labels: ArrayLike<number>): number {
  let p = 0;
  for (let i = 0; i < labels.length; i++) p += labels[i] as number;
  return p;
}
