// Every count a party sends is named, so a minCellSize refusal says which figure was too small.
import { describe, expect, it } from 'vitest';
import { doneCounts, readyCounts } from './releasedCounts.ts';
import { PartyPolicy } from '../policy.ts';

describe('released counts', () => {
  it('names the row counts of job.ready, label negatives included', () => {
    expect(readyCounts({ totalRows: 100, consentingRows: 90, droppedWithoutConsent: 10, features: 3, labelPositives: 88, missingRate: {} })).toEqual([
      ['total rows', 100], ['consenting rows', 90], ['rows dropped without consent', 10], ['label positives', 88], ['label negatives', 2],
    ]);
  });

  it('names the sizes and the lift cells of job.done, and the policy refuses the small one', () => {
    const lift = (group: number, count: number, positives: number) => ({ group, count, positives, rate: 0, lift: 0, cumulativeCount: 0, cumulativePositives: 0, cumulativeGain: 0, cumulativeLift: 0 });
    const counts = doneCounts({ psi: { intersectionSize: 400, evaluationSize: 120 }, train: { features: ['a'], trainRows: 280, evalRows: 120, lift: [lift(1, 12, 9), lift(2, 12, 3)] } });
    expect(counts).toContainEqual(['lift group 2 positives', 3]);
    expect(counts).toContainEqual(['lift group 1 negatives', 3]);
    expect(() => new PartyPolicy('bank', { minCellSize: 5 }).admitCells(counts)).toThrow('party bank refused by its policy (minCellSize): lift group 1 negatives is 3, below its minimum cell size of 5; it was not sent');
  });
});
