// A multilayer perceptron for binary targets as a FederatedModel: ReLU hidden layers, a sigmoid
// output, log loss; trained with mini-batch gradient descent on tfjs-core kernels (backend.ts).
// Gradients are written out (backpropagation through dense layers), so no autodiff registry is
// needed. Parameters are one flat vector, layer by layer: W_l (in × out, row-major) then b_l.
// Initialisation: He-uniform weights from a seeded generator (every member starts from the same
// model), zero biases. L2 applies to weights, the FedProx term μ·(θ − θ_global) to every
// parameter. Kernels run in float32; parameters travel and are averaged in float64.
import * as tf from '@tensorflow/tfjs-core';
import { checkLabels, inputError, type Labels } from '../check.ts';
import { checkMatrix, type Matrix } from '../matrix.ts';
import { batchOrder, deriveSeed, mulberry32 } from '../random.ts';
import type { FederatedModel, LocalResult, LocalTrainOptions } from '../federated/model.ts';
import { mlpLayers, parameterCount } from '../federated/shape.ts';
import { useBackend } from './backend.ts';

interface Layer {
  w: tf.Tensor2D;
  b: tf.Tensor1D;
}

export async function mlpModel(features: number, hidden: readonly number[]): Promise<FederatedModel> {
  await useBackend();
  const layers = mlpLayers(features, hidden);
  const parameters = parameterCount('mlp', features, hidden);
  return {
    kind: 'mlp',
    parameters,
    describe: () => ({ kind: 'mlp', layers, activation: 'relu', output: 'sigmoid' }),
    init(seed) {
      const next = mulberry32(seed);
      const out = new Float64Array(parameters);
      let at = 0;
      for (let l = 1; l < layers.length; l++) {
        const fanIn = layers[l - 1] as number;
        const n = fanIn * (layers[l] as number);
        const limit = Math.sqrt(6 / fanIn);
        for (let k = 0; k < n; k++) out[at + k] = (next() / 2 ** 32 * 2 - 1) * limit;
        at += n + (layers[l] as number);
      }
      return out;
    },
    async predict(params, x) {
      checkMatrix('x', x, features);
      checkParams(params, parameters);
      const net = unpack(params, layers);
      try {
        const p = tf.tidy(() => tf.sigmoid(forward(net, tf.tensor2d(Float32Array.from(x.data), [x.rows, x.cols])).logits));
        const values = await p.data();
        p.dispose();
        return Float64Array.from(values);
      } finally {
        disposeNet(net);
      }
    },
    async train(start, x, y, o, rowWeights) {
      return trainMlp(start, x, y, o, layers, parameters, rowWeights);
    },
  };
}

function checkParams(params: Float64Array, parameters: number): void {
  if (!(params instanceof Float64Array) || params.length !== parameters) throw inputError('params', `${parameters} values`, `${params?.length}`);
}

function unpack(params: Float64Array, layers: number[]): Layer[] {
  const out: Layer[] = [];
  let at = 0;
  for (let l = 1; l < layers.length; l++) {
    const i = layers[l - 1] as number;
    const o = layers[l] as number;
    out.push({ w: tf.tensor2d(Float32Array.from(params.subarray(at, at + i * o)), [i, o]), b: tf.tensor1d(Float32Array.from(params.subarray(at + i * o, at + i * o + o))) });
    at += i * o + o;
  }
  return out;
}

async function pack(net: Layer[], parameters: number): Promise<Float64Array> {
  const out = new Float64Array(parameters);
  let at = 0;
  for (const { w, b } of net) {
    const wv = await w.data();
    out.set(wv, at);
    at += wv.length;
    const bv = await b.data();
    out.set(bv, at);
    at += bv.length;
  }
  return out;
}

function disposeNet(net: Layer[]): void {
  for (const { w, b } of net) {
    w.dispose();
    b.dispose();
  }
}

/** Pre-activations and activations of every layer; the last layer's pre-activation is the logit. */
function forward(net: Layer[], x: tf.Tensor2D): { inputs: tf.Tensor2D[]; pre: tf.Tensor2D[]; logits: tf.Tensor2D } {
  const inputs: tf.Tensor2D[] = [];
  const pre: tf.Tensor2D[] = [];
  let a = x;
  for (const [l, { w, b }] of net.entries()) {
    inputs.push(a);
    const z = tf.add(tf.matMul(a, w), b) as tf.Tensor2D;
    pre.push(z);
    a = l === net.length - 1 ? z : tf.relu(z);
  }
  return { inputs, pre, logits: pre[pre.length - 1] as tf.Tensor2D };
}

