// What the arbiter decrypts for the naive Bayes scorecard: one step, federated information
// value's (models/explain/ivRules.ts), whatever the job's explain section says — each host may
// have decrypted the inner products of the guest's Enc(y) with the bin columns it declared, one
// value per column, once; the guest decrypts nothing (its counts are its own, in plaintext). Every
// request must name the same rows and column counts. As for IV, the arbiter sees neither a host's
// bins nor its rows, so the minimum cell size is the honest host's to keep (bins.ts), and a host
// that declares single-row columns gets those rows' labels within its quota (docs/security.md,
// Known limits).
import type { DecryptRules, InnerProductLayouts, JobSections } from '../model.ts';
import { isIvStep, ivRules } from '../../explain/ivRules.ts';

export function naiveBayesRules(job: { parties: readonly string[]; sections: JobSections; layouts: InnerProductLayouts }): DecryptRules {
  const counts = ivRules({ ...job, sections: { ...job.sections, explain: { iv: true } } });
  return {
    // Only hosts ask: the guest must not pace them.
    decrypting: job.parties.map((_, i) => i).slice(1),
    quota(index, step) {
      if (!isIvStep(step)) return 'its step is not the label sums of naive Bayes (an information value step)';
      return counts(index, step);
    },
  };
}
