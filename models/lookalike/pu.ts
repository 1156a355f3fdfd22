// Positive–unlabelled (PU) learning for lookalike models: seeds are positives, every other
// customer is unlabelled (a mix of customers like the seeds and others). Four ways to turn that
// into training rows for a logistic model, each pure and usable by any trainer that takes per-row
// targets and weights (the horizontal trainer's members train locally and can use all of them):
//   'unlabelled-negative' — seeds 1, unlabelled 0 (the "non-traditional classifier" of Elkan &
//       Noto 2008: its score is monotone in P(y=1|x), so it ranks as the calibrated model does);
//   'class-prior' — the unbiased PU risk (du Plessis, Niu & Sugiyama 2014/2015) with the class
//       prior π of positives among the unlabelled: each seed counts as a positive with weight π/n_P
//       and as a negative with weight −π/n_P, each unlabelled row as a negative with weight 1/n_U
//       (for the logistic loss the two seed terms add up to a linear one, so the risk stays convex);
//   'bagging' — Mordelet & Vert 2014: K models, each on all seeds against a bootstrap sample of
//       n_P unlabelled rows taken as negatives; scores averaged;
//   'spy' — Liu et al. 2002 (S-EM's first step): a share of the seeds is hidden among the
//       unlabelled as spies; unlabelled rows scoring below nearly all spies are reliable negatives;
//       a second model is trained on seeds against reliable negatives only.
// The vertical protocol can only use the first (see docs/lookalike.md, "Which PU method"): weights and row subsets
// would have to be shared with the partners, which would tell them who the seeds are.

import { checkInteger, checkNumber, inputError } from '../check.ts';
import type { Matrix } from '../matrix.ts';
import { mulberry32, uniformInt } from '../random.ts';
import { sigmoid } from '../linear/exact.ts';
import { predictLinear } from '../linear/logistic.ts';
import { trainWeighted, type LinearModel, type WeightedOptions, type WeightedRows } from './weighted.ts';

function linearScores(x: Matrix, m: LinearModel): Float64Array {
  return predictLinear(x, m.weights, m.intercept);
}

export const PU_STRATEGIES = ['unlabelled-negative', 'class-prior', 'bagging', 'spy'] as const;
export type PuStrategy = (typeof PU_STRATEGIES)[number];

function count(mask: Uint8Array): number {
  let n = 0;
  for (const v of mask) n += v;
  return n;
}

function checkMask(param: string, mask: Uint8Array, rows?: number): void {
  if (!(mask instanceof Uint8Array) || (rows !== undefined && mask.length !== rows)) throw inputError(param, `a Uint8Array of ${rows ?? 'n'} flags`, String(mask?.length));
  const p = count(mask);
  if (p === 0 || p === mask.length) throw inputError(param, 'both seeds and unlabelled rows', `${p} seeds of ${mask.length}`);
}

/** Seeds 1, unlabelled 0, every row weight 1. */
export function unlabelledNegative(seed: Uint8Array): WeightedRows {
  checkMask('seed', seed);
  return { rows: Uint32Array.from(seed.keys()), target: Float64Array.from(seed), weight: new Float64Array(seed.length).fill(1) };
}

/** The unbiased PU risk as weighted rows; `prior`: share of positives among the unlabelled, in (0, 1). */
export function classPrior(seed: Uint8Array, prior: number): WeightedRows {
  checkMask('seed', seed);
  checkNumber('prior', prior, 0, 1, { min: true, max: true });
  const nP = count(seed);
  const nU = seed.length - nP;
  const rows: number[] = [];
  const target: number[] = [];
  const weight: number[] = [];
  seed.forEach((s, i) => {
    if (s) {
      rows.push(i, i);
      target.push(1, 0);
      weight.push(prior / nP, -prior / nP);
    } else {
      rows.push(i);
      target.push(0);
      weight.push(1 / nU);
    }
  });
  return { rows: Uint32Array.from(rows), target: Float64Array.from(target), weight: Float64Array.from(weight) };
}

/**
 * Elkan & Noto's estimate of the prior of positives among the unlabelled: c = mean score of
 * held-out seeds under the unlabelled-negative model (a probability), so the population holds
 * about n_P / c positives, of which n_P are labelled.
 */
export function estimatePrior(heldOutProbabilities: Float64Array, labelled: number, unlabelled: number): number {
  if (heldOutProbabilities.length === 0) throw inputError('heldOutProbabilities', 'at least one held-out seed', '0');
  let c = 0;
  for (const p of heldOutProbabilities) c += p;
  c /= heldOutProbabilities.length;
  const prior = (labelled / c - labelled) / unlabelled;
  return Math.min(0.99, Math.max(0.01, prior));
}

