// PSI jobs: the coordinator only relays sealed messages and checks that every party reports the
// same intersection size. Vertical jobs start the same way (vertical.ts).
import { FedmarkError } from '../../../errors/table.ts';
import type { JobResult } from '../../../protocol/messages/jobSpec.ts';
import type { LinkMessage } from '../../../protocol/messages/index.ts';
import type { AttemptContext, JobKindPlugin } from './kind.ts';

export const psiKind: JobKindPlugin = {
  kind: 'psi',
  attach(spec) {
    if (spec.kind !== 'psi') return undefined;
    return {
      prepare: (_party, common) => ({ ...common, kind: 'psi' }),
      open: async (ctx) => ({ run: async () => (await intersection(ctx)).result }),
    };
  },
};

/** Every party's job.done, which must name one intersection size; the result's PSI part. */
export async function intersection(ctx: AttemptContext): Promise<{ done: Map<string, LinkMessage<'job.done'>>; result: JobResult }> {
  const done = await ctx.fromEach('job.done');
  const sizes = [...done].map(([party, f]) => [party, f.body.psi.intersectionSize] as const);
  const first = sizes[0];
  if (!first) throw new FedmarkError('FM_ERR_INTERNAL', { reason: 'no party answered' });
  const odd = sizes.find(([, n]) => n !== first[1]);
  if (odd) throw new FedmarkError('FM_ERR_PSI_MISMATCH', { detail: `${first[0]} has ${first[1]} rows, ${odd[0]} has ${odd[1]}` });
  ctx.store.event(ctx.job, 'psi.done', { intersectionSize: first[1] });
  const parties: NonNullable<JobResult['psi']>['parties'] = {};
  for (const [party, f] of ctx.ready) parties[party] = { totalRows: f.body.stats.totalRows, consentingRows: f.body.stats.consentingRows };
  return { done, result: { psi: { intersectionSize: first[1], parties } } };
}
