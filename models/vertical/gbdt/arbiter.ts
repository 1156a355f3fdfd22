// What the arbiter decrypts in vertical gradient-boosted trees, and for whom (design note
// protocols.md, threat model; docs/security.md, "Vertical gradient-boosted trees"). Only the guest
// asks: per node of a tree whose histogram it builds, one request for every host's masked
// histogram (the hosts mask them; the guest holds the masks at the bins' positions). The rules
// give it exactly the bins' positions of each host's results, once per node (the policy spends
// each result), for trees and nodes the job's settings allow: tree < trees, node < 2^(maxDepth+1)
// − 1, none in the first tree with completeSecureFirstTree; every host's bin count is fixed by
// the first request and the same in all. Hosts have nothing decrypted: a request of theirs is
// refused. The arbiter's policy (coordinator/jobs/decryptPolicy.ts) adds: job members only, each
// result once, steps in order.
// What it does not stop: a guest that encrypts crafted gradients (e.g. one row's alone) learns that
// row's bins at every host within its quota; docs/security.md lists this limit.
import { Value } from '@sinclair/typebox/value';
import type { DecryptRules, InnerProductLayouts, JobSections } from '../model.ts';
import { GbdtStep } from './messages.ts';
import { gbdtTrainingOf } from './settings.ts';

export function gbdtRules(job: { parties: readonly string[]; sections: JobSections; layouts: InnerProductLayouts }): DecryptRules {
  const t = gbdtTrainingOf(job.sections);
  const hosts = job.parties.length - 1;
  const nodes = 2 ** (t.maxDepth + 1) - 1;
  let bins: readonly number[] | undefined;
  return {
    decrypting: [0],
    quota(index, raw) {
      if (!Value.Check(GbdtStep, raw)) return 'its step is not one of gradient-boosted trees';
      if (index !== 0) return 'in gradient-boosted trees only the guest has (masked) histograms decrypted';
      const step = raw;
      if (step.bins.length !== hosts) return `${step.bins.length} bin counts for a job of ${hosts} hosts`;
      bins ??= [...step.bins];
      if (step.bins.some((b, k) => b !== bins?.[k])) return 'its bin counts differ from those of the job\'s other requests';
      if (step.tree >= t.trees) return `tree ${step.tree} is past the job's ${t.trees} trees`;
      if (step.node >= nodes) return `node ${step.node} is past the ${nodes} nodes of a tree of depth ${t.maxDepth}`;
      if (step.tree === 0 && t.completeSecureFirstTree) return 'the first tree grows on the guest\'s features only (completeSecureFirstTree)';
      let layouts: Array<ReturnType<InnerProductLayouts['histogram']>>;
      try {
        layouts = step.bins.map((b) => job.layouts.histogram(b, step.chunkRows));
      } catch (err) {
        return `step ${step.tree}/${step.node} has no valid layout (${(err as Error).message})`;
      }
      const starts: number[] = [];
      let results = 0;
      for (const l of layouts) {
        starts.push(results);
        results += l.results;
      }
      return {
        key: `${step.tree}/${step.node}`,
        order: [step.tree, step.node],
        results,
        of: `${hosts} host histogram${hosts === 1 ? '' : 's'} of ${step.bins.join(' + ')} bins`,
        positions(r) {
          let k = layouts.length - 1;
          while (k > 0 && (starts[k] as number) > r) k--;
          return (layouts[k] as (typeof layouts)[number]).positions(r - (starts[k] as number));
        },
      };
    },
  };
}
