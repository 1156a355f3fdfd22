// A host's side of the naive Bayes scorecard (evidence.ts): the label sums of its counted bins
// through federated IV's exchange (labelSums.ts), its WOE per bin, then its per-row contributions
// −Σ_j WOE_j to the guest once on the evaluation rows (nb.final), and on every row of the
// intersection in a lookalike job (nb.scores).
// What the host learns: the number of positive training labels in each of its own counted bins
// (each of at least minCell rows), hence its bins' label rates — exactly what federated IV
// discloses — nothing else of the labels; its bins, columns and WOE stay here.
import type { HostOutcome } from '../model.ts';
import type { VerticalRuntime } from '../runtime.ts';
import { contributionOf } from './evidence.ts';
import { hostLabelSums } from './labelSums.ts';
import type { NaiveBayesMessages } from './messages.ts';
import { sendPopulation } from './population.ts';
import { countedIndicators, partOf, type NaiveBayesRows } from './rows.ts';
import type { NaiveBayesTraining } from './settings.ts';

export async function runNaiveBayesHost(rt: VerticalRuntime<NaiveBayesMessages, unknown>, data: NaiveBayesRows, t: NaiveBayesTraining): Promise<HostOutcome> {
  rt.signal?.throwIfAborted();
  const positives = await hostLabelSums(rt, countedIndicators(data));
  const { woe, weights } = partOf(data.binning, positives, t);
  rt.peers.send(rt.guest, 'nb.final', { rows: data.evaluation.rows }, contributionOf(data.evaluation, weights, 0));
  if (data.population) sendPopulation(rt, contributionOf(data.population, weights, 0));
  return { shard: { woe }, features: data.binning.features.map((f) => f.name) };
}
