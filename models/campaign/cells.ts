// A party's minimum cell size for campaign aggregates: no arm × decile count leaves the guest
// describing fewer customers than the minimum. Deciles are pooled in order (1 with 2, …) until
// every arm's pooled cell reaches the minimum, the same pooling for every arm so that the arms
// stay comparable decile for decile; a pool is labelled by its first decile. Arm totals are
// unchanged. An arm smaller than the minimum in all cannot be released.
import { inputError } from '../check.ts';
import type { ArmCounts, DecileCounts } from './report.ts';

export interface ValuedCell extends DecileCounts {
  value: number;
}

export interface ValuedArm {
  name: ArmCounts['name'];
  deciles: ValuedCell[];
}

function add(a: ValuedCell, b: ValuedCell): ValuedCell {
  return { decile: a.decile, size: a.size + b.size, conversions: a.conversions + b.conversions, suppressed: a.suppressed + b.suppressed, value: a.value + b.value };
}

export function poolSmallCells(arms: readonly ValuedArm[], min: number): ValuedArm[] {
  if (!Number.isInteger(min) || min < 1) throw inputError('min', 'an integer ≥ 1', String(min));
  const deciles = [...new Set(arms.flatMap((a) => a.deciles.map((d) => d.decile)))].sort((x, y) => x - y);
  const cell = (arm: ValuedArm, decile: number): ValuedCell => arm.deciles.find((d) => d.decile === decile) ?? { decile, size: 0, conversions: 0, suppressed: 0, value: 0 };
  for (const arm of arms) {
    const total = arm.deciles.reduce((s, d) => s + d.size, 0);
    if (total < min) throw inputError(`arms.${arm.name}`, `at least ${min} customers (the party's minimum cell size)`, String(total));
  }
  // Pools of deciles: close one when every arm holds `min` in it; a short last pool joins the one before.
  const pools: number[][] = [];
  let open: number[] = [];
  for (const d of deciles) {
    open.push(d);
    if (arms.every((arm) => open.reduce((s, k) => s + cell(arm, k).size, 0) >= min)) {
      pools.push(open);
      open = [];
    }
  }
  if (open.length > 0) {
    if (pools.length === 0) pools.push(open);
    else pools[pools.length - 1]!.push(...open);
  }
  return arms.map((arm) => ({
    name: arm.name,
    deciles: pools.map((pool) => pool.map((d) => cell(arm, d)).reduce((a, b) => add(a, b), { decile: pool[0] as number, size: 0, conversions: 0, suppressed: 0, value: 0 })),
  }));
}
