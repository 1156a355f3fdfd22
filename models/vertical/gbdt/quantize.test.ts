import { describe, expect, it } from 'vitest';
import { bitLength, gradientGrid, logisticGradients } from './quantize.ts';

describe('the tree\'s fixed-point grid', () => {
  it('computes g = σ(u) − y and h = σ(u)(1 − σ(u))', () => {
    const { g, h } = logisticGradients(Float64Array.from([0, 0, Math.log(3)]), Uint8Array.from([1, 0, 1]));
    expect(Array.from(g.subarray(0, 2))).toEqual([-0.5, 0.5]);
    expect(g[2]).toBeCloseTo(-0.25, 15);
    expect(h[0]).toBe(0.25);
    expect(h[2]).toBeCloseTo(0.1875, 15);
  });

  it('takes the finest f with (Σ|G| + 1)·2^bitLength(ΣH) ≤ 2^capacityBits: hand-worked', () => {
    // Σ|g| = 1.5, Σh = 1: f = 9 gives (768 + 1)·2^10 = 787,456 ≤ 2^20; f = 10 gives (1536 + 1)·2^11 > 2^20.
    const grad = { g: Float64Array.from([0.5, -0.5, 0.25, -0.25]), h: Float64Array.from([0.25, 0.25, 0.25, 0.25]) };
    const grid = gradientGrid(grad, Uint32Array.from([0, 1, 2, 3]), 20);
    expect(grid.fractionalBits).toBe(9);
    expect(Array.from(grid.G)).toEqual([256, -256, 128, -128]);
    expect(Array.from(grid.H)).toEqual([128, 128, 128, 128]);
    // Only the tree's rows count: rows 2 and 3 alone (Σ|g| = Σh = 0.5) allow f = 10:
    // (512 + 1)·2^10 ≤ 2^20, while f = 11 gives (1024 + 1)·2^11 > 2^20.
    expect(gradientGrid(grad, Uint32Array.from([2, 3]), 20).fractionalBits).toBe(10);
  });

  it('measures bit lengths exactly at powers of two', () => {
    expect([0, 1, 2, 3, 4, 2 ** 40 - 1, 2 ** 40, 2 ** 53 - 1].map(bitLength)).toEqual([0, 1, 2, 2, 3, 40, 41, 53]);
  });
});
