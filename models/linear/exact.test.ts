import { describe, expect, it } from 'vitest';
import { exactLoss, exactLossAt, exactResidualAt, sigmoid } from './exact.ts';

describe('sigmoid and the exact logistic loss', () => {
  it('match hand-worked values', () => {
    expect(sigmoid(0)).toBe(0.5);
    expect(sigmoid(Math.log(3))).toBeCloseTo(0.75, 15); // 1 / (1 + 1/3)
    expect(sigmoid(-Math.log(3))).toBeCloseTo(0.25, 15);
    expect(exactResidualAt(0, 1)).toBe(-0.5);
    expect(exactLossAt(0, 0)).toBe(Math.LN2);
    expect(exactLossAt(Math.log(3), 1)).toBeCloseTo(Math.log(4 / 3), 15); // log(1 + 1/3)
    expect(exactLossAt(Math.log(3), 0)).toBeCloseTo(Math.log(4), 15); // log(1 + 3)
  });

  it('stays finite far from 0', () => {
    expect(sigmoid(1000)).toBe(1);
    expect(sigmoid(-1000)).toBe(0);
    expect(exactLossAt(1000, 0)).toBe(1000);
    expect(exactLossAt(1000, 1)).toBe(0);
    expect(exactLossAt(-800, 1)).toBe(800);
  });

  it('averages over rows', () => {
    expect(exactLoss(Float64Array.from([0, 0]), Uint8Array.from([0, 1]))).toBe(Math.LN2);
  });
});
