import { describe, expect, it } from 'vitest';
import { expectInput } from './expectInput.fixture.ts';
import { batchOrder, deriveSeed, fmix32, mulberry32, permutation, uniformInt } from './random.ts';

// The widely copied reference mulberry32 (Tommy Ettinger), returning floats in [0, 1); times 2^32
// it must give our uint32 outputs.
function referenceMulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    let t = (a += 0x6d2b79f5);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('mulberry32', () => {
  it('matches pinned known-answer outputs', () => {
    const take = (seed: number) => {
      const next = mulberry32(seed);
      return [next(), next(), next()];
    };
    expect(take(0)).toEqual([1144304738, 1416247, 958946056]);
    expect(take(1)).toEqual([2693262067, 11749833, 2265367787]);
    expect(take(42)).toEqual([2581720956, 1925393290, 3661312704]);
  });

  it('agrees with the reference implementation over many draws and seeds', () => {
    for (const seed of [0, 1, 42, 123456789, 2 ** 32 - 1]) {
      const ours = mulberry32(seed);
      const ref = referenceMulberry32(seed);
      for (let k = 0; k < 1000; k++) expect(ours()).toBe(ref() * 2 ** 32);
    }
  });

  it('rejects a seed that is not a uint32', () => {
    expectInput(() => mulberry32(-1), 'seed');
    expectInput(() => mulberry32(2 ** 32), 'seed');
    expectInput(() => mulberry32(1.5), 'seed');
  });
});

describe('fmix32 and deriveSeed', () => {
  it('matches MurmurHash3 fmix32 known answers', () => {
    expect(fmix32(0)).toBe(0);
    expect(fmix32(1)).toBe(0x514e28b7);
    expect(fmix32(0xffffffff)).toBe(0x81f16f39);
  });

  it('gives distinct, pinned seeds per stream', () => {
    expect(deriveSeed(42, 0)).toBe(2695453446);
    expect(deriveSeed(42, 1)).toBe(1086503159);
    const seen = new Set<number>();
    for (let e = 0; e < 1000; e++) seen.add(deriveSeed(42, e));
    expect(seen.size).toBe(1000);
  });
});

describe('uniformInt', () => {
  it('rejects draws in the biased top range', () => {
    // bound 3: limit = 2^32 − (2^32 mod 3) = 2^32 − 1, so 2^32 − 1 is rejected and 7 gives 7 mod 3.
    const draws = [2 ** 32 - 1, 7];
    expect(uniformInt(() => draws.shift() as number, 3)).toBe(1);
  });
});

describe('permutation', () => {
  it('matches pinned permutations', () => {
    expect([...permutation(5, 42)]).toEqual([3, 4, 0, 2, 1]);
    expect([...permutation(10, 1)]).toEqual([4, 5, 6, 8, 2, 9, 1, 3, 0, 7]);
  });

  it('is a permutation, deterministic per seed, and handles n = 0 and 1', () => {
    const p = permutation(1000, 7);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(permutation(1000, 7)).toEqual(p);
    expect(permutation(1000, 8)).not.toEqual(p);
    expect(permutation(0, 1).length).toBe(0);
    expect([...permutation(1, 1)]).toEqual([0]);
  });

  it('makes all 6 orders of 3 items about equally likely (6000 seeds)', () => {
    const counts = new Map<string, number>();
    for (let s = 0; s < 6000; s++) {
      const key = permutation(3, deriveSeed(99, s)).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    // Expected 1000 each, sd ≈ 29: ±150 is over 5 sd.
    for (const c of counts.values()) expect(Math.abs(c - 1000)).toBeLessThan(150);
  });
});

describe('batchOrder', () => {
  it('cuts the epoch permutation into batches, the last one smaller, each sorted', () => {
    // permutation(10, deriveSeed(42, 0)) = [9, 7, 8, 5, 0, 1, 3, 2, 6, 4].
    expect([...permutation(10, deriveSeed(42, 0))]).toEqual([9, 7, 8, 5, 0, 1, 3, 2, 6, 4]);
    expect(batchOrder(10, 4, 42, 0).map((b) => [...b])).toEqual([
      [5, 7, 8, 9],
      [0, 1, 2, 3],
      [4, 6],
    ]);
  });

  it('covers each row once, is the same on every party, and changes with the epoch', () => {
    const a = batchOrder(1001, 100, 5, 3);
    expect(a.length).toBe(11);
    expect(a.map((b) => b.length)).toEqual([100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 1]);
    expect(new Set(a.flatMap((b) => [...b])).size).toBe(1001);
    expect(batchOrder(1001, 100, 5, 3)).toEqual(a);
    expect(batchOrder(1001, 100, 5, 4)).not.toEqual(a);
    expect(batchOrder(1001, 100, 6, 3)).not.toEqual(a);
  });

  it('gives one batch when batchSize >= rows, and none for no rows', () => {
    expect(batchOrder(5, 5, 1, 0).length).toBe(1);
    expect(batchOrder(5, 1000, 1, 0)[0]?.length).toBe(5);
    expect(batchOrder(0, 10, 1, 0)).toEqual([]);
  });

  it('names the bad parameter', () => {
    expectInput(() => batchOrder(10, 0, 1, 0), 'batchSize');
    expectInput(() => batchOrder(-1, 1, 1, 0), 'rows');
    expectInput(() => batchOrder(10, 1, 1, -1), 'epoch');
    expectInput(() => batchOrder(10, 1, 0.5, 0), 'seed');
  });
});
