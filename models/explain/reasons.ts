// Reason codes of a linear part of a model: a party's contribution u = b + Σ_j w_j·x̃_j over its
// prepared columns x̃ (standardised, or one-hot bins) split by input feature, each measured against
// the evaluation rows' average customer: u = baseline + Σ_f term_f with baseline = b + Σ_j w_j·m_j
// (m the evaluation means of the prepared columns) and term_f = Σ_{j of f} w_j·(x̃_j − m_j). A
// positive term raises the logit above the average's. The party computes these for its own
// features at its own premises; which features and terms leave is the caller's to decide.
import { checkMatrix, type Matrix } from '../matrix.ts';
import { inputError } from '../check.ts';

export function columnMeans(x: Matrix): Float64Array {
  checkMatrix('x', x);
  const out = new Float64Array(x.cols);
  if (x.rows === 0) return out;
  for (let i = 0; i < x.rows; i++) for (let j = 0; j < x.cols; j++) out[j] = (out[j] as number) + (x.data[i * x.cols + j] as number);
  for (let j = 0; j < x.cols; j++) out[j] = (out[j] as number) / x.rows;
  return out;
}

export interface LinearReasons {
  /** Prepared columns per input feature, in order (Σ = weights.length). */
  groups: readonly number[];
  weights: Float64Array;
  means: Float64Array;
  intercept: number;
}

export function checkLinearReasons(r: LinearReasons): LinearReasons {
  const cols = r.groups.reduce((s, g) => s + g, 0);
  if (cols !== r.weights.length) throw inputError('groups', `prepared columns summing to ${r.weights.length}`, String(cols));
  if (r.means.length !== r.weights.length) throw inputError('means', `${r.weights.length} column means`, String(r.means.length));
  return r;
}

/** b + Σ_j w_j·m_j: the contribution of the evaluation rows' average customer. */
export function baselineOf(r: LinearReasons): number {
  let s = r.intercept;
  for (let j = 0; j < r.weights.length; j++) s += (r.weights[j] as number) * (r.means[j] as number);
  return s;
}

/** term_f for every row of the prepared matrix: rows × groups.length values. */
export function featureTerms(r: LinearReasons, prepared: Matrix): Float64Array {
  checkMatrix('prepared', prepared, r.weights.length);
  const features = r.groups.length;
  const out = new Float64Array(prepared.rows * features);
  for (let i = 0; i < prepared.rows; i++) {
    let j = 0;
    for (let f = 0; f < features; f++) {
      let s = 0;
      for (let end = j + (r.groups[f] as number); j < end; j++) s += (r.weights[j] as number) * ((prepared.data[i * prepared.cols + j] as number) - (r.means[j] as number));
      out[i * features + f] = s;
    }
  }
  return out;
}

export interface Reason {
  feature: string;
  value: number;
}

/** Indices of the k terms largest in magnitude (ties: the earlier feature), and the sum of the others. */
export function topTerms(terms: ArrayLike<number>, k: number): { top: number[]; rest: number } {
  const order = Array.from({ length: terms.length }, (_, f) => f).sort((a, b) => Math.abs(terms[b] as number) - Math.abs(terms[a] as number) || a - b);
  let rest = 0;
  for (const f of order.slice(k)) rest += terms[f] as number;
  return { top: order.slice(0, k), rest };
}

/** The k terms of one row largest in magnitude, by feature name, and the sum of the others. */
export function topReasons(terms: ArrayLike<number>, names: readonly string[], k: number): { top: Reason[]; rest: number } {
  const { top, rest } = topTerms(terms, k);
  return { top: top.map((f) => ({ feature: names[f] as string, value: terms[f] as number })), rest };
}