async function trainMlp(
  start: Float64Array, x: Matrix, y: Labels, o: LocalTrainOptions, layers: number[], parameters: number, rowWeights?: Float64Array,
): Promise<LocalResult> {
  checkMatrix('x', x, layers[0]);
  checkLabels('y', y, x.rows);
  checkParams(start, parameters);
  if (rowWeights !== undefined && rowWeights.length !== x.rows) throw inputError('rowWeights', `${x.rows} values`, `${rowWeights.length}`);
  const net = unpack(start, layers);
  const anchor = unpack(start, layers);
  const seed = deriveSeed(o.seed, o.round);
  const xs = tf.tensor2d(Float32Array.from(x.data), [x.rows, x.cols]);
  const ys = tf.tensor2d(Float32Array.from(y), [x.rows, 1]);
  const ws = tf.tensor2d(rowWeights ? Float32Array.from(rowWeights) : new Float32Array(x.rows).fill(1), [x.rows, 1]);
  // The loss stays on the device until the end: reading it back every step would stall the kernels.
  let lossSum: tf.Scalar = tf.scalar(0);
  let weightSum = 0;
  try {
    for (let epoch = 0; epoch < o.epochs; epoch++) {
      for (const batch of batchOrder(x.rows, o.batchSize, seed, epoch)) {
        let bw = batch.length;
        if (rowWeights) {
          bw = 0;
          for (const i of batch) bw += rowWeights[i] as number;
        }
        if (!(bw > 0)) continue;
        const loss = step(net, anchor, xs, ys, ws, tf.tensor1d(Int32Array.from(batch), 'int32'), bw, o);
        const sum = tf.add(lossSum, loss) as tf.Scalar;
        tf.dispose([lossSum, loss]);
        lossSum = sum;
        weightSum += bw;
      }
    }
    const params = await pack(net, parameters);
    const loss = (await lossSum.data())[0] as number;
    for (const v of params) if (!Number.isFinite(v)) throw inputError('learningRate', 'small enough for local training to converge', `${o.learningRate}`);
    return { params, loss: weightSum > 0 ? loss / weightSum : 0 };
  } finally {
    lossSum.dispose();
    disposeNet(net);
    disposeNet(anchor);
    tf.dispose([xs, ys, ws]);
  }
}

/** One gradient step on a batch of total row weight `bw`, in place; returns the batch's weighted loss sum (on the device). */
function step(net: Layer[], anchor: Layer[], xs: tf.Tensor2D, ys: tf.Tensor2D, ws: tf.Tensor2D, idx: tf.Tensor1D, bw: number, o: LocalTrainOptions): tf.Scalar {
  const updated: tf.Tensor[] = tf.tidy(() => {
    const xb = tf.gather(xs, idx) as tf.Tensor2D;
    const yb = tf.gather(ys, idx) as tf.Tensor2D;
    const wb = tf.gather(ws, idx) as tf.Tensor2D;
    const { inputs, pre, logits } = forward(net, xb);
    const p = tf.sigmoid(logits);
    // Weighted log loss, stable form: max(z,0) − z·y + log(1 + e^−|z|).
    const rowLoss = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, yb)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
    const loss = tf.sum(tf.mul(rowLoss, wb));
    let dz = tf.mul(tf.sub(p, yb), tf.div(wb, bw)) as tf.Tensor2D;
    const next: tf.Tensor[] = [];
    for (let l = net.length - 1; l >= 0; l--) {
      const { w, b } = net[l] as Layer;
      const a = anchor[l] as Layer;
      const gw = tf.add(tf.add(tf.matMul(inputs[l] as tf.Tensor2D, dz, true, false), tf.mul(w, o.l2)), tf.mul(tf.sub(w, a.w), o.mu));
      const gb = tf.add(tf.sum(dz, 0), tf.mul(tf.sub(b, a.b), o.mu));
      if (l > 0) dz = tf.mul(tf.matMul(dz, w, false, true), tf.step(pre[l - 1] as tf.Tensor2D)) as tf.Tensor2D;
      next[2 * l] = tf.sub(w, tf.mul(gw, o.learningRate));
      next[2 * l + 1] = tf.sub(b, tf.mul(gb, o.learningRate));
    }
    return [loss, ...next];
  });
  idx.dispose();
  disposeNet(net);
  const [loss, ...params] = updated as [tf.Scalar, ...tf.Tensor[]];
  for (let l = 0; l < net.length; l++) net[l] = { w: params[2 * l] as tf.Tensor2D, b: params[2 * l + 1] as tf.Tensor1D };
  return loss;
}
