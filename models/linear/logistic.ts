// Plaintext reference trainer for logistic regression with exactly the vertical protocol's update
// (design note protocols.md, "Vertical logistic regression"), so a federated run can be compared
// with it number for number. Per epoch e (0-based), batches = batchOrder(rows, batchSize, seed, e);
// per batch B:
//   1. u_i = b + Σ_j x_ij·w_j for i ∈ B (in the protocol: u_G + Σ_k u_k, the guest holding b);
//   2. d_i = ¼·u_i + ½ − y_i ('taylor') or σ(u_i) − y_i ('exact');
//   3. g_j = Σ_{i∈B} x_ij·d_i / |B| + l2·w_j;  g_b = Σ_{i∈B} d_i / |B| (no l2 on the intercept);
//   4. w ← w − learningRate·g,  b ← b − learningRate·g_b.
// The epoch's train loss is the mean over all rows of the per-row loss at step 1 of its batch
// (Taylor or exact, matching `gradient`), i.e. what the protocol logs. After each epoch, with an
// evaluation set: its loss (same kind) and AUC. Early stopping watches the evaluation loss (the
// train loss when no evaluation set is given): training stops after `patience` epochs without an
// improvement larger than `minDelta`, and the weights of the best epoch are returned.

import { checkInteger, checkLabels, checkNumber, describeValue, inputError, type Labels } from '../check.ts';
import { checkMatrix, type Matrix } from '../matrix.ts';
import { auc } from '../metrics/auc.ts';
import { batchOrder } from '../random.ts';
import { exactLossAt, exactResidualAt, sigmoid } from './exact.ts';
import { addRow, dotRow, toRows, type Rows } from './rows.ts';
import { taylorLossAt, taylorResidualAt } from './taylor.ts';

export interface LogisticOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  l2: number;
  /** uint32; the public training seed from which every party derives the batches. */
  seed: number;
  gradient: 'taylor' | 'exact';
  earlyStopping?: { patience: number; minDelta: number };
}

export interface EpochRecord {
  /** 0-based, as passed to batchOrder. */
  epoch: number;
  trainLoss: number;
  evalLoss?: number;
  evalAuc?: number;
}

export interface LogisticModel {
  /** One per column of x. */
  weights: Float64Array;
  intercept: number;
  history: EpochRecord[];
  /** The epoch whose weights are returned: the last one, or the best one under early stopping. */
  bestEpoch: number;
  stoppedEarly: boolean;
}

export interface EvaluationSet {
  x: Matrix;
  y: Labels;
}

const OPTION_KEYS = new Set(['epochs', 'batchSize', 'learningRate', 'l2', 'seed', 'gradient', 'earlyStopping']);

export function checkLogisticOptions(options: unknown): LogisticOptions {
  if (typeof options !== 'object' || options === null) throw inputError('options', 'an object', describeValue(options));
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) throw inputError('options', `only ${[...OPTION_KEYS].join(', ')}`, `key ${key}`);
  }
  const o = options as LogisticOptions;
  checkInteger('options.epochs', o.epochs, 1, 1_000_000);
  checkInteger('options.batchSize', o.batchSize, 1);
  checkNumber('options.learningRate', o.learningRate, 0, Infinity, { min: true });
  checkNumber('options.l2', o.l2, 0, Infinity);
  checkInteger('options.seed', o.seed, 0, 2 ** 32 - 1);
  if (o.gradient !== 'taylor' && o.gradient !== 'exact') {
    throw inputError('options.gradient', "'taylor' or 'exact'", describeValue(o.gradient));
  }
  if (o.earlyStopping !== undefined) {
    if (typeof o.earlyStopping !== 'object' || o.earlyStopping === null) {
      throw inputError('options.earlyStopping', '{ patience, minDelta }', describeValue(o.earlyStopping));
    }
    checkInteger('options.earlyStopping.patience', o.earlyStopping.patience, 1);
    checkNumber('options.earlyStopping.minDelta', o.earlyStopping.minDelta, 0, Infinity);
  }
  return o;
}

/** u = x·w + b, one value per row. */
export function predictLinear(x: Matrix, weights: Float64Array, intercept: number): Float64Array {
  checkMatrix('x', x);
  if (!(weights instanceof Float64Array) || weights.length !== x.cols) {
    throw inputError('weights', `a Float64Array of ${x.cols} (one per column)`, describeValue(weights));
  }
  checkNumber('intercept', intercept, -Infinity, Infinity);
  return linear(x, weights, intercept);
}

/** σ(x·w + b), one probability per row. */
export function predictProbability(x: Matrix, weights: Float64Array, intercept: number): Float64Array {
  const u = predictLinear(x, weights, intercept);
  for (let i = 0; i < u.length; i++) u[i] = sigmoid(u[i] as number);
  return u;
}

function linear(x: Matrix, w: Float64Array, b: number): Float64Array {
  return linearRows(toRows(x), x.rows, w, b);
}

