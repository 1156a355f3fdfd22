// What the arbiter decrypts for federated information value (design note protocols.md, "One
// primitive, many uses": federated binning, WOE and IV): one step, after training, in which each
// host may have decrypted the inner products of Enc(y) with its bin columns — one value per column
// it declared, at the layout's result positions, once. The guest decrypts nothing (its IV is
// computed in plaintext). Every party's request must name the same rows and column counts (the
// first fixes them). The arbiter sees neither a host's bins nor its features, so it cannot check
// the minimum cell size: an honest host refuses bins below it before anything is exchanged
// (ivBins.ts).
// What it does not stop: a host that declares indicator columns of single rows in place of bins
// gets those rows' labels within its quota; docs/security.md (Known limits) lists this.
import { Value } from '@sinclair/typebox/value';
import type { Static } from '@sinclair/typebox';
import type { InnerProductLayouts, JobSections, StepQuota } from '../vertical/model.ts';
import { IvStep } from './messages.ts';
import { explainOf } from './settings.ts';

/** After every training step of any model: parties go through the steps in this order. */
export const IV_ORDER: readonly [number, number] = [Number.MAX_SAFE_INTEGER, 0];

export function isIvStep(step: unknown): step is Static<typeof IvStep> {
  return Value.Check(IvStep, step);
}

/** The quota of party `index` (guest first) in the IV step, or why none. */
export function ivRules(job: { parties: readonly string[]; sections: JobSections; layouts: InnerProductLayouts }): (index: number, step: Static<typeof IvStep>) => StepQuota | string {
  const explain = explainOf(job.sections);
  let fixed: { rows: number; counts: readonly number[] } | undefined;
  return (index, step) => {
    if (!explain) return 'the job asks for no information value (explain.iv)';
    if (index === 0) return 'the guest computes its own information value in plaintext';
    if (step.counts.length !== job.parties.length) return `${step.counts.length} column counts for a job of ${job.parties.length} parties`;
    fixed ??= { rows: step.rows, counts: [...step.counts] };
    if (step.rows !== fixed.rows || step.counts.some((c, i) => c !== fixed?.counts[i])) return 'its rows or column counts differ from those of the job\'s other requests';
    const columns = step.counts[index] as number;
    if (columns === 0) return 'it declared no bin columns';
    let results: ReturnType<InnerProductLayouts['results']>;
    try {
      results = job.layouts.results(step.rows, step.counts, columns);
    } catch (err) {
      return `the step has no valid layout (${(err as Error).message})`;
    }
    return { key: 'iv', order: IV_ORDER, results: results.results, of: `${columns} bin columns`, positions: (r) => results.positions(r) };
  };
}
