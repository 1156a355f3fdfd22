import { describe, expect, it } from 'vitest';
import { hashId, IdRowIndex } from './idHash.ts';

const list = (ids: string[]) => ({ length: ids.length, at: (r: number) => ids[r] });

describe('IdRowIndex', () => {
  it('finds every row of 50,000 IDs and nothing else', () => {
    const ids = Array.from({ length: 50_000 }, (_, r) => `c-${r * 7}`);
    const index = new IdRowIndex(list(ids));
    expect(ids.filter((id, r) => index.get(id) !== r)).toEqual([]);
    expect(index.get('c-1')).toBeUndefined();
    expect(index.get('')).toBeUndefined();
    // 50,000 rows at most three quarters full: 2^17 slots of two Uint32s.
    expect(index.byteLength).toBe(2 * 4 * (1 << 17));
  });

  it('tells apart IDs whose hashes collide', () => {
    // Found by hashing x0, x1, … until two hashes met (the first pair, at x1035124).
    const pair = ['x496069', 'x1035124'] as const;
    expect(hashId(pair[0])).toBe(hashId(pair[1]));
    const index = new IdRowIndex(list([pair[0]]));
    expect(index.get(pair[0])).toBe(0);
    expect(index.get(pair[1])).toBeUndefined();
  });

  it('indexes an empty table', () => {
    expect(new IdRowIndex(list([])).get('a')).toBeUndefined();
  });
});
