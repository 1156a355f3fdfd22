// The counts a party's messages to the coordinator carry, named as the policy's minCellSize refusal
// names them: row counts in job.ready, the intersection and evaluation sizes and the report's
// cells (rows, lift deciles, lookalike seed counts and score distribution) in job.done.
import type { BodyOf } from '../../protocol/messages/index.ts';

type Counts = Array<readonly [string, number]>;

export function readyCounts(stats: BodyOf<'job.ready'>['stats']): Counts {
  const out: Counts = [['total rows', stats.totalRows], ['consenting rows', stats.consentingRows], ['rows dropped without consent', stats.droppedWithoutConsent]];
  if (stats.labelPositives !== undefined) out.push(['label positives', stats.labelPositives], ['label negatives', stats.consentingRows - stats.labelPositives]);
  return out;
}

export function doneCounts(done: BodyOf<'job.done'>): Counts {
  const out: Counts = [['intersection size', done.psi.intersectionSize]];
  if (done.psi.evaluationSize !== undefined) out.push(['evaluation intersection size', done.psi.evaluationSize]);
  const train = done.train;
  if (!train) return out;
  out.push(['training rows', train.trainRows], ['evaluation rows', train.evalRows]);
  for (const row of train.lift ?? []) {
    out.push([`lift group ${row.group} rows`, row.count], [`lift group ${row.group} positives`, row.positives], [`lift group ${row.group} negatives`, row.count - row.positives]);
  }
  const l = train.lookalike;
  if (l) {
    out.push(['seeds listed', l.seeds.listed], ['seeds matched', l.seeds.matched], ['training seeds', l.seeds.training], ['held-out seeds', l.seeds.heldOut], ['audience size', l.audience.size]);
    l.scoreDistribution.forEach((b, i) => out.push([`score bin ${i + 1} rows`, b.count], [`score bin ${i + 1} positives`, b.positives]));
  }
  return out;
}
