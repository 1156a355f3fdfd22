// The coordinator's view of a horizontal lookalike job: each member's report (counts, recalls of
// its held-out seeds, the score histogram, its audience file's local path) and the recalls pooled
// across members from those counts — each member cuts its own top k%, so the pooled recall is the
// held-out seeds found in all the members' audiences over all the held-out seeds.
import type { HflReport } from '../../protocol/messages/horizontal.ts';
import type { JobResult, ModelCard } from '../../protocol/messages/jobSpec.ts';
import { lookalikeMetrics, type LookalikeReport } from '../../protocol/messages/lookalike.ts';
import { poolRecall } from '../../models/lookalike/pool.ts';

export interface HorizontalLookalikeResult {
  metrics: Record<string, number>;
  memberMetrics: Record<string, Record<string, number>>;
  memberAudiences: NonNullable<JobResult['memberAudiences']>;
  memberLookalike: NonNullable<ModelCard['memberLookalike']>;
}

/** undefined unless the members report lookalike figures. */
export function horizontalLookalikeResult(reports: ReadonlyMap<string, HflReport>): HorizontalLookalikeResult | undefined {
  const members = [...reports].filter((e): e is [string, HflReport & { lookalike: LookalikeReport }] => e[1].lookalike !== undefined);
  if (members.length === 0) return undefined;
  const out: HorizontalLookalikeResult = { metrics: {}, memberMetrics: {}, memberAudiences: {}, memberLookalike: {} };
  for (const [m, rep] of members) {
    out.memberMetrics[m] = memberView(lookalikeMetrics(rep.lookalike));
    out.memberAudiences[m] = rep.lookalike.audience;
    out.memberLookalike[m] = rep.lookalike;
  }
  const looks = members.map(([, rep]) => rep.lookalike);
  const quality = (local: boolean) => poolRecall(looks.map((l) => ({
    heldOut: l.seeds.heldOut, ranked: l.ranked, recall: l.recall.map((r) => ({ fraction: r.fraction, size: r.size, recall: local ? r.guestOnlyRecall : r.recall })),
  })));
  const local = quality(true);
  quality(false).forEach((r, k) => {
    const pct = Math.round(r.fraction * 100);
    Object.assign(out.metrics, { [`recallAt${pct}`]: r.recall, [`liftAt${pct}`]: r.lift, [`localRecallAt${pct}`]: local[k]?.recall as number });
  });
  const sum = (f: (l: LookalikeReport) => number) => looks.reduce((s, l) => s + f(l), 0);
  Object.assign(out.metrics, { seedsMatched: sum((l) => l.seeds.matched), seedsHeldOut: sum((l) => l.seeds.heldOut), audienceSize: sum((l) => l.audience.size) });
  return out;
}

/** A member's figures: "guest only" is, in a horizontal job, the member's local-only model. */
function memberView(metrics: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(metrics).map(([k, v]) => [k.replace(/^guestOnlyRecallAt/, 'localRecallAt'), v]));
}
