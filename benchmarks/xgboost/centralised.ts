// Centralised baselines for the federated trees on the same rows, every party's columns side by
// side: fedmark's plaintext reference (models/vertical/gbdt/trainer.ts) and XGBoost, the library
// the field measures against (Debian's python3-xgboost, run by centralised.py; `.ci/run` installs
// it). The GBDT issue's quality goal is "within 0.005 of centralised XGBoost with the same
// settings"; the quality test (e2e/gbdt-quality.e2e.test.ts) and `npm run bench -- gbdt-quality`
// both use this.
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { concatColumns, maskIndices, selectRows, type Matrix } from '../../models/matrix.ts';
import { auc } from '../../models/metrics/auc.ts';
import { validationMask } from '../../models/split/hashSplit.ts';
import { referenceOptions, type GbdtTraining } from '../../models/vertical/gbdt/settings.ts';
import { predictGbdt, trainGbdt } from '../../models/vertical/gbdt/trainer.ts';

const PYTHON = process.env.FEDMARK_PYTHON ?? '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./centralised.py', import.meta.url));

export function xgboostInstalled(): boolean {
  return spawnSync(PYTHON, ['-c', 'import xgboost'], { stdio: 'ignore' }).status === 0;
}

function rowsOf(x: Matrix): number[][] {
  return Array.from({ length: x.rows }, (_, i) => Array.from(x.data.subarray(i * x.cols, (i + 1) * x.cols)));
}

/**
 * XGBoost's margins on `evaluation`, trained on `train` with the job's settings: the histogram
 * method with `bins` bins, the same depth, rate, λ, minimum child weight, gain and row sampling,
 * one tree per round, categorical columns as categories, and the base score at the training rows'
 * prior (fedmark starts from the prior log-odds).
 */
export function xgboostMargins(train: { x: Matrix; y: Uint8Array }, evaluation: Matrix, t: GbdtTraining, categorical: readonly number[] = []): { scores: Float64Array; version: string } {
  let positives = 0;
  for (const v of train.y) positives += v;
  const params = {
    objective: 'binary:logistic', tree_method: 'hist', max_bin: t.bins, max_depth: t.maxDepth, eta: t.learningRate,
    lambda: t.lambda, alpha: 0, min_child_weight: t.minChildWeight, gamma: t.minGain, subsample: t.subsample,
    base_score: positives / train.y.length, max_cat_to_onehot: 1, seed: t.seed, nthread: 1,
  };
  const input = JSON.stringify({ train: { x: rowsOf(train.x), y: Array.from(train.y) }, evaluation: { x: rowsOf(evaluation) }, params, rounds: t.trees, categorical });
  const out = JSON.parse(execFileSync(PYTHON, [SCRIPT], { input, maxBuffer: 1 << 28 }).toString()) as { scores: number[]; version: string };
  return { scores: Float64Array.from(out.scores), version: out.version };
}

export interface CentralisedParty {
  x: Matrix;
  /** Indices of x's categorical columns (category codes). */
  categorical: readonly number[];
}

/**
 * Evaluation AUCs of the reference and of XGBoost on the rows a federated job with `t` trains and
 * evaluates on: the intersection `ids` (rows aligned across parties, guest first), split by the
 * job's validationMask(ids, 0.3, seed).
 */
export function centralisedAucs(ids: readonly string[], y: Uint8Array, parties: readonly CentralisedParty[], t: GbdtTraining): { reference: number; xgboost: number; version: string } {
  const mask = validationMask([...ids], 0.3, t.seed);
  const tr = maskIndices(mask, 0);
  const ev = maskIndices(mask, 1);
  const yTrain = Uint8Array.from(tr, (i) => y[i] as number);
  const yEval = Uint8Array.from(ev, (i) => y[i] as number);
  const model = trainGbdt(parties.map((p) => ({ x: selectRows(p.x, tr), categorical: [...p.categorical] })), yTrain, referenceOptions(t));
  const reference = auc(predictGbdt(model, parties.map((p) => selectRows(p.x, ev))), yEval);
  const joined = parties.map((p) => p.x).reduce(concatColumns);
  const categorical: number[] = [];
  let offset = 0;
  for (const p of parties) {
    categorical.push(...p.categorical.map((j) => offset + j));
    offset += p.x.cols;
  }
  const xgb = xgboostMargins({ x: selectRows(joined, tr), y: yTrain }, selectRows(joined, ev), t, categorical);
  return { reference, xgboost: auc(xgb.scores, yEval), version: xgb.version };
}
