import { describe, expect, it } from 'vitest';
import { floodingResidues, uniformMasks } from './mask.ts';
import { seededRandom } from './random.ts';

const T = 2 ** 50;

describe('mask randomness (pure)', () => {
  it('draws masks uniformly over Z_t from the injected byte stream (vectors.gen.ts)', () => {
    const masks = uniformMasks(8192, T, seededRandom('fedmark/he/kat'));
    expect(Array.from(masks.subarray(0, 3))).toEqual([869089046397718, 535088199095240, 668602157267280]);
    expect(uniformMasks(8192, T, seededRandom('fedmark/he/kat'))).toEqual(masks); // replayable
    expect(Math.max(...masks)).toBeLessThan(T);
    // Top 4 bits over 8192 draws: chi-square with 15 degrees of freedom stays below 40 (p ≈ 5e-4).
    const counts = new Array<number>(16).fill(0);
    for (const v of masks) counts[Math.floor(v / 2 ** 46)]! += 1;
    const chi = counts.reduce((s, c) => s + (c - 512) ** 2 / 512, 0);
    expect(chi).toBeLessThan(40);
  });

  it('draws flooding noise E in [−2^116, 2^116) with consistent residues (vectors.gen.ts)', () => {
    const primes = [8796092858369, 8796092792833, 17592186028033, 17592185438209];
    const r = floodingResidues(8192, primes, 116, seededRandom('fedmark/he/flood'));
    const at = (i: number) => primes.map((_, j) => r[j * 8192 + i]);
    expect(at(0)).toEqual([3990438787059, 1961496317814, 753228180172, 14190449594695]);
    expect(at(1)).toEqual([5172874802646, 3927374084062, 1265328865427, 9421429848680]);
    // CRT property on other coefficients: the residues come from one integer of magnitude ≤ 2^116.
    const Q = primes.reduce((a, q) => a * BigInt(q), 1n);
    for (const i of [2, 100, 8191]) {
      let x = 0n;
      for (let j = 0; j < 4; j++) {
        const q = BigInt(primes[j] as number);
        const Mj = Q / q;
        let inv = 1n;
        for (let e = q - 2n, b = Mj % q; e > 0n; e >>= 1n, b = (b * b) % q) if (e & 1n) inv = (inv * b) % q;
        x = (x + BigInt(r[j * 8192 + i] as number) * Mj * inv) % Q;
      }
      const e = x > Q / 2n ? x - Q : x;
      expect(e >= -(1n << 116n) && e < 1n << 116n).toBe(true);
    }
  });
});

