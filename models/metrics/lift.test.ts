import { describe, expect, it } from 'vitest';
import { expectInput } from '../expectInput.fixture.ts';
import { lift } from './lift.ts';

const f = (v: number[]) => Float64Array.from(v);
const u = (v: number[]) => Uint8Array.from(v);

describe('lift', () => {
  it('builds the gains table by hand (10 rows, 5 groups)', () => {
    // Scores 10..1 are already descending; 4 positives of 10, overall rate 0.4.
    const rows = lift(f([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]), u([1, 1, 0, 1, 0, 0, 0, 0, 1, 0]), 5);
    expect(rows.map((r) => [r.group, r.count, r.positives, r.rate])).toEqual([
      [1, 2, 2, 1],
      [2, 2, 1, 0.5],
      [3, 2, 0, 0],
      [4, 2, 0, 0],
      [5, 2, 1, 0.5],
    ]);
    // lift = rate / 0.4
    expect(rows.map((r) => r.lift)).toEqual([2.5, 1.25, 0, 0, 1.25]);
    expect(rows.map((r) => r.cumulativePositives)).toEqual([2, 3, 3, 3, 4]);
    expect(rows.map((r) => r.cumulativeGain)).toEqual([0.5, 0.75, 0.75, 0.75, 1]);
    // cumulative rate / 0.4: 1, 0.75, 0.5, 0.375, 0.4 → 2.5, 1.875, 1.25, 0.9375, 1
    rows.map((r) => r.cumulativeLift).forEach((v, i) => expect(v).toBeCloseTo([2.5, 1.875, 1.25, 0.9375, 1][i] as number, 14));
  });

  it('sorts by score, highest first, ties by row index, with near-equal groups', () => {
    // Sorted rows: 3 (0.9), 0 (0.5), 2 (0.5), 1 (0.1). Two groups of 2.
    const rows = lift(f([0.5, 0.1, 0.5, 0.9]), u([1, 0, 0, 1]), 2);
    expect(rows.map((r) => r.positives)).toEqual([2, 0]);
    // 7 rows in 3 groups: boundaries floor(7/3) = 2, floor(14/3) = 4 → sizes 2, 2, 3.
    expect(lift(f([1, 2, 3, 4, 5, 6, 7]), u([1, 0, 0, 0, 0, 0, 0]), 3).map((r) => r.count)).toEqual([2, 2, 3]);
    // Deciles by default.
    expect(lift(f([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]), u([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])).length).toBe(10);
  });

  it('names the bad parameter', () => {
    expectInput(() => lift(f([1, 2]), u([0, 0]), 2), 'labels');
    expectInput(() => lift(f([1, 2]), u([0, 1]), 3), 'groups');
    expectInput(() => lift(f([1, 2]), u([0, 1]), 0), 'groups');
  });
});
