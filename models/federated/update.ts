// A member's contribution to a round of horizontal training, as one vector for secure aggregation.
// Layout for P parameters: [s·θ_k (P values), s·trainLoss_k, s, v·evalLoss_k, v], with s = n_k/S
// (the member's training rows over the pooled training rows) and v = e_k/E (its evaluation rows
// over the pooled evaluation rows); with dp, where only parameters are aggregated, [s·θ_k, s] with
// s = 1/M. Each weighted group carries its own weight slot, so the decrypted sum divides out over
// the members that actually contributed (fedavg.ts): θ = Σ n_k·θ_k / Σ n_k, the training loss
// likewise, and the evaluation loss Σ e_k·L_k / Σ e_k — the mean log loss over all their
// evaluation rows, of the global model the round started from.
import { inputError } from '../check.ts';
import { averageFromSum, weightedUpload } from './fedavg.ts';

export interface UpdateWeights {
  rows: number;
  normaliser: number;
  /** Absent with dp: no loss is aggregated. */
  evaluation?: { rows: number; normaliser: number };
}

export interface RoundLosses {
  /** Mean training loss of the member's local training. */
  train: number;
  /** Mean log loss of the round's starting global model on the member's evaluation rows. */
  evaluation: number;
}

/** Values in an update of `parameters` parameters, with or without the two losses. */
export function updateLength(parameters: number, withLosses: boolean): number {
  return parameters + (withLosses ? 4 : 1);
}

export function packUpdate(params: Float64Array, w: UpdateWeights, losses?: RoundLosses): Float64Array {
  if ((w.evaluation === undefined) !== (losses === undefined)) throw inputError('losses', 'losses exactly when evaluation weights are given', losses ? 'losses without evaluation weights' : 'no losses');
  if (!w.evaluation || !losses) return weightedUpload(params, w.rows, w.normaliser);
  const model = weightedUpload(Float64Array.of(...params, losses.train), w.rows, w.normaliser);
  const evaluation = weightedUpload(Float64Array.of(losses.evaluation), w.evaluation.rows, w.evaluation.normaliser);
  const out = new Float64Array(model.length + evaluation.length);
  out.set(model);
  out.set(evaluation, model.length);
  return out;
}

export function unpackUpdate(sum: Float64Array, parameters: number, withLosses: boolean): { params: Float64Array; losses?: RoundLosses } {
  if (sum.length !== updateLength(parameters, withLosses)) throw inputError('sum', `${updateLength(parameters, withLosses)} values`, `${sum.length}`);
  if (!withLosses) return { params: averageFromSum(sum, parameters).values };
  const model = averageFromSum(sum.subarray(0, parameters + 2), parameters + 1).values;
  const evaluation = averageFromSum(sum.subarray(parameters + 2), 1).values;
  return { params: model.slice(0, parameters), losses: { train: model[parameters] as number, evaluation: evaluation[0] as number } };
}
