// PSI jobs at a party: this party's side of PSI over the training tables and, when the job gives
// them, the evaluation tables (jobs/psi.ts), through the sealed relay. The result stays here: the
// intersection in canonical order (checkpointed for a resumed attempt, and written as the party's
// own IDs), and the scoring handles shared with each partner. Vertical jobs start the same way.
import { FedmarkError, toFedmarkError } from '../../../errors/table.ts';
import type { BodyOf } from '../../../protocol/messages/index.ts';
import { scoringPartners, writeHandles } from '../../scoring/handles.ts';
import { startPsi, writeIntersection, type PsiRun } from '../psi.ts';
import { reuseStores } from '../psiReuse.ts';
import type { Topic } from '../topics.ts';
import type { PartyKind, PrepareContext, StartContext } from './kind.ts';

export interface Matched {
  /** The attempt whose PSI produced these rows. */
  psi: number;
  /** This party's consenting rows in the canonical order. */
  rows: Uint32Array;
  evalRows?: Uint32Array;
}

/** This party's PSI of one attempt: the training tables', and the evaluation tables' alongside. */
export class Intersection {
  private readonly ctx: PrepareContext;
  private psi: PsiRun | undefined;
  private psiEval: PsiRun | undefined;

  constructor(ctx: PrepareContext) {
    this.ctx = ctx;
  }

  /**
   * Runs PSI, or with a resumed attempt loads the stored result (a new PSI run would order the
   * intersection differently). The sessions exist when this returns, before its first await.
   */
  run(start: StartContext): Promise<Matched> {
    const { ctx } = this;
    if (start.resume) return ctx.checkpoints.loadPsi(start.resume.psi).then(({ attempt, rows, evalRows }) => ({ psi: attempt, rows, ...(evalRows ? { evalRows } : {}) }));
    const common = {
      role: ctx.prepare.role, peers: [...start.peers], channels: new Map(start.channels), pool: ctx.pool, chunkSize: ctx.config.psiChunkSize,
      relay: (to: string, sealed: Buffer) => ctx.link.send('relay.send', { to }, { job: ctx.job, payload: sealed }),
    };
    const started = performance.now();
    this.psi = startPsi({ ...common, domain: ctx.job, topic: 'psi', dataset: ctx.dataset, reuse: reuseStores({ party: ctx.config.id, workDir: ctx.config.workDir, partners: ctx.config.psiReuse, dataset: ctx.prepare.dataset }) });
    if (ctx.evaluation) this.psiEval = startPsi({ ...common, domain: `${ctx.job}/evaluation`, topic: 'psiEval', dataset: ctx.evaluation });
    const evalRows = this.psiEval?.session.start();
    // Awaited below once the main PSI is done; if that fails first, this rejection is already reported.
    evalRows?.catch(() => undefined);
    return this.psi.session.start().then(async (rows) => {
      ctx.policy.admitCohort(rows.length, 'intersection');
      const found: Matched = { psi: ctx.attempt, rows, ...(evalRows ? { evalRows: await evalRows } : {}) };
      if (found.evalRows) ctx.policy.admitCohort(found.evalRows.length, 'evaluation intersection');
      await ctx.checkpoints.savePsi(found.psi, found.rows, found.evalRows);
      await writeIntersection(ctx.config.workDir, ctx.job, ctx.dataset, rows);
      await writeHandles(ctx.config.workDir, ctx.job, start.channels, scoringPartners(ctx.prepare.role, start.peers), rows.length);
      if (ctx.evaluation && found.evalRows) await writeIntersection(ctx.config.workDir, ctx.job, ctx.evaluation, found.evalRows, 'evaluation-intersection.csv');
      ctx.log.info({ intersectionSize: rows.length, ms: Math.round(performance.now() - started) }, 'PSI finished');
      return found;
    });
  }

  /** A PSI message from a peer; false when `topic` is not PSI's. */
  deliver(from: string, topic: Topic, frame: Uint8Array): boolean {
    const run = topic === 'psi' ? this.psi : topic === 'psiEval' ? this.psiEval : undefined;
    if (topic !== 'psi' && topic !== 'psiEval') return false;
    if (!run) throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: `${topic} message from ${from}`, state: 'no PSI running' });
    run.session.receive(from, frame);
    return true;
  }

  halt(reason: Error): void {
    this.psi?.session.fail(toFedmarkError(reason));
    this.psiEval?.session.fail(toFedmarkError(reason));
  }
}

/** What a party reports at the end of PSI. */
export function psiDone(matched: Matched, attempt: number): BodyOf<'job.done'> {
  return { psi: { intersectionSize: matched.rows.length, ...(matched.evalRows ? { evaluationSize: matched.evalRows.length } : {}) }, attempt };
}

export const psiKind: PartyKind = {
  kind: 'psi',
  async prepare(ctx) {
    const psi = new Intersection(ctx);
    return {
      start: async (start) => psiDone(await psi.run(start), ctx.attempt),
      deliver(from, topic, frame) {
        if (!psi.deliver(from, topic, frame)) throw new FedmarkError('FM_ERR_WIRE_MALFORMED', { reason: `a ${topic} message from ${from} in a PSI job` });
      },
      onFrame: () => false,
      halt: (reason) => psi.halt(reason),
    };
  },
};
