import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashIdsToPoints } from './hash.ts';
import { applyPermutation, intersectIndices, shuffle } from './match.ts';
import { psiError } from './testing.fixture.ts';

/** Deterministic byte stream for tests (SHA-256 in counter mode). */
function seeded(seed: string): (n: number) => Uint8Array {
  let counter = 0;
  let pending = Buffer.alloc(0);
  return (n) => {
    while (pending.length < n) pending = Buffer.concat([pending, createHash('sha256').update(`${seed}/${counter++}`).digest()]);
    const out = Uint8Array.from(pending.subarray(0, n));
    pending = pending.subarray(n);
    return out;
  };
}

/** A 32-byte value from (offset, byte) pairs, zeros elsewhere. */
function value(...bytes: [number, number][]): Uint8Array {
  const v = new Uint8Array(32);
  for (const [at, b] of bytes) v[at] = b;
  return v;
}

/** The index lists as plain arrays, to compare with hand-written ones. */
function plain(r: { mine: Uint32Array; theirs: Uint32Array }): { mine: number[]; theirs: number[] } {
  return { mine: Array.from(r.mine), theirs: Array.from(r.theirs) };
}

function pack(values: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(values.length * 32);
  values.forEach((v, i) => out.set(v, i * 32));
  return out;
}

describe('intersectIndices', () => {
  it('returns the hand-checked pairs in canonical (bytewise) order', () => {
    const A = value([0, 0x50]);
    const B = value([0, 0x10]);
    const C = value([0, 0x90]);
    const D = value([0, 0x30]);
    const E = value([0, 0x70]);
    // Same first 4 bytes (same 21-bit sort head), told apart by the last byte only.
    const F = value([0, 0x30], [31, 2]);
    const G = value([0, 0x30], [31, 1]);
    const mine = pack([A, B, C, D, F, G]); //   0:50 1:10 2:90 3:30 4:30..02 5:30..01
    const theirs = pack([D, E, A, B, G, F]); // 0:30 1:70 2:50 3:10 4:30..01 5:30..02
    // Matches, sorted by value: B(10) < D(30..00) < G(30..01) < F(30..02) < A(50).
    expect(plain(intersectIndices(mine, theirs))).toEqual({ mine: [1, 3, 5, 4, 0], theirs: [3, 0, 4, 5, 2] });
  });

  it('gives both parties the same order (mine/theirs swapped)', () => {
    const random = seeded('swap');
    const common = random(32 * 50);
    const mine = new Uint8Array([...common, ...random(32 * 20)]);
    const theirs = applyPermutation(new Uint8Array([...random(32 * 30), ...common]), shuffle(80, random));
    const ab = intersectIndices(mine, theirs);
    const ba = intersectIndices(theirs, mine);
    expect(ba.mine).toEqual(ab.theirs);
    expect(ba.theirs).toEqual(ab.mine);
  });

  it('agrees with a plain Set intersection on random sets', () => {
    const random = seeded('property');
    for (let round = 0; round < 20; round++) {
      const universe = Array.from({ length: 400 }, (_, i) => `id-${round}-${i}`);
      const pick = (): string[] => universe.filter(() => (random(1)[0] as number) < 100);
      const mineIds = pick();
      const theirsIds = pick();
      const perm = shuffle(theirsIds.length, random);
      const shuffledTheirs = Array.from(perm, (k) => theirsIds[k] as string);
      // hashIdsToPoints stands in for double blinding: any injective map to 32-byte values.
      const mine = hashIdsToPoints(mineIds, 'job-p');
      const theirs = hashIdsToPoints(shuffledTheirs, 'job-p');
      const got = intersectIndices(mine, theirs);

      const theirSet = new Set(theirsIds);
      const expected = mineIds.filter((id) => theirSet.has(id));
      expect(new Set(Array.from(got.mine, (i) => mineIds[i]))).toEqual(new Set(expected));
      expect(got.mine.length).toBe(expected.length);
      got.mine.forEach((i, k) => expect(shuffledTheirs[got.theirs[k] as number]).toBe(mineIds[i]));
      for (let k = 1; k < got.mine.length; k++) {
        const prev = mine.subarray((got.mine[k - 1] as number) * 32, (got.mine[k - 1] as number) * 32 + 32);
        const next = mine.subarray((got.mine[k] as number) * 32, (got.mine[k] as number) * 32 + 32);
        expect(Buffer.compare(prev, next)).toBe(-1);
      }
    }
  });

  it('handles empty lists', () => {
    expect(plain(intersectIndices(new Uint8Array(0), pack([value([0, 1])])))).toEqual({ mine: [], theirs: [] });
    expect(plain(intersectIndices(pack([value([0, 1])]), new Uint8Array(0)))).toEqual({ mine: [], theirs: [] });
  });

  it('refuses wrong lengths and repeated values, naming the parameter', () => {
    expect(psiError(() => intersectIndices(new Uint8Array(31), new Uint8Array(32))).message).toContain('mineDouble must be');
    expect(psiError(() => intersectIndices(new Uint8Array(32), new Uint8Array(65))).message).toContain('theirsDouble must be');
    const v = value([0, 7]);
    const w = value([0, 8]);
    expect(psiError(() => intersectIndices(pack([w]), pack([v, w, v]))).message).toBe(
      'theirsDouble must be distinct 32-byte values (got value 2 repeating value 0)',
    );
    expect(psiError(() => intersectIndices(pack([v, w, v]), pack([v]))).message).toBe(
      'mineDouble must be distinct 32-byte values (got value 2 repeating value 0)',
    );
  });
});

