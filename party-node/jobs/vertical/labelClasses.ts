// The guest's labels must hold both classes where a propensity model learns and is measured. Checked
// twice: on the guest's whole table before PSI, where a single-class label column is an export
// mistake that must stop the job before anything is exchanged; and on the intersection after PSI,
// before training's first exchange, where an empty, tiny or skewed intersection would otherwise train
// for nothing and fail only when the metrics are computed, with an error that names no party.
//
// What the message tells: it reaches the coordinator and, as the reason the job is cancelled with,
// the hosts, who know the intersection and compute the same split. So it says that the training or
// the evaluation rows lack a class, never which class or how many of each: the counts go to the
// guest's own log only.
import { FedmarkError } from '../../../errors/table.ts';

export interface LabelSource {
  party: string;
  file: string;
  column: string;
}

function classCounts(labels: ArrayLike<number>): { positives: number; negatives: number } {
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i] as number;
  return { positives, negatives: labels.length - positives };
}

/** Before PSI: the guest's consenting rows hold both classes. */
export function checkTableLabels(source: LabelSource, labels: ArrayLike<number>): void {
  const { positives, negatives } = classCounts(labels);
  if (positives > 0 && negatives > 0) return;
  throw new FedmarkError('FM_ERR_DATA_MODEL', {
    ...source,
    reason: `all ${labels.length} consenting rows have the label ${positives === 0 ? 0 : 1}; a model needs both classes`,
  });
}

/**
 * After PSI, before training: the intersection is not empty, and its training and evaluation rows
 * each hold both classes (the evaluation's AUC and KS need a positive and a negative).
 */
export function checkIntersectionLabels(source: LabelSource, intersection: number, train: ArrayLike<number>, evaluation: ArrayLike<number>): void {
  if (intersection === 0) {
    throw new FedmarkError('FM_ERR_DATA_INTERSECTION', {
      party: source.party,
      reason: 'no customer is shared by all parties. IDs match as text, after trimming, Unicode NFC and (unless idCaseSensitive) case folding only: 00123 and 123, 123.0 and 123, or 1.0e3 and 1000 are different IDs; check that the parties write them alike',
    });
  }
  const t = classCounts(train);
  const e = classCounts(evaluation);
  if (t.positives > 0 && t.negatives > 0 && e.positives > 0 && e.negatives > 0) return;
  throw new FedmarkError('FM_ERR_DATA_INTERSECTION', {
    party: source.party,
    reason: `the ${intersection} shared customers give ${train.length} training and ${evaluation.length} evaluation rows, and column "${source.column}" of ${source.file} does not hold both classes in each (the party's log has the counts); a larger intersection or another validation.fraction is needed`,
  }, {
    local: { trainPositives: t.positives, trainNegatives: t.negatives, evaluationPositives: e.positives, evaluationNegatives: e.negatives },
  });
}
