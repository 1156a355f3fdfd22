// Random assignment of a campaign's customers to its arms, done at the guest. Deterministic per
// customer and campaign (a keyed hash: re-running the assignment on the same audience gives the same
// arms), and stratified: within each stratum (a score decile) the arms get their fractions up to
// one customer, so that the comparison between arms is not confounded by score. The key is the
// guest's secret for the campaign; without it nobody can predict who lands in control.
import { createHmac } from 'node:crypto';
import { inputError } from '../check.ts';

/** A 64-bit rank from the keyed hash of an ID: the customer's place in its stratum's shuffled order. */
export function assignmentRank(key: Uint8Array, id: string): bigint {
  return createHmac('sha256', key).update(id, 'utf8').digest().readBigUInt64BE(0);
}

/**
 * Arm index per customer. `fractions` must sum to 1; within each stratum, customers ordered by their
 * keyed rank fill the arms in order, with the arms' sizes from the largest-remainder rule.
 */
export function assignArms(ids: readonly string[], strata: ArrayLike<number>, fractions: readonly number[], key: Uint8Array): Uint8Array {
  if (strata.length !== ids.length) throw inputError('strata', `${ids.length} values, one per customer`, String(strata.length));
  if (fractions.length < 2 || fractions.length > 255) throw inputError('fractions', '2 to 255 arms', String(fractions.length));
  if (fractions.some((f) => !(f > 0 && f < 1))) throw inputError('fractions', 'each in (0, 1)', fractions.join(', '));
  const total = fractions.reduce((s, f) => s + f, 0);
  if (Math.abs(total - 1) > 1e-9) throw inputError('fractions', 'a sum of 1', String(total));
  const byStratum = new Map<number, number[]>();
  for (let i = 0; i < ids.length; i++) {
    const members = byStratum.get(strata[i]!) ?? [];
    members.push(i);
    byStratum.set(strata[i]!, members);
  }
  const ranks = ids.map((id) => assignmentRank(key, id));
  const arms = new Uint8Array(ids.length);
  for (const members of byStratum.values()) {
    members.sort((a, b) => (ranks[a]! < ranks[b]! ? -1 : ranks[a]! > ranks[b]! ? 1 : a - b));
    const sizes = largestRemainder(members.length, fractions);
    let at = 0;
    sizes.forEach((size, arm) => {
      for (let k = 0; k < size; k++) arms[members[at++]!] = arm;
    });
  }
  return arms;
}

/** Splits n into integer parts proportional to `fractions`, summing to n exactly. */
export function largestRemainder(n: number, fractions: readonly number[]): number[] {
  const exact = fractions.map((f) => f * n);
  const parts = exact.map(Math.floor);
  let left = n - parts.reduce((s, p) => s + p, 0);
  const order = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left === 0) break;
    parts[i]!++;
    left--;
  }
  return parts;
}
