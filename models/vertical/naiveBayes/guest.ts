// The guest's side of the naive Bayes scorecard (evidence.ts): one pass, no epochs.
// 1. its prior ln(P/N) and its own bins' positives from its training labels, in plaintext;
// 2. federated IV's step 2 for the hosts (labelSums.ts: Enc(y) of the training labels, under
//    the arbiter's key; the hosts get their bins' label sums through the arbiter);
// 3. each host's per-row contributions on the evaluation rows, once (nb.final), for AUC, KS,
//    log loss and lift, and in a lookalike job on every row of the intersection (nb.scores).
// What the guest learns: each host's number of counted bins, and its contributions on the
// evaluation rows (and a lookalike's population) — as logistic regression's vlr.final gives it —
// never a host's bins, columns or WOE.
import { auc } from '../../metrics/auc.ts';
import { exactLoss } from '../../linear/exact.ts';
import { sendLabels } from './labelSums.ts';
import type { GuestOutcome, Labels } from '../model.ts';
import type { VerticalRuntime } from '../runtime.ts';
import { contributionOf, priorLogOdds } from './evidence.ts';
import type { NaiveBayesMessages } from './messages.ts';
import { addHostEvaluation, addHostPopulation } from './population.ts';
import { plainPart, type NaiveBayesRows } from './rows.ts';
import type { NaiveBayesTraining } from './settings.ts';

export async function runNaiveBayesGuest(rt: VerticalRuntime<NaiveBayesMessages, unknown>, data: NaiveBayesRows, labels: Labels, t: NaiveBayesTraining): Promise<GuestOutcome> {
  const started = performance.now();
  rt.signal?.throwIfAborted();
  // 1.
  const prior = priorLogOdds(labels.train);
  const own = plainPart(data, labels.train, t);
  // 2.
  await sendLabels(rt, labels.train);
  // 3.
  const evalScores = contributionOf(data.evaluation, own.weights, prior);
  await addHostEvaluation(rt, evalScores);
  let population: Float64Array | undefined;
  if (data.population) {
    population = contributionOf(data.population, own.weights, prior);
    await addHostPopulation(rt, population);
  }
  const seconds = (performance.now() - started) / 1000;
  const evalLoss = data.evaluation.rows > 0 ? exactLoss(evalScores, labels.evaluation) : 0;
  const evalAuc = data.evaluation.rows > 0 ? auc(evalScores, labels.evaluation) : undefined;
  rt.progress({ epoch: 1, epochs: 1, evalLoss, ...(evalAuc === undefined ? {} : { evalAuc }), seconds });
  rt.log.info({ evalRows: data.evaluation.rows, seconds: Math.round(seconds * 1000) / 1000 }, 'naive Bayes trained');
  return {
    shard: { woe: own.woe, intercept: prior },
    features: data.binning.features.map((f) => f.name),
    evalScores,
    ...(population ? { population } : {}),
    history: [{ epoch: 0, evalLoss, ...(evalAuc === undefined ? {} : { evalAuc }) }],
    bestEpoch: 0,
    epochsRun: 1,
    secondsPerEpoch: seconds,
  };
}
