// The hosts' label sums per counted bin: federated information value's exchange
// (models/explain/federatedIv.ts: iv.hello, iv.layout, Enc(y), the arbiter's IV step), run on the
// naive Bayes model's runtime, whose messages include federated IV's.
import { hostLabelSums as ivLabelSums, ivRuntime, sendLabels as ivSendLabels } from '../../explain/federatedIv.ts';
import type { Matrix } from '../../matrix.ts';
import type { VerticalRuntime } from '../runtime.ts';
import { NAIVE_BAYES_MESSAGES, type NaiveBayesMessages } from './messages.ts';

const MODEL = { name: 'naiveBayes', messages: NAIVE_BAYES_MESSAGES };

/** The guest: Enc(y) of its training labels to the hosts with counted bins. */
export function sendLabels(rt: VerticalRuntime<NaiveBayesMessages, unknown>, y: Uint8Array): Promise<void> {
  return ivSendLabels(ivRuntime(rt, MODEL), y);
}

/** A host: its positives per counted bin, exact. */
export function hostLabelSums(rt: VerticalRuntime<NaiveBayesMessages, unknown>, bins: Matrix): Promise<Float64Array> {
  return ivLabelSums(ivRuntime(rt, MODEL), bins);
}