/** K bags: all seeds (target 1) against n_P unlabelled rows drawn with replacement (target 0). */
export function bags(seed: Uint8Array, k: number, rngSeed: number): WeightedRows[] {
  checkMask('seed', seed);
  checkInteger('k', k, 1, 1000);
  const positives: number[] = [];
  const unlabelled: number[] = [];
  seed.forEach((s, i) => (s ? positives : unlabelled).push(i));
  const next = mulberry32(rngSeed);
  return Array.from({ length: k }, () => {
    const drawn = Array.from({ length: positives.length }, () => unlabelled[uniformInt(next, unlabelled.length)] as number);
    const rows = Uint32Array.from([...positives, ...drawn]);
    const target = new Float64Array(rows.length);
    target.fill(1, 0, positives.length);
    return { rows, target, weight: new Float64Array(rows.length).fill(1) };
  });
}

/** A `share` of the seeds chosen as spies (1 = spy), at least one. */
export function chooseSpies(seed: Uint8Array, share: number, rngSeed: number): Uint8Array {
  checkMask('seed', seed);
  checkNumber('share', share, 0, 1, { min: true, max: true });
  const positives: number[] = [];
  seed.forEach((s, i) => s && positives.push(i));
  const next = mulberry32(rngSeed);
  for (let i = positives.length - 1; i > 0; i--) {
    const j = uniformInt(next, i + 1);
    [positives[i], positives[j]] = [positives[j] as number, positives[i] as number];
  }
  const spies = new Uint8Array(seed.length);
  for (const i of positives.slice(0, Math.max(1, Math.round(share * positives.length)))) spies[i] = 1;
  return spies;
}

/**
 * Rows for the spy technique's second model: seeds that were not spies (target 1) against the
 * unlabelled rows scoring below the spies' `quantile` (target 0); spies themselves are left out.
 */
export function spyRows(seed: Uint8Array, spies: Uint8Array, scores: Float64Array, quantile: number): WeightedRows {
  checkNumber('quantile', quantile, 0, 1);
  const spyScores = Float64Array.from([...spies.keys()].filter((i) => spies[i]), (i) => scores[i] as number).sort();
  const threshold = spyScores[Math.min(spyScores.length - 1, Math.floor(quantile * spyScores.length))] as number;
  const rows: number[] = [];
  const target: number[] = [];
  seed.forEach((s, i) => {
    if (spies[i]) return;
    if (s) {
      rows.push(i);
      target.push(1);
    } else if ((scores[i] as number) < threshold) {
      rows.push(i);
      target.push(0);
    }
  });
  return { rows: Uint32Array.from(rows), target: Float64Array.from(target), weight: new Float64Array(rows.length).fill(1) };
}

export interface PuOptions extends WeightedOptions {
  /** class-prior: share of positives among the unlabelled; default: estimated from `heldOut`. */
  prior?: number;
  /** class-prior without `prior`: held-out seeds (flagged 1; they count as unlabelled in training). */
  heldOut?: Uint8Array;
  bags?: number;
  spyShare?: number;
  spyQuantile?: number;
  seed?: number;
}

/** Scores (linear, or averaged probabilities for bagging) of every row of `x` under the chosen strategy. */
export function fitPu(strategy: PuStrategy, x: Matrix, seed: Uint8Array, o: PuOptions): Float64Array {
  checkMask('seed', seed, x.rows);
  switch (strategy) {
    case 'unlabelled-negative':
      return linearScores(x, trainWeighted(x, unlabelledNegative(seed), o));
    case 'class-prior': {
      let prior = o.prior;
      if (prior === undefined) {
        const heldOut = o.heldOut;
        if (!heldOut) throw inputError('options.heldOut', 'held-out seeds to estimate the prior (or give options.prior)', 'none');
        const u = linearScores(x, trainWeighted(x, unlabelledNegative(seed), o));
        const p = Float64Array.from([...heldOut.keys()].filter((i) => heldOut[i]), (i) => sigmoid(u[i] as number));
        prior = estimatePrior(p, count(seed), seed.length - count(seed));
      }
      return linearScores(x, trainWeighted(x, classPrior(seed, prior), o));
    }
    case 'bagging': {
      const sum = new Float64Array(x.rows);
      const all = bags(seed, o.bags ?? 10, o.seed ?? 1);
      for (const bag of all) {
        const u = linearScores(x, trainWeighted(x, bag, o));
        for (let i = 0; i < u.length; i++) sum[i]! += sigmoid(u[i] as number) / all.length;
      }
      return sum;
    }
    case 'spy': {
      const spies = chooseSpies(seed, o.spyShare ?? 0.15, o.seed ?? 1);
      const first = Uint8Array.from(seed, (s, i) => (s && !spies[i] ? 1 : 0));
      const u = linearScores(x, trainWeighted(x, unlabelledNegative(first), o));
      return linearScores(x, trainWeighted(x, spyRows(seed, spies, u, o.spyQuantile ?? 0.1), o));
    }
    default:
      throw inputError('strategy', PU_STRATEGIES.join(' | '), String(strategy));
  }
}
