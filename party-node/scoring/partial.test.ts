import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../data/dataset.ts';
import { prepareFeatures } from '../../models/features/prepare.ts';
import { matrix } from '../../models/matrix.ts';
import { logistic } from '../../models/vertical/logistic/index.ts';
import { contributions, rowIndex } from './partial.ts';

describe('contributions at a party', () => {
  it('scores held, consenting IDs as mapping(x)·w + intercept under a logistic part, and tells unknown from no-consent', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fedmark-partial-'));
    const path = join(dir, 'bank.csv');
    await writeFile(path, 'id,ok,a,b\nC1,Y,1,10\nC2,Y,3,30\nC3,N,5,50\n');
    const dataset = await loadDataset({ path, idColumn: 'id', consentColumn: 'ok' }, { party: 'bank' });
    const { mapping } = prepareFeatures(matrix(dataset.features, dataset.rows, 2), undefined, { names: dataset.featureNames });
    const scorer = logistic.scorer({ mapping, weights: [2, -1], intercept: 0.5 }, 'test shard');
    const got = contributions(scorer, dataset, rowIndex(dataset), [' c2 ', 'C1', 'c3', 'nobody'], false);
    // Standardised on the two consenting rows: a = (1, 3) → (−1, 1), b = (10, 30) → (−1, 1).
    expect(got.width).toBe(1);
    expect(Array.from(got.scores.subarray(0, 2))).toEqual([0.5 + 2 - 1, 0.5 - 2 + 1]);
    expect(Array.from(got.known)).toEqual([1, 1, 0, 0]);
    expect(got.noConsent).toEqual([2]);
    expect(Number.isNaN(got.scores[3])).toBe(true);
  });

  it('refuses a shard that is not the model\'s, naming it', () => {
    expect(() => logistic.scorer({ weights: [1] }, 'model file of m at party bank')).toThrow(expect.objectContaining({ code: 'FM_ERR_MODEL_INPUT', message: expect.stringContaining('model file of m at party bank') }));
  });
});
