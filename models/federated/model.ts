// What a horizontal member trains: a model whose parameters are one flat Float64Array, so that
// FedAvg, clipping and secure aggregation treat every model alike. Logistic regression
// (logisticModel.ts) and the MLP (models/mlp/) implement it. Labels are any binary column and rows
// may carry weights, so other purposes (e.g. lookalike seeds against a population) reuse the loop.

import type { Labels } from '../check.ts';
import type { Matrix } from '../matrix.ts';

export interface LocalTrainOptions {
  /** Passes over the member's rows per round. */
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** L2 penalty on weights (not on biases). */
  l2: number;
  /** FedProx proximal term μ/2·‖θ − θ_global‖² (Li et al. 2020); 0 is plain FedAvg. */
  mu: number;
  /** Batches derive from (seed, round, epoch): runs are deterministic. */
  seed: number;
  round: number;
}

export interface LocalResult {
  params: Float64Array;
  /** Mean training loss (log loss) over the round's rows, at their batch's step. */
  loss: number;
}

export interface FederatedModel {
  readonly kind: 'logistic' | 'mlp';
  /** Length of the flat parameter vector. */
  readonly parameters: number;
  /** Starting parameters, the same at every member for the same seed. */
  init(seed: number): Float64Array;
  /** Local training from `start` (the global model); `start` is not modified. */
  train(start: Float64Array, x: Matrix, y: Labels, options: LocalTrainOptions, rowWeights?: Float64Array): Promise<LocalResult>;
  /** Probabilities of the positive class. */
  predict(params: Float64Array, x: Matrix): Promise<Float64Array>;
  /** The architecture, for the stored model file. */
  describe(): Record<string, unknown>;
}
