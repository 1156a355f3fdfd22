// What the arbiter decrypts in vertical logistic regression, and for whom (design note
// protocols.md, threat model: "only the positions and the number of results that step of the
// protocol produces"). A request names its training step (epoch, batch, rows) and every party's
// feature count; the rules derive the step's layout exactly as the parties do and give each party
// one result per group of its features, at the layout's result positions. After each epoch's
// batches comes its evaluation round (batch = the batch count), one value per party, on the same
// rows every epoch. The arbiter's policy (coordinator/jobs/decryptPolicy.ts) adds what holds for
// every model: job members only, lock-step, each result once. With explain.iv, the information
// value step after training follows models/explain/ivRules.ts.
// What it does not stop: a party that lies about its features (e.g. indicator columns of single
// rows) gets that linear function of Enc(d) within its quota; the README lists this limit.
import { Value } from '@sinclair/typebox/value';
import type { Static } from '@sinclair/typebox';
import type { DecryptRules, InnerProductLayouts, JobSections } from '../model.ts';
import { LogisticStep } from './messages.ts';
import { trainingOf } from './settings.ts';
import { isIvStep, ivRules } from '../../explain/ivRules.ts';

export function logisticRules(job: { parties: readonly string[]; sections: JobSections; layouts: InnerProductLayouts }): DecryptRules {
  const training = trainingOf(job.sections);
  let counts: readonly number[] | undefined;
  let evaluationRows: number | undefined;
  /** Rows of the steps parties are in, by step key. */
  const rows = new Map<string, number>();
  const iv = ivRules(job);
  return {
    quota(index, raw) {
      if (isIvStep(raw)) return iv(index, raw);
      if (!Value.Check(LogisticStep, raw)) return 'its step is not one of logistic regression';
      const step: Static<typeof LogisticStep> = raw;
      if (step.counts.length !== job.parties.length) return `${step.counts.length} feature counts for a job of ${job.parties.length} parties`;
      // Every party must name the same feature counts, one per party; the first request fixes them.
      counts ??= [...step.counts];
      if (step.counts.some((c, i) => c !== counts?.[i])) return 'its feature counts differ from those of the job\'s other requests';
      // The evaluation round after an epoch: one value per party (the guest's Σ c·U, a host's ⟨u_k, U⟩).
      const layoutCounts = step.evaluation ? counts.map(() => 1) : counts;
      const features = layoutCounts[index] as number;
      if (step.epoch >= training.epochs) return `epoch ${step.epoch} is past the job's ${training.epochs} epochs`;
      if (!step.evaluation && step.rows > training.batchSize) return `a step of ${step.rows} rows is larger than the batch size ${training.batchSize}`;
      if (step.evaluation && evaluationRows !== undefined && step.rows !== evaluationRows) return `the evaluation has ${evaluationRows} rows, the request says ${step.rows}`;
      const key = `${step.epoch}/${step.batch}${step.evaluation ? ' (evaluation)' : ''}`;
      const known = rows.get(key);
      if (known !== undefined && known !== step.rows) return `step ${key} has ${known} rows, the request says ${step.rows}`;
      let results: ReturnType<InnerProductLayouts['results']>;
      try {
        results = job.layouts.results(step.rows, layoutCounts, features);
      } catch (err) {
        return `step ${key} has no valid layout (${(err as Error).message})`;
      }
      rows.set(key, step.rows);
      return { key, order: [step.epoch, step.batch], results: results.results, of: `${features} features`, positions: (r) => results.positions(r) };
    },
    served(raw) {
      if (Value.Check(LogisticStep, raw) && raw.evaluation) evaluationRows = raw.rows;
    },
    retain(keys) {
      for (const key of rows.keys()) if (!keys.has(key)) rows.delete(key);
    },
  };
}
