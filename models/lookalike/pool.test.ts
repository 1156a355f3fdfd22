import { describe, expect, it } from 'vitest';
import { recallAt } from './quality.ts';
import { poolRecall } from './pool.ts';

describe('pooled recall over rankings cut separately', () => {
  it('counts the held-out seeds each ranking found in its own top group', () => {
    // Ranking a: 10 candidates, 2 held out, both at the top; b: 20 candidates, 4 held out at the bottom.
    const a = { scores: Float64Array.from({ length: 10 }, (_, i) => 10 - i), positive: Uint8Array.from({ length: 10 }, (_, i) => (i < 2 ? 1 : 0)) };
    const b = { scores: Float64Array.from({ length: 20 }, (_, i) => 20 - i), positive: Uint8Array.from({ length: 20 }, (_, i) => (i >= 16 ? 1 : 0)) };
    const parts = [a, b].map((r) => ({ heldOut: r.positive.reduce((s, v) => s + v, 0), ranked: r.scores.length, recall: recallAt(r.scores, r.positive) }));
    const pooled = poolRecall(parts);
    const at20 = pooled.find((p) => p.fraction === 0.2);
    // Top 20%: a's top 2 (both held out), b's top 4 (none): 2 of 6.
    expect(at20).toMatchObject({ found: 2, heldOut: 6 });
    expect(at20?.recall).toBeCloseTo(1 / 3, 12);
    expect(at20?.lift).toBeCloseTo((1 / 3) / (6 / 30), 12);
    const at50 = pooled.find((p) => p.fraction === 0.5);
    expect(at50?.found).toBe(2);
    expect(poolRecall([])).toEqual([]);
  });

  it('refuses rankings with different cuts', () => {
    const one = { heldOut: 1, ranked: 10, recall: [{ fraction: 0.2, size: 2, recall: 1 }] };
    expect(() => poolRecall([one, { ...one, recall: [{ fraction: 0.1, size: 1, recall: 0 }] }])).toThrow(/different cuts/);
  });
});
