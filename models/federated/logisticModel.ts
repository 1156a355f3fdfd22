// Logistic regression as a FederatedModel: parameters [w_0 … w_{c−1}, b]. Local training is
// mini-batch gradient descent on the exact log-loss gradient, with L2 on w and the FedProx term
// μ·(θ − θ_global) on every parameter. One local epoch of full-batch descent from the global model,
// averaged with sample-count weights, is exactly one step of centralised gradient descent on the
// pooled rows; more local epochs or mini-batches trade communication for client drift.

import { checkLabels, inputError, type Labels } from '../check.ts';
import { checkMatrix, type Matrix } from '../matrix.ts';
import { batchOrder, deriveSeed } from '../random.ts';
import { sigmoid } from '../linear/exact.ts';
import type { FederatedModel, LocalResult, LocalTrainOptions } from './model.ts';

export function logisticModel(features: number): FederatedModel {
  const parameters = features + 1;
  return {
    kind: 'logistic',
    parameters,
    init: () => new Float64Array(parameters),
    describe: () => ({ kind: 'logistic', features }),
    async predict(params, x) {
      checkShape(params, parameters, x, features);
      const out = new Float64Array(x.rows);
      for (let i = 0; i < x.rows; i++) out[i] = sigmoid(dot(x, i, params, features));
      return out;
    },
    async train(start, x, y, o, rowWeights) {
      return trainLogisticLocal(start, x, y, o, rowWeights);
    },
  };
}

function checkShape(params: Float64Array, parameters: number, x: Matrix, features: number): void {
  checkMatrix('x', x, features);
  if (!(params instanceof Float64Array) || params.length !== parameters) throw inputError('params', `${parameters} values`, `${params?.length}`);
}

function dot(x: Matrix, i: number, params: Float64Array, cols: number): number {
  let u = params[cols] as number;
  const row = i * cols;
  for (let j = 0; j < cols; j++) u += (x.data[row + j] as number) * (params[j] as number);
  return u;
}

export function trainLogisticLocal(start: Float64Array, x: Matrix, y: Labels, o: LocalTrainOptions, rowWeights?: Float64Array): LocalResult {
  const cols = x.cols;
  checkShape(start, cols + 1, x, cols);
  checkLabels('y', y, x.rows);
  if (rowWeights !== undefined && rowWeights.length !== x.rows) throw inputError('rowWeights', `${x.rows} values`, `${rowWeights.length}`);
  const theta = start.slice();
  const g = new Float64Array(cols + 1);
  const seed = deriveSeed(o.seed, o.round);
  let lossSum = 0;
  let weightSum = 0;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    for (const batch of batchOrder(x.rows, o.batchSize, seed, epoch)) {
      g.fill(0);
      let bw = 0;
      for (let k = 0; k < batch.length; k++) {
        const i = batch[k] as number;
        const wi = rowWeights ? (rowWeights[i] as number) : 1;
        const u = dot(x, i, theta, cols);
        const p = sigmoid(u);
        const yi = y[i] as number;
        lossSum += wi * (yi === 1 ? -logClamp(p) : -logClamp(1 - p));
        weightSum += wi;
        const d = wi * (p - yi);
        bw += wi;
        const row = i * cols;
        for (let j = 0; j < cols; j++) g[j]! += d * (x.data[row + j] as number);
        g[cols]! += d;
      }
      if (bw <= 0) continue;
      for (let j = 0; j <= cols; j++) {
        const reg = j < cols ? o.l2 * (theta[j] as number) : 0;
        const prox = o.mu * ((theta[j] as number) - (start[j] as number));
        theta[j] = (theta[j] as number) - o.learningRate * ((g[j] as number) / bw + reg + prox);
      }
    }
  }
  for (const v of theta) if (!Number.isFinite(v)) throw inputError('learningRate', 'small enough for local training to converge', `${o.learningRate}`);
  return { params: theta, loss: weightSum > 0 ? lossSum / weightSum : 0 };
}

function logClamp(p: number): number {
  return Math.log(Math.min(1, Math.max(p, 1e-15)));
}
