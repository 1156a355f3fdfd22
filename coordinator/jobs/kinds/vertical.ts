// Vertical jobs: PSI as in psi.ts, then training at the parties, with this coordinator as the
// arbiter: a fresh BFV key pair for each attempt (no ciphertext outlives an epoch, so a resumed
// attempt needs no old key, and no secret key is ever written to the store), decryption of masked
// values only, within what the training step allows (arbiter.ts). The result registers the model
// card from the parties' reports.
import { FedmarkError, serializeError } from '../../../errors/table.ts';
import { lookalikeMetrics } from '../../../protocol/messages/lookalike.ts';
import type { LinkMessage } from '../../../protocol/messages/index.ts';
import type { JobResult, ModelCard, VerticalJobSpec } from '../../../protocol/messages/jobSpec.ts';
import { Arbiter } from '../arbiter.ts';
import type { AttemptContext, JobKindPlugin, KindRun } from './kind.ts';
import { intersection } from './psi.ts';

export const verticalKind: JobKindPlugin = {
  kind: 'vertical',
  attach(spec) {
    if (spec.kind !== 'vertical') return undefined;
    return {
      prepare: (party, common) => {
        // The model and its settings, the split, the purpose: the sections of the job's kind.
        const { parties: _parties, seeds, lookalike, ...sections } = spec;
        return { ...sections, ...common, ...(party.role === 'guest' && seeds ? { seeds, ...(lookalike ? { lookalike } : {}) } : {}) };
      },
      open: (ctx) => openVertical(spec, ctx),
    };
  },
};

async function openVertical(spec: VerticalJobSpec, ctx: AttemptContext): Promise<KindRun> {
  const arbiter = await Arbiter.create(ctx.job, spec);
  for (const p of spec.parties) ctx.links.send(p.id, 'he.keys', {}, { job: ctx.job, payload: arbiter.publicBytes });
  return {
    onFrame(party, frame) {
      if (frame.kind === 'he.decrypt') {
        decryptFor(ctx, arbiter, party, frame);
        return true;
      }
      if (frame.kind === 'train.progress') {
        ctx.store.event(ctx.job, 'train.epoch', { party, ...frame.body });
        ctx.alive();
        ctx.progress(frame.body);
        return true;
      }
      return false;
    },
    async run() {
      const { done, result } = await intersection(ctx);
      return { ...result, ...registerModel(ctx, spec, result.psi?.intersectionSize ?? 0, done) };
    },
    dispose: () => arbiter.dispose(),
  };
}

function decryptFor(ctx: AttemptContext, arbiter: Arbiter, party: string, frame: LinkMessage<'he.decrypt'>): void {
  const reply = { job: ctx.job, ...(frame.request === undefined ? {} : { request: frame.request }) };
  try {
    ctx.links.send(party, 'he.plain', {}, { ...reply, payload: arbiter.decrypt(party, frame.body, frame.payload) });
  } catch (err) {
    const error = serializeError(err);
    ctx.log.warn({ party, code: error.code, reason: error.message, ...(err instanceof FedmarkError ? err.local : {}) }, 'decryption request refused');
    if (ctx.links.isOnline(party)) ctx.links.fail(party, 'he.plain', error, reply);
    if (err instanceof FedmarkError && err.code === 'FM_ERR_HE_REFUSED') refused(ctx, party, arbiter, err);
  }
}

/**
 * A request outside the protocol targets the other parties' data: it goes into the job's events,
 * every other party is told (and records it in its ledger), and a job member that deviated ends
 * the job, since its partners' data should no longer be at stake.
 */
function refused(ctx: AttemptContext, party: string, arbiter: Arbiter, err: FedmarkError): void {
  const reason = String(err.params.reason ?? err.message);
  ctx.store.event(ctx.job, 'he.refused', { party, reason });
  for (const p of arbiter.parties) {
    if (p !== party && ctx.links.isOnline(p)) ctx.links.send(p, 'he.refused', { party, reason }, { job: ctx.job });
  }
  if (arbiter.parties.includes(party)) ctx.abort(err);
}

/** The model card from the parties' reports: names by party and the guest's metrics. */
function registerModel(ctx: AttemptContext, spec: VerticalJobSpec, intersectionSize: number, done: Map<string, LinkMessage<'job.done'>>): Pick<JobResult, 'metrics' | 'model' | 'audience'> {
  const guest = spec.parties.find((p) => p.role === 'guest')?.id as string;
  const reports = new Map([...done].map(([party, f]) => [party, f.body.train]));
  const g = reports.get(guest);
  if (!g?.metrics) throw new FedmarkError('FM_ERR_JOB_PARTY_FAILED', { party: guest, reason: 'the guest reported no training metrics' });
  const featuresByParty: Record<string, string[]> = {};
  for (const [party, r] of reports) featuresByParty[party] = r?.features ?? [];
  const metrics = { ...g.metrics, ...(g.lookalike ? lookalikeMetrics(g.lookalike) : {}) };
  const card: ModelCard = {
    job: ctx.job, kind: 'vertical', ...(spec.model ? { model: spec.model } : {}), intersectionSize, trainRows: g.trainRows, evalRows: g.evalRows, featuresByParty,
    metrics: { ...metrics }, lift: (g.lift ?? []).map((row) => ({ ...row })), deciles: g.deciles ?? [], history: g.history ?? [],
    training: spec.training as NonNullable<VerticalJobSpec['training']>,
    ...(g.lookalike ? { lookalike: g.lookalike } : {}),
    ...(g.importance ? { importance: g.importance } : {}),
  };
  if (g.roc) card.roc = g.roc;
  const version = ctx.store.addModel(spec.name, ctx.job, card);
  return { metrics, model: { name: spec.name, version }, ...(g.lookalike ? { audience: g.lookalike.audience } : {}) };
}