function linearRows(r: Rows, rows: number, w: Float64Array, b: number): Float64Array {
  const u = new Float64Array(rows);
  for (let i = 0; i < rows; i++) u[i] = dotRow(r, i, w, b);
  return u;
}

function checkFinite(param: string, x: Matrix): void {
  for (let k = 0; k < x.data.length; k++) {
    if (!Number.isFinite(x.data[k])) {
      throw inputError(param, 'finite values (prepare features first: NaN is not imputed here)', `a non-finite value at row ${Math.floor(k / x.cols)}`);
    }
  }
}

type RowFunction = (u: number, y: number) => number;

/** One epoch of the update, batch by batch; w is updated in place. Kept apart so V8 optimises it as a whole. */
function runEpoch(
  train: Rows,
  y: Labels,
  batches: Uint32Array[],
  w: Float64Array,
  b: number,
  o: LogisticOptions,
  residualAt: RowFunction,
  lossAt: RowFunction,
): { lossSum: number; intercept: number } {
  const cols = w.length;
  const g = new Float64Array(cols);
  let lossSum = 0;
  for (const batch of batches) {
    g.fill(0);
    let gb = 0;
    for (let k = 0; k < batch.length; k++) {
      const i = batch[k] as number;
      const u = dotRow(train, i, w, b);
      const yi = y[i] as number;
      lossSum += lossAt(u, yi);
      const d = residualAt(u, yi);
      gb += d;
      addRow(train, i, d, g);
    }
    const scale = 1 / batch.length;
    for (let j = 0; j < cols; j++) w[j]! -= o.learningRate * ((g[j] as number) * scale + o.l2 * (w[j] as number));
    b -= o.learningRate * gb * scale;
  }
  return { lossSum, intercept: b };
}

export function trainLogistic(x: Matrix, y: Labels, options: LogisticOptions, evaluation?: EvaluationSet): LogisticModel {
  checkMatrix('x', x);
  checkFinite('x', x);
  checkLabels('y', y, x.rows);
  const o = checkLogisticOptions(options);
  if (x.rows === 0) throw inputError('x.rows', 'at least 1 row', '0');
  if (evaluation !== undefined) {
    checkMatrix('evaluation.x', evaluation.x, x.cols);
    checkFinite('evaluation.x', evaluation.x);
    checkLabels('evaluation.y', evaluation.y, evaluation.x.rows);
    let p = 0;
    for (let i = 0; i < evaluation.y.length; i++) p += evaluation.y[i] as number;
    if (p === 0 || p === evaluation.y.length) throw inputError('evaluation.y', 'both classes (for the AUC)', `${p} positives of ${evaluation.y.length}`);
  }

  const { rows, cols } = x;
  const train = toRows(x);
  const evalRows = evaluation === undefined ? undefined : toRows(evaluation.x);
  const taylor = o.gradient === 'taylor';
  const residualAt = taylor ? taylorResidualAt : exactResidualAt;
  const lossAt = taylor ? taylorLossAt : exactLossAt;
  const w = new Float64Array(cols);
  let b = 0;
  const history: EpochRecord[] = [];
  let best = { loss: Infinity, epoch: -1, weights: w.slice(), intercept: 0 };
  let stoppedEarly = false;

  for (let epoch = 0; epoch < o.epochs; epoch++) {
    const { lossSum, intercept } = runEpoch(train, y, batchOrder(rows, o.batchSize, o.seed, epoch), w, b, o, residualAt, lossAt);
    b = intercept;

    const record: EpochRecord = { epoch, trainLoss: lossSum / rows };
    if (!Number.isFinite(record.trainLoss) || !Number.isFinite(b)) {
      throw inputError('options.learningRate', 'small enough for training to converge', `${o.learningRate} (the loss overflowed in epoch ${epoch})`);
    }
    let watched = record.trainLoss;
    if (evaluation !== undefined && evalRows !== undefined) {
      const u = linearRows(evalRows, evaluation.x.rows, w, b);
      let s = 0;
      for (let i = 0; i < u.length; i++) s += lossAt(u[i] as number, evaluation.y[i] as number);
      record.evalLoss = s / u.length;
      record.evalAuc = auc(u, evaluation.y);
      watched = record.evalLoss;
    }
    history.push(record);
    if (o.earlyStopping === undefined) continue;
    if (watched < best.loss - o.earlyStopping.minDelta) {
      best = { loss: watched, epoch, weights: w.slice(), intercept: b };
    } else if (epoch - best.epoch >= o.earlyStopping.patience) {
      stoppedEarly = true;
      break;
    }
  }

  if (o.earlyStopping !== undefined && best.epoch >= 0) {
    return { weights: best.weights, intercept: best.intercept, history, bestEpoch: best.epoch, stoppedEarly };
  }
  return { weights: w, intercept: b, history, bestEpoch: history.length - 1, stoppedEarly };
}
