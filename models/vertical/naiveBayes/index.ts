// The naive Bayes scorecard over weight-of-evidence bins (evidence.ts) as a vertical model, on
// the seam every vertical model uses (models/vertical/model.ts) and nothing more: each party bins
// its own columns (bins.ts), the guest counts its bins' labels in plaintext, each host gets its
// bins' label sums through federated information value's exchange and arbiter step (labelSums.ts,
// arbiter.ts), and every party turns its counts into WOE with additive smoothing. Shards: each
// party's bins and WOE per bin, the guest's also the prior log-odds. A party's contribution is
// −Σ_j WOE_j(bin of x_j) (+ the prior at the guest); the coordinator adds them up (combine).
// `alone` is the guest's own part: the same model on its columns.
import type { VerticalModel } from '../model.ts';
import { naiveBayesRules } from './arbiter.ts';
import { checkNaiveBayesTable } from './check.ts';
import { contributionOf, priorLogOdds } from './evidence.ts';
import { runNaiveBayesGuest } from './guest.ts';
import { runNaiveBayesHost } from './host.ts';
import { NAIVE_BAYES_MESSAGES } from './messages.ts';
import { IvStep } from '../../explain/messages.ts';
import { naiveBayesRowsOf, plainPart, prepareNaiveBayesRows } from './rows.ts';
import { naiveBayesScorer } from './scoring.ts';
import { NAIVE_BAYES_SETTINGS, naiveBayesTrainingOf } from './settings.ts';

export const naiveBayes = {
  name: 'naiveBayes',
  settings: NAIVE_BAYES_SETTINGS,
  messages: NAIVE_BAYES_MESSAGES,
  reveals: {
    guest: 'Enc(y) of its training labels to the hosts, under the arbiter\'s key (the information value step): each host learns how many positive labels fall in each of its own bins of at least minCell customers; the final metrics (AUC, KS, lift by decile) and the model card to the coordinator. Labels never leave.',
    host: 'its number of counted bins, and once its contribution (−Σ WOE of its bins) on each evaluation row, to the guest; masked sums to the arbiter; feature names and counts to the coordinator. Its bins and WOE stay here.',
  },
  arbiter: { step: IvStep, rules: naiveBayesRules },

  check: (table, sections) => checkNaiveBayesTable(table, naiveBayesTrainingOf(sections)),

  features: (rows, sections) => prepareNaiveBayesRows(rows, naiveBayesTrainingOf(sections)),

  guest: (rt, rows, labels, sections) => runNaiveBayesGuest(rt, naiveBayesRowsOf(rows), labels, naiveBayesTrainingOf(sections)),
  host: (rt, rows, sections) => runNaiveBayesHost(rt, naiveBayesRowsOf(rows), naiveBayesTrainingOf(sections)),

  alone(rows, labels, sections) {
    const data = naiveBayesRowsOf(rows);
    const prior = priorLogOdds(labels.train);
    const { weights } = plainPart(data, labels.train, naiveBayesTrainingOf(sections));
    return {
      evaluation: contributionOf(data.evaluation, weights, prior),
      ...(data.population ? { population: contributionOf(data.population, weights, prior) } : {}),
    };
  },

  scorer: naiveBayesScorer,

  combineAt: 'coordinator',

  combine(parts, rows) {
    const out = new Float64Array(rows);
    for (const part of parts) for (let i = 0; i < rows; i++) out[i] = (out[i] as number) + (part[i] as number);
    return out;
  },
} satisfies VerticalModel<'naiveBayes', typeof NAIVE_BAYES_SETTINGS, typeof NAIVE_BAYES_MESSAGES>;
