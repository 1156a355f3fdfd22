// Wisconsin breast cancer, FATE's vertical split (569 rows; guest 10 columns + y, host 20),
// 70/30 by validationMask(ids, 0.3, 42), the same Taylor settings as defaultCredit.test.ts
// (batchSize 1024 > rows: one full batch per epoch). Evaluation AUC from the run: 0.9987.

import { describe, expect, it } from 'vitest';
import { prepareFeatures } from '../features/prepare.ts';
import { concatColumns, maskIndices, selectRows } from '../matrix.ts';
import { validationMask } from '../split/hashSplit.ts';
import { readVertical } from '../../data/fate.ts';
import { trainLogistic } from './logistic.ts';

describe('breast, vertical split, Taylor logistic regression', () => {
  it('reaches an evaluation AUC of at least 0.98 with guest + host features', () => {
    const data = readVertical('breast');
    expect(data.ids.length).toBe(569);
    const mask = validationMask(data.ids, 0.3, 42);
    const train = maskIndices(mask, 0);
    const evaluation = maskIndices(mask, 1);
    const guest = prepareFeatures(selectRows(data.guest, train), selectRows(data.guest, evaluation));
    const host = prepareFeatures(selectRows(data.host, train), selectRows(data.host, evaluation));
    if (guest.evaluation === undefined || host.evaluation === undefined) throw new Error('no evaluation rows');
    const m = trainLogistic(
      concatColumns(guest.train, host.train),
      Uint8Array.from(train, (i) => data.y[i] as number),
      { epochs: 20, batchSize: 1024, learningRate: 0.15, l2: 0.01, seed: 42, gradient: 'taylor' },
      { x: concatColumns(guest.evaluation, host.evaluation), y: Uint8Array.from(evaluation, (i) => data.y[i] as number) },
    );
    expect(m.history.at(-1)?.evalAuc).toBeGreaterThanOrEqual(0.98);
  });
});
