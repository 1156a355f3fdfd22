import { describe, expect, it } from 'vitest';
import { poolSmallCells, type ValuedArm } from './cells.ts';

const c = (decile: number, size: number, conversions = 0) => ({ decile, size, conversions, suppressed: 0, value: 0 });

describe('poolSmallCells', () => {
  it('pools deciles in order, the same for every arm, until each arm\'s cell reaches the minimum; totals unchanged', () => {
    const arms: ValuedArm[] = [
      { name: 'joint', deciles: [c(1, 30, 3), c(2, 30, 2), c(3, 30, 1)] },
      { name: 'control', deciles: [c(1, 6, 1), c(2, 3), c(3, 8)] },
    ];
    const pooled = poolSmallCells(arms, 5);
    expect(pooled.map((a) => a.deciles.map((d) => [d.decile, d.size, d.conversions]))).toEqual([
      [[1, 30, 3], [2, 60, 3]],
      [[1, 6, 1], [2, 11, 0]],
    ]);
    const pooledHard = poolSmallCells(arms, 9);
    // At 9, control's last decile (8) cannot stand alone and joins the pool before it: one pool.
    expect(pooledHard.map((a) => a.deciles.map((d) => [d.decile, d.size]))).toEqual([[[1, 90]], [[1, 17]]]);
  });
  it('refuses an arm smaller than the minimum in all', () => {
    expect(() => poolSmallCells([{ name: 'joint', deciles: [c(1, 3)] }, { name: 'control', deciles: [c(1, 10)] }], 5)).toThrow(/arms\.joint/);
  });
});
