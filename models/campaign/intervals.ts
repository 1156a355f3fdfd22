// Confidence intervals for conversion rates and their differences, by closed-form score methods
// that keep their coverage near the nominal level for small counts and rates near 0 or 1, where
// the textbook Wald interval does not:
//   one proportion: Wilson (1927) score interval;
//   difference of two independent proportions: Newcombe (1998) hybrid score interval ("method 10"),
//     built from the two Wilson intervals;
//   ratio of two proportions: Katz et al. (1978) log interval, with 0.5 added to empty cells.
import { inputError } from '../check.ts';

export interface Interval {
  estimate: number;
  lo: number;
  hi: number;
}

/** The two-sided normal quantile for 95%, the level every report states. */
export const Z95 = 1.959963984540054;

function checkCounts(param: string, successes: number, n: number): void {
  if (!Number.isInteger(n) || n < 0) throw inputError(`${param}.n`, 'a non-negative integer', String(n));
  if (!Number.isInteger(successes) || successes < 0 || successes > n) throw inputError(`${param}.successes`, `an integer in [0, ${n}]`, String(successes));
}

/** Wilson score interval for successes/n; n = 0 gives the uninformative [0, 1]. */
export function wilson(successes: number, n: number, z = Z95): Interval {
  checkCounts('wilson', successes, n);
  if (n === 0) return { estimate: 0, lo: 0, hi: 1 };
  const p = successes / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { estimate: p, lo: Math.max(0, centre - half), hi: Math.min(1, centre + half) };
}

/** Newcombe's hybrid score interval for p1 − p0 (arm 1 against arm 0). */
export function newcombeDifference(x1: number, n1: number, x0: number, n0: number, z = Z95): Interval {
  const a = wilson(x1, n1, z);
  const b = wilson(x0, n0, z);
  const d = a.estimate - b.estimate;
  const lo = d - Math.sqrt((a.estimate - a.lo) ** 2 + (b.hi - b.estimate) ** 2);
  const hi = d + Math.sqrt((a.hi - a.estimate) ** 2 + (b.estimate - b.lo) ** 2);
  return { estimate: d, lo: Math.max(-1, lo), hi: Math.min(1, hi) };
}

/** Katz log interval for p1/p0 − 1 (relative uplift); 0.5 is added to each cell when one is empty. */
export function relativeUplift(x1: number, n1: number, x0: number, n0: number, z = Z95): Interval {
  checkCounts('arm', x1, n1);
  checkCounts('control', x0, n0);
  if (n1 === 0 || n0 === 0) return { estimate: Number.NaN, lo: Number.NEGATIVE_INFINITY, hi: Number.POSITIVE_INFINITY };
  const empty = x1 === 0 || x0 === 0 || x1 === n1 || x0 === n0;
  const [a, m, b, k] = empty ? [x1 + 0.5, n1 + 1, x0 + 0.5, n0 + 1] : [x1, n1, x0, n0];
  const logRatio = Math.log(a / m / (b / k));
  const se = Math.sqrt(1 / a - 1 / m + 1 / b - 1 / k);
  const estimate = x0 === 0 ? Number.POSITIVE_INFINITY : x1 / n1 / (x0 / n0) - 1;
  return { estimate, lo: Math.exp(logRatio - z * se) - 1, hi: Math.exp(logRatio + z * se) - 1 };
}
