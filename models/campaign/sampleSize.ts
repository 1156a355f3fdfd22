// How many customers per arm a two-arm test needs to detect a difference between two conversion
// rates: the normal-approximation formula for two independent proportions (Fleiss, Levin & Paik,
// Statistical Methods for Rates and Proportions, 3rd ed., eq. 4.14, without continuity correction).
import { inputError } from '../check.ts';
import { Z95 } from './intervals.ts';

/** z for 80% power (one-sided quantile 0.8 of the standard normal). */
const Z_POWER_80 = 0.8416212335729143;

/** Customers per arm to detect p1 against p0 at two-sided 5% with 80% power; Infinity when p1 = p0. */
export function sampleSizePerArm(p1: number, p0: number, zAlpha = Z95, zBeta = Z_POWER_80): number {
  for (const [name, p] of [['p1', p1], ['p0', p0]] as const) {
    if (!(p >= 0 && p <= 1)) throw inputError(name, 'a rate in [0, 1]', String(p));
  }
  if (p1 === p0) return Number.POSITIVE_INFINITY;
  const pBar = (p1 + p0) / 2;
  const numerator = zAlpha * Math.sqrt(2 * pBar * (1 - pBar)) + zBeta * Math.sqrt(p1 * (1 - p1) + p0 * (1 - p0));
  return Math.ceil((numerator * numerator) / ((p1 - p0) * (p1 - p0)));
}