describe('shuffle', () => {
  it('follows the documented steps, including a rejected draw', () => {
    // n = 3. i = 2: 0xffffffff >= 2^32 - (2^32 mod 3) is rejected; 4 mod 3 = 1, swap 2 and 1.
    // i = 1: 1 mod 2 = 1, swap 1 with itself. Result [0, 2, 1].
    const stream = [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 4, 0, 0, 0, 1];
    let at = 0;
    const random = (n: number): Uint8Array => {
      const out = new Uint8Array(n);
      for (let k = 0; k < n; k++) out[k] = stream[at++] ?? 0;
      return out;
    };
    expect(Array.from(shuffle(3, random))).toEqual([0, 2, 1]);
  });

  it('depends only on the byte stream, not on how it is cut into blocks', () => {
    // Reference: Fisher–Yates reading one uint32 at a time from the same stream.
    const n = 40_000; // needs several 64 KiB blocks
    const reference = (random: (n: number) => Uint8Array): number[] => {
      const perm = Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i >= 1; i--) {
        const limit = 2 ** 32 - (2 ** 32 % (i + 1));
        let r: number;
        do r = Buffer.from(random(4)).readUInt32BE(0);
        while (r >= limit);
        const j = r % (i + 1);
        [perm[i], perm[j]] = [perm[j] as number, perm[i] as number];
      }
      return perm;
    };
    expect(Array.from(shuffle(n, seeded('blocks')))).toEqual(reference(seeded('blocks')));
  });

  it('is a permutation and looks uniform on 3 elements', () => {
    const counts = new Map<string, number>();
    for (let k = 0; k < 6000; k++) {
      const key = Array.from(shuffle(3)).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(['012', '021', '102', '120', '201', '210']);
    // Chi-square, 5 degrees of freedom: P(chi > 30) is about 1.5e-5 for a uniform shuffle.
    const chi = [...counts.values()].reduce((s, c) => s + (c - 1000) ** 2 / 1000, 0);
    expect(chi).toBeLessThan(30);
    const big = shuffle(10_000);
    expect(new Set(big).size).toBe(10_000);
  });

  it('handles 0 and 1 and refuses bad sizes', () => {
    expect(shuffle(0).length).toBe(0);
    expect(Array.from(shuffle(1))).toEqual([0]);
    expect(psiError(() => shuffle(-1)).message).toContain('n must be');
    expect(psiError(() => shuffle(2.5)).message).toContain('n must be');
  });
});

describe('applyPermutation', () => {
  it('puts points[perm[k]] at position k', () => {
    const points = pack([value([0, 1]), value([0, 2]), value([0, 3])]);
    const out = applyPermutation(points, Uint32Array.from([2, 0, 1]));
    expect(Array.from({ length: 3 }, (_, k) => out[32 * k])).toEqual([3, 1, 2]);
  });

  it('refuses a perm that is not a permutation of the points', () => {
    const points = new Uint8Array(96);
    expect(psiError(() => applyPermutation(points, Uint32Array.from([0, 1]))).message).toContain('perm must be a Uint32Array of 3');
    expect(psiError(() => applyPermutation(points, Uint32Array.from([0, 1, 1]))).message).toContain('perm must be a permutation');
    expect(psiError(() => applyPermutation(points, Uint32Array.from([0, 1, 3]))).message).toContain('index 3 at position 2');
    expect(psiError(() => applyPermutation(new Uint8Array(5), Uint32Array.from([]))).message).toContain('points must be');
  });
});
