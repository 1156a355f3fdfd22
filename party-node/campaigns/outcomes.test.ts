import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../testing/fixtures.ts';
import { readOutcomes, tallyOutcomes } from './outcomes.ts';
import type { Assigned } from './store.ts';

const assigned: Assigned[] = [
  { key: 'a', id: 'A', arm: 'joint', decile: 1 },
  { key: 'b', id: 'B', arm: 'joint', decile: 1 },
  { key: 'c', id: 'C', arm: 'joint', decile: 2 },
  { key: 'd', id: 'D', arm: 'control', decile: 1 },
  { key: 'e', id: 'E', arm: 'control', decile: 2 },
];
const byKey = new Map(assigned.map((a) => [a.key, a]));

async function file(text: string): Promise<string> {
  const path = join(await tempDir('outcomes'), 'outcomes.csv');
  await writeFile(path, text);
  return path;
}

describe('campaign outcomes', () => {
  it('tallies per arm and decile; suppressed customers are counted apart and missing rows count as not converted', async () => {
    const outcomes = await readOutcomes('bank', await file('customer_id,converted,value\nA,1,250\nb,0,\nC,1,100\nD,1,80\n'), byKey);
    const tally = tallyOutcomes(['joint', 'control'], assigned, outcomes, new Set(['c']));
    expect(tally.arms).toEqual([
      { name: 'joint', deciles: [{ decile: 1, size: 2, conversions: 1, suppressed: 0, value: 250 }, { decile: 2, size: 0, conversions: 0, suppressed: 1, value: 0 }] },
      { name: 'control', deciles: [{ decile: 1, size: 1, conversions: 1, suppressed: 0, value: 80 }, { decile: 2, size: 1, conversions: 0, suppressed: 0, value: 0 }] },
    ]);
    expect(tally.missing).toBe(1);
    expect(tally.suppressedRows).toBe(1);
  });

  it('refuses customers not in the campaign, duplicates, wrong columns and values, naming file, row and column', async () => {
    await expect(readOutcomes('bank', await file('customer_id,converted\nA,1\nZ,0\n'), byKey)).rejects.toMatchObject({ code: 'FM_ERR_CAMPAIGN_OUTCOMES', params: { row: 3, column: 'customer_id', reason: 'this customer is not in the campaign' } });
    await expect(readOutcomes('bank', await file('customer_id,converted\nA,1\na,0\n'), byKey)).rejects.toMatchObject({ params: { row: 3, reason: 'the customer repeats row 2' } });
    await expect(readOutcomes('bank', await file('id,converted\nA,1\n'), byKey)).rejects.toMatchObject({ params: { row: 1, column: 'customer_id' } });
    await expect(readOutcomes('bank', await file('customer_id,converted\nA,2\n'), byKey)).rejects.toMatchObject({ params: { row: 2, column: 'converted', reason: '"2" is not 0 or 1' } });
    await expect(readOutcomes('bank', await file('customer_id,converted,value\nA,1,lots\n'), byKey)).rejects.toMatchObject({ params: { row: 2, column: 'value' } });
  });
});
