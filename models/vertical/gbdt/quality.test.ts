// The reference GBDT against the plaintext logistic model on the same vertical splits, 70/30 by
// validationMask(ids, 0.3, 42), each party's columns its own. GBDT: the defaults (50 trees,
// depth 4, learning rate 0.3, 32 bins, λ 1, minChildWeight 1). LR: the Taylor reference with the
// settings of models/linear/defaultCredit.test.ts (20 epochs, batch 1024, rate 0.15, l2 0.01),
// features standardised, categorical columns one-hot. Evaluation AUCs from these runs:
//   data set                          rows (train/eval)  LR      GBDT    guest-alone GBDT
//   default_credit (FATE vertical)    21,034 / 8,966     0.7147  0.7821  0.7304
//   breast (FATE vertical)            398 / 171          0.9987  0.9962  0.9932
//   bank-marketing sample, no         7,940 / 3,495      0.7884  0.8534  0.6163
//     duration (demo split 8 + 7)
// Cross-check (run outside the repository, not a test): LightGBM 4.7.0 on the same rows, both
// parties' columns side by side, with the same settings (max_depth 4, num_leaves 16, max_bin 32,
// lambda_l2 1, min_sum_hessian_in_leaf 1, min_data_in_leaf 1, categorical columns as categories):
// 0.7825, 0.9975 and 0.8558, i.e. the reference is within 0.0025 of it on all three.
// On breast the linear model is already almost perfect and the trees do not beat it (171
// evaluation rows: 0.0025 is about one pair in 400); the test pins that they stay close.

import { describe, expect, it } from 'vitest';
import { BANK_MARKETING_GUEST, BANK_MARKETING_HOST, bankMarketingMatrix, readBankMarketing } from '../../../data/bankMarketing.ts';
import { readVertical } from '../../../data/fate.ts';
import { prepareFeatures } from '../../features/prepare.ts';
import { predictLinear, trainLogistic } from '../../linear/logistic.ts';
import { concatColumns, maskIndices, selectRows, type Matrix } from '../../matrix.ts';
import { auc } from '../../metrics/auc.ts';
import { validationMask } from '../../split/hashSplit.ts';
import { predictGbdt, trainGbdt } from './trainer.ts';

interface Party {
  x: Matrix;
  categorical: readonly number[];
}

/** Categorical columns (category indices) as one 0/1 column per category, for the linear model. */
function oneHot(p: Party): Matrix {
  const out: Float64Array[] = [];
  for (let j = 0; j < p.x.cols; j++) {
    const v = Float64Array.from({ length: p.x.rows }, (_, i) => p.x.data[i * p.x.cols + j] as number);
    if (!p.categorical.includes(j)) out.push(v);
    else for (let c = 0; c <= Math.max(...v); c++) out.push(v.map((a) => (a === c ? 1 : 0)));
  }
  const data = new Float64Array(p.x.rows * out.length);
  for (let i = 0; i < p.x.rows; i++) for (let j = 0; j < out.length; j++) data[i * out.length + j] = (out[j] as Float64Array)[i] as number;
  return { data, rows: p.x.rows, cols: out.length };
}

function compare(ids: string[], y: Uint8Array, parties: Party[]): { lr: number; gbdt: number; guestAlone: number } {
  const mask = validationMask(ids, 0.3, 42);
  const train = maskIndices(mask, 0);
  const evaluation = maskIndices(mask, 1);
  const yTrain = Uint8Array.from(train, (i) => y[i] as number);
  const yEval = Uint8Array.from(evaluation, (i) => y[i] as number);
  const prepared = parties.map((p) => {
    const wide = oneHot(p);
    const out = prepareFeatures(selectRows(wide, train), selectRows(wide, evaluation));
    return { train: out.train, evaluation: out.evaluation as Matrix };
  });
  const joined = prepared.reduce((a, b) => ({ train: concatColumns(a.train, b.train), evaluation: concatColumns(a.evaluation, b.evaluation) }));
  const lrModel = trainLogistic(joined.train, yTrain, { epochs: 20, batchSize: 1024, learningRate: 0.15, l2: 0.01, seed: 42, gradient: 'taylor' });
  const lr = auc(predictLinear(joined.evaluation, lrModel.weights, lrModel.intercept), yEval);
  const trainParties = parties.map((p) => ({ x: selectRows(p.x, train), categorical: p.categorical }));
  const evalParties = parties.map((p) => selectRows(p.x, evaluation));
  const gbdt = auc(predictGbdt(trainGbdt(trainParties, yTrain), evalParties), yEval);
  const guestAlone = auc(predictGbdt(trainGbdt(trainParties.slice(0, 1), yTrain), evalParties.slice(0, 1)), yEval);
  return { lr, gbdt, guestAlone };
}

describe('reference GBDT against logistic regression (evaluation AUC)', () => {
  it('default_credit: the trees beat LR by more than 0.06 and reach 0.78', () => {
    const data = readVertical('default_credit');
    const r = compare(data.ids, data.y, [{ x: data.guest, categorical: [] }, { x: data.host, categorical: [] }]);
    expect(r.gbdt).toBeGreaterThanOrEqual(0.7821 - 0.003);
    expect(r.gbdt - r.lr).toBeGreaterThanOrEqual(0.06);
    expect(r.gbdt - r.guestAlone).toBeGreaterThanOrEqual(0.04);
  });

  it('breast: the trees stay within 0.005 of an almost perfect LR', () => {
    const data = readVertical('breast');
    const r = compare(data.ids, data.y, [{ x: data.guest, categorical: [] }, { x: data.host, categorical: [] }]);
    expect(r.gbdt).toBeGreaterThanOrEqual(0.9962 - 0.003);
    expect(r.lr - r.gbdt).toBeLessThanOrEqual(0.005);
  });

  it('bank-marketing (categorical columns, no duration): the trees beat LR by more than 0.06 and reach 0.85', () => {
    const table = readBankMarketing();
    const r = compare(table.ids, table.y, [bankMarketingMatrix(table, BANK_MARKETING_GUEST), bankMarketingMatrix(table, BANK_MARKETING_HOST)]);
    expect(r.gbdt).toBeGreaterThanOrEqual(0.8534 - 0.003);
    expect(r.gbdt - r.lr).toBeGreaterThanOrEqual(0.06);
    expect(r.gbdt - r.guestAlone).toBeGreaterThanOrEqual(0.2);
  });
});
