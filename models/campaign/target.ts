// Who a campaign targets, from one score per customer: the customer's rank and decile among the
// eligible ones (1 = the top 10%, by rank, so ties and score scales do not matter), and whether a
// rule (the top k%, or a set of deciles) picks it. The same function serves the joint model's and
// the guest-alone model's scores, each ranked among the same eligible customers.
import { inputError } from '../check.ts';

export interface Ranked {
  /** 0-based rank among the eligible customers, best first; -1 where not eligible. */
  rank: Int32Array;
  /** 1..10 by rank; 0 where not eligible. */
  decile: Uint8Array;
  eligible: number;
}

/** Ranks the customers with `eligible[i] = 1` by score, highest first (ties by position). */
export function rankDeciles(scores: ArrayLike<number>, eligible: Uint8Array): Ranked {
  if (eligible.length !== scores.length) throw inputError('eligible', `${scores.length} flags, one per score`, String(eligible.length));
  const order: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    if (!eligible[i]) continue;
    if (!Number.isFinite(scores[i])) throw inputError(`scores[${i}]`, 'a finite score for an eligible customer', String(scores[i]));
    order.push(i);
  }
  order.sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
  const rank = new Int32Array(scores.length).fill(-1);
  const decile = new Uint8Array(scores.length);
  const n = order.length;
  order.forEach((i, r) => {
    rank[i] = r;
    decile[i] = 1 + Math.floor((r * 10) / n);
  });
  return { rank, decile, eligible: n };
}

export type TargetRule = { topPercent: number } | { deciles: readonly number[] };

/** Whether the customer at `i` is targeted by `rule`. */
export function isTargeted(rule: TargetRule, ranked: Ranked, i: number): boolean {
  const r = ranked.rank[i] as number;
  if (r < 0) return false;
  if ('topPercent' in rule) {
    if (!(rule.topPercent > 0 && rule.topPercent <= 100)) throw inputError('target.topPercent', 'a percentage in (0, 100]', String(rule.topPercent));
    return r < Math.ceil((rule.topPercent / 100) * ranked.eligible);
  }
  return rule.deciles.includes(ranked.decile[i] as number);
}
