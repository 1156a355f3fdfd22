import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../data/dataset.ts';
import { inputRows } from './inputRows.ts';

async function table(csv: string) {
  const dir = await mkdtemp(join(tmpdir(), 'fedmark-inputs-'));
  await writeFile(join(dir, 't.csv'), csv);
  return loadDataset({ path: join(dir, 't.csv'), idColumn: 'id', categorical: ['job'] }, { party: 'bank' });
}

describe('the model\'s input rows from the current table', () => {
  // Trained on jobs admin and clerk; the current table lost clerk and gained nurse, and its
  // one-hot block [job=admin, job=nurse] has the training block's width in other columns.
  const trained = ['age', 'job=admin', 'job=clerk'];

  it('matches columns by name: a category gone is zeros, a new one is left out', async () => {
    const current = await table('id,age,job\nC1,30,nurse\nC2,40,admin\n');
    expect(current.featureNames).toEqual(['age', 'job=admin', 'job=nurse']);
    expect(Array.from(inputRows(current, [0, 1], trained))).toEqual([30, 0, 0, 40, 1, 0]);
  });

  it('gives the table\'s own columns without names', async () => {
    const current = await table('id,age,job\nC1,30,nurse\n');
    expect(Array.from(inputRows(current, [0]))).toEqual([30, 1]);
  });

  it('refuses a numeric input the table does not have, naming it', async () => {
    const current = await table('id,age,job\nC1,30,nurse\n');
    expect(() => inputRows(current, [0], ['age', 'income'])).toThrow(expect.objectContaining({ code: 'FM_ERR_DATA_COLUMN', message: expect.stringContaining('column "income"') }));
  });
});
