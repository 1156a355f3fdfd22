import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { expectInput } from '../expectInput.fixture.ts';
import { hashUnit, validationMask } from './hashSplit.ts';

// Independent re-computation with @noble/hashes: the top 53 bits of SHA-256("<seed>:<id>") / 2^53.
function reference(seed: number, id: string): number {
  const d = sha256(new TextEncoder().encode(`${seed}:${id}`));
  let v = 0n;
  for (let k = 0; k < 8; k++) v = (v << 8n) | BigInt(d[k] as number);
  return Number(v >> 11n) / 2 ** 53;
}

describe('hashUnit', () => {
  it('matches pinned values and an independent SHA-256', () => {
    expect(hashUnit(42, 'abc')).toBe(0.29835678801775967);
    expect(hashUnit(7, 'customer-1')).toBe(0.8897784772334609);
    for (const id of ['', 'a', 'Zoë 🙂 ß', '8613800138000']) {
      for (const seed of [0, 42, 2 ** 40]) expect(hashUnit(seed, id)).toBe(reference(seed, id));
    }
  });
});

describe('validationMask', () => {
  const ids = Array.from({ length: 10_000 }, (_, i) => `customer-${i}`);

  it('puts about `fraction` of the rows in validation, per ID and not per position', () => {
    const mask = validationMask(ids, 0.3, 42);
    const share = mask.reduce((s, v) => s + v, 0) / ids.length;
    // Binomial sd = sqrt(0.3·0.7/10000) ≈ 0.0046: ±0.02 is over 4 sd.
    expect(Math.abs(share - 0.3)).toBeLessThan(0.02);
    // Another party holding the same IDs in another order gets the same split per ID.
    const reversed = validationMask([...ids].reverse(), 0.3, 42);
    expect([...reversed].reverse()).toEqual([...mask]);
    expect(mask[0]).toBe(hashUnit(42, 'customer-0') < 0.3 ? 1 : 0);
  });

  it('changes with the seed and covers the edge fractions', () => {
    expect(validationMask(ids, 0.3, 43)).not.toEqual(validationMask(ids, 0.3, 42));
    expect(validationMask(ids, 0, 1).every((v) => v === 0)).toBe(true);
    expect(validationMask(ids, 1, 1).every((v) => v === 1)).toBe(true);
    expect(validationMask([], 0.5, 1).length).toBe(0);
  });

  it('names the bad parameter', () => {
    expectInput(() => validationMask(ids, 1.5, 1), 'fraction');
    expectInput(() => validationMask(ids, 0.3, -1), 'seed');
    expectInput(() => validationMask(['a', 3 as unknown as string], 0.3, 1), 'normalisedIds[1]');
    expectInput(() => validationMask('abc' as unknown as string[], 0.3, 1), 'normalisedIds');
  });
});
