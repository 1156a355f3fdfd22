// A member's part of a horizontal lookalike job: its population is its own consenting customers,
// its labels its own seeds (minus the held-out share) against everyone else, and at the end it
// ranks its population with the federated model and with its local-only model, measures the
// held-out seeds' recall and writes its own audience. Seeds, IDs and the audience stay here; the
// report holds counts, recalls, a score histogram and the audience file's local path.
//
// PU method: seeds = 1, unlabelled = 0 (as in vertical jobs). The PU table in docs/benchmarks.md shows no
// consistent winner among the four methods (within ±0.02 recall at 20%), and the other three
// would cost here what they do not buy: bagging trains one federated model per bag (10× the
// rounds under secure aggregation), class-prior weighting needs a pooled estimate of the label
// frequency (one more aggregation, and weights that shift with each member's seed share), the spy
// technique a second federated training.
import type { PrepareOf } from '../../../protocol/messages/job.ts';
import type { Lookalike } from '../../../protocol/messages/lookalike.ts';
import type { Dataset } from '../../data/dataset.ts';
import { lookalikeLabels } from '../lookalike/labels.ts';
import { finishLookalike } from '../lookalike/report.ts';
import type { SeedList } from '../lookalike/seeds.ts';
import type { MemberContext } from './member.ts';

export interface MemberLookalike {
  /** The population, scored at the end in place of an evaluation table. */
  evaluation: Dataset;
  target: NonNullable<MemberContext['target']>;
  lookalike: NonNullable<MemberContext['lookalike']>;
}

export function memberLookalike(o: { job: string; self: string; workDir: string; prepare: PrepareOf<'horizontal'>; dataset: Dataset; seeds: SeedList }): MemberLookalike {
  const settings = o.prepare.lookalike as Lookalike;
  const rows = Uint32Array.from({ length: o.dataset.rows }, (_, i) => i);
  const pu = lookalikeLabels(o.seeds, rows, o.dataset.ids, settings, o.prepare.training?.seed ?? 42, o.self);
  return {
    evaluation: o.dataset,
    // In-sample metrics (auc, ks) then read as seeds against the rest of the member's customers.
    target: { train: pu.y, evaluation: pu.seed },
    lookalike: ({ federated, local }) => finishLookalike({
      workDir: o.workDir, model: o.prepare.name, job: o.job, ids: o.dataset.rawIds,
      u: federated, guestOnlyU: local, probabilities: federated,
      seed: pu.seed, heldOut: pu.heldOut, listed: o.seeds.listed, settings,
    }),
  };
}
