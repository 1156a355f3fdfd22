import { describe, expect, it } from 'vitest';
import { recallAt, scoreDistribution } from './quality.ts';
import { audienceSizeFor, rankAudience } from './audience.ts';

describe('recall of held-out positives at the top of a ranking', () => {
  // 10 candidates, scores 9..0 by index; positives at ranks 1, 3 and 8.
  const scores = Float64Array.from([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
  const positive = Uint8Array.from([1, 0, 1, 0, 0, 0, 0, 1, 0, 0]);

  it('counts positives within the top fraction and divides by the random expectation', () => {
    const [top20, top50] = recallAt(scores, positive, [0.2, 0.5]);
    expect(top20).toEqual({ fraction: 0.2, size: 2, recall: 1 / 3, lift: (1 / 3) / 0.2 });
    expect(top50?.recall).toBeCloseTo(2 / 3, 12);
    expect(top50?.lift).toBeCloseTo((2 / 3) / 0.5, 12);
  });

  it('a random-like ranking has lift about 1, a perfect one finds everything first', () => {
    const n = 10_000;
    const s = Float64Array.from({ length: n }, (_, i) => (i * 7919) % n);
    const p = Uint8Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 1 : 0));
    expect(recallAt(s, p, [0.2])[0]?.lift).toBeCloseTo(1, 1);
    const perfect = Float64Array.from(p);
    expect(recallAt(perfect, p, [0.2])[0]?.recall).toBe(1);
  });

  it('breaks ties by row index, so equal scores give a stable answer', () => {
    const flat = new Float64Array(4);
    expect(recallAt(flat, Uint8Array.from([0, 1, 0, 0]), [0.5])[0]?.recall).toBe(1);
    expect(recallAt(flat, Uint8Array.from([0, 0, 1, 0]), [0.5])[0]?.recall).toBe(0);
  });

  it('refuses a ranking without held-out positives', () => {
    expect(() => recallAt(scores, new Uint8Array(10))).toThrow(/held-out positive/);
  });

  it('score distribution: equal-width bins over [0, 1], 1 in the last', () => {
    const bins = scoreDistribution(Float64Array.from([0, 0.05, 0.15, 0.99, 1]), Uint8Array.from([0, 1, 0, 1, 1]), 10);
    expect(bins[0]).toEqual({ from: 0, to: 0.1, count: 2, positives: 1 });
    expect(bins[1]?.count).toBe(1);
    expect(bins[9]).toEqual({ from: 0.9, to: 1, count: 2, positives: 2 });
    expect(bins.reduce((s, b) => s + b.count, 0)).toBe(5);
  });
});

describe('audience', () => {
  it('the best candidates, seeds excluded, best first', () => {
    const scores = Float64Array.from([0.9, 0.1, 0.8, 0.7, 0.95]);
    const seeds = Uint8Array.from([0, 0, 0, 0, 1]);
    expect([...rankAudience(scores, seeds, 2)]).toEqual([0, 2]);
    expect([...rankAudience(scores, seeds, 4)]).toEqual([0, 2, 3, 1]);
    expect(() => rankAudience(scores, seeds, 5)).toThrow(/size/);
  });

  it('size from a fraction of the candidates or a count, capped at the candidates', () => {
    expect(audienceSizeFor({ audienceFraction: 0.2 }, 8805)).toBe(1761);
    expect(audienceSizeFor({ audienceSize: 500 }, 8805)).toBe(500);
    expect(audienceSizeFor({ audienceSize: 10_000 }, 8805)).toBe(8805);
    expect(() => audienceSizeFor({ audienceFraction: 0 }, 10)).toThrow(/audienceFraction/);
  });
});
