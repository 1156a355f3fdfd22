import { describe, expect, it } from 'vitest';
import { expectInput } from '../expectInput.fixture.ts';
import { exactLossAt, exactResidualAt } from './exact.ts';
import { taylorLoss, taylorLossAt, taylorResidual, taylorResidualAt } from './taylor.ts';

describe('Taylor residual and loss', () => {
  it('match hand-worked values', () => {
    // u = 0, y = 1: d = 0 + ½ − 1 = −½; loss = log 2.
    expect(taylorResidualAt(0, 1)).toBe(-0.5);
    expect(taylorLossAt(0, 1)).toBe(Math.LN2);
    // u = 2, y = 0 (ys = −1): d = ½ + ½ = 1; loss = log 2 + 1 + ⅛·4 = log 2 + 1.5.
    expect(taylorResidualAt(2, 0)).toBe(1);
    expect(taylorLossAt(2, 0)).toBe(Math.LN2 + 1.5);
    // u = −2, y = 1 (ys = 1): d = −½ + ½ − 1 = −1; loss = log 2 + 1 + ½.
    expect(taylorResidualAt(-2, 1)).toBe(-1);
    expect(taylorLossAt(-2, 1)).toBe(Math.LN2 + 1.5);
  });

  it('the residual is the derivative of the loss in u', () => {
    const h = 1e-6;
    for (const [u, y] of [[0.3, 1], [-1.7, 0], [2.5, 1]] as const) {
      const slope = (taylorLossAt(u + h, y) - taylorLossAt(u - h, y)) / (2 * h);
      expect(slope).toBeCloseTo(taylorResidualAt(u, y), 8);
    }
  });

  it('is close to the exact logistic values near u = 0', () => {
    for (const y of [0, 1]) {
      // Loss error is O(u⁴) (the u³ term vanishes): at u = 0.1, under 1e-5. Residual error O(u³).
      expect(Math.abs(taylorLossAt(0.1, y) - exactLossAt(0.1, y))).toBeLessThan(1e-5);
      expect(Math.abs(taylorResidualAt(0.1, y) - exactResidualAt(0.1, y))).toBeLessThan(1e-4);
    }
  });

  it('array forms: one residual per row, mean loss', () => {
    const u = Float64Array.from([0, 2, -2]);
    const y = Uint8Array.from([1, 0, 1]);
    expect([...taylorResidual(u, y)]).toEqual([-0.5, 1, -1]);
    expect(taylorLoss(u, y)).toBeCloseTo((3 * Math.LN2 + 3) / 3, 15);
    expect(taylorLoss(new Float64Array(0), new Uint8Array(0))).toBe(0);
    expectInput(() => taylorResidual(u, Uint8Array.from([1, 0])), 'y');
    expectInput(() => taylorLoss(u, Uint8Array.from([1, 0, 2])), 'y');
    expectInput(() => taylorLoss(Float64Array.from([NaN, 0, 0]), y), 'u');
  });
});
