// Vertical jobs at a party: PSI as in psi.ts, then this party's part of the training of the job's
// vertical model (guest or host, jobs/vertical/run.ts) with the arbiter's public key, through the
// sealed relay for the model's messages and the coordinator for masked decryptions. Its state (the
// key, the model's conversation with the peers, the arbiter client) lives here, not in the node.
import { FedmarkError } from '../../../errors/table.ts';
import type { BodyOf, LinkFrame } from '../../../protocol/messages/index.ts';
import type { PrepareOf } from '../../../protocol/messages/job.ts';
import { peerConversation, type PeerConversation } from '../../../protocol/vertical/peers.ts';
import type { MessageTable } from '../../../models/vertical/messages.ts';
import type { VerticalModel } from '../../../models/vertical/model.ts';
import { verticalModel } from '../../../models/vertical/registry.ts';
import { matrix } from '../../../models/matrix.ts';
import type { Dataset } from '../../data/dataset.ts';
import { loadJobSeeds } from '../lookalike/jobSeeds.ts';
import type { SeedList } from '../lookalike/seeds.ts';
import type { Topic } from '../topics.ts';
import { ArbiterClient } from '../vertical/arbiterClient.ts';
import { checkTableLabels } from '../vertical/labelClasses.ts';
import { runVertical } from '../vertical/run.ts';
import type { PartyKind, PartyKindJob, PrepareContext, StartContext } from './kind.ts';
import { Intersection, psiDone, type Matched } from './psi.ts';

/** Rows per block a model's check reads (blocks()): ~40 MB at 300 features. */
const CHECK_BLOCK_ROWS = 16_384;

export const verticalKind: PartyKind = {
  kind: 'vertical',
  async prepare(ctx) {
    const { prepare } = ctx;
    if (prepare.kind !== 'vertical') throw new FedmarkError('FM_ERR_INTERNAL', { reason: `a ${prepare.kind} job given to the vertical kind` });
    const seeds = prepare.seeds ? await loadJobSeeds({ party: ctx.config.id, workDir: ctx.config.workDir, catalogue: ctx.catalogue }, prepare.seeds, ctx.dataset, {
      ...(prepare.dataset.idCaseSensitive !== undefined ? { idCaseSensitive: prepare.dataset.idCaseSensitive } : {}), ...(prepare.lookalike ? { minSeeds: prepare.lookalike.minSeeds } : {}),
    }) : undefined;
    const model = verticalModel(prepare.model);
    const { dataset } = ctx;
    const labelColumn = prepare.dataset.labelColumn;
    if (prepare.role === 'guest' && labelColumn !== undefined && dataset.labels) checkTableLabels({ party: ctx.config.id, file: dataset.file, column: labelColumn }, dataset.labels);
    // The model's own checks of this table, before PSI: a table it cannot train on stops the job here.
    const cols = dataset.featureNames.length;
    model.check?.({
      party: ctx.config.id, file: dataset.file, role: prepare.role === 'guest' ? 'guest' : 'host',
      // Made only if the check reads the rows, and not kept in the dataset (as `features` would be):
      // training copies the rows it needs later, and 1M × 300 rows are 2.4 GB.
      get x() {
        return matrix(dataset.selectRows(Uint32Array.from({ length: dataset.rows }, (_, i) => i)), dataset.rows, cols);
      },
      *blocks() {
        for (let from = 0; from < dataset.rows; from += CHECK_BLOCK_ROWS) {
          const rows = Math.min(CHECK_BLOCK_ROWS, dataset.rows - from);
          yield matrix(dataset.selectRows(Uint32Array.from({ length: rows }, (_, k) => from + k)), rows, cols);
        }
      },
      names: dataset.featureNames, categorical: dataset.encodings,
      ...(dataset.labels ? { labels: dataset.labels } : {}),
    }, prepare);
    return new VerticalJob(ctx, prepare, model, seeds);
  },
};

class VerticalJob implements PartyKindJob {
  private readonly ctx: PrepareContext;
  private readonly prepare: PrepareOf<'vertical'>;
  private readonly seeds: SeedList | undefined;
  private readonly model: VerticalModel;
  private readonly psi: Intersection;
  /** The model's messages with the peers; they may come before training starts, and wait. */
  private conversation: PeerConversation<MessageTable> | undefined;
  private readonly arbiter: ArbiterClient;
  /** The arbiter's BFV public key, sent before job.start. */
  private heKey: Uint8Array | undefined;

  constructor(ctx: PrepareContext, prepare: PrepareOf<'vertical'>, model: VerticalModel, seeds: SeedList | undefined) {
    this.ctx = ctx;
    this.prepare = prepare;
    this.model = model;
    this.seeds = seeds;
    this.psi = new Intersection(ctx);
    this.arbiter = new ArbiterClient((job, request, body, payload) => {
      ctx.signal.throwIfAborted();
      ctx.link.send('he.decrypt', { ...body, attempt: ctx.attempt }, { job, request, payload });
    });
  }

  async start(start: StartContext): Promise<BodyOf<'job.done'>> {
    const { signal } = this.ctx;
    this.conversation = peerConversation(this.model.messages, (peer, frame) => {
      // A stopped run sends nothing more, even from the step it was in.
      signal.throwIfAborted();
      start.relay(peer, 'vertical', frame);
    });
    const matched = await this.psi.run(start);
    const done = psiDone(matched, this.ctx.attempt);
    const from = start.resume?.epochs ?? 0;
    if (start.resume) this.ctx.log.info({ attempt: this.ctx.attempt, epochs: from }, 'resuming training from checkpoint');
    done.train = await this.train(matched, from);
    return done;
  }

  deliver(from: string, topic: Topic, frame: Uint8Array): void {
    if (this.psi.deliver(from, topic, frame)) return;
    if (topic !== 'vertical' || !this.conversation) throw new FedmarkError('FM_ERR_WIRE_MALFORMED', { reason: `a ${topic} message from ${from} in a vertical job` });
    this.conversation.receive(from, frame, this.ctx.config.maxFrameBytes);
  }

  onFrame(frame: LinkFrame): boolean {
    if (frame.kind === 'he.keys') {
      if (!frame.payload) throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'he.keys', state: 'no key in payload' });
      this.heKey = Uint8Array.from(frame.payload);
      return true;
    }
    if (frame.kind === 'he.plain') {
      this.arbiter.answer(frame);
      return true;
    }
    return false;
  }

  halt(reason: Error): void {
    this.psi.halt(reason);
    this.conversation?.inbox.fail(reason);
    this.arbiter.abort(this.ctx.job, reason);
  }

  private async train(matched: Matched, fromEpoch: number): Promise<BodyOf<'job.done'>['train']> {
    const { ctx, conversation } = this;
    const heKey = this.heKey;
    if (!heKey || !conversation) throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'job.start', state: 'training without the arbiter key' });
    const { checkpoints, attempt, job, signal } = ctx;
    const resume = await checkpoints.loadEpoch(matched.psi, fromEpoch);
    const evaluation: { dataset: Dataset; rows: Uint32Array } | undefined = ctx.evaluation && matched.evalRows ? { dataset: ctx.evaluation, rows: matched.evalRows } : undefined;
    return runVertical({
      ...(resume === undefined ? {} : { resume }),
      signal,
      checkpoint: async (epochs, snapshot) => {
        signal.throwIfAborted();
        await checkpoints.saveEpoch(matched.psi, epochs, snapshot);
        if (!signal.aborted) ctx.link.send('job.checkpoint', { attempt, epochs }, { job });
      },
      job, self: ctx.config.id, prepare: this.prepare, model: this.model, dataset: ctx.dataset, rows: matched.rows, heKey,
      ...(evaluation ? { evaluation } : {}),
      ...(this.seeds ? { seeds: this.seeds } : {}),
      conversation,
      decrypt: (masked, step) => this.arbiter.decrypt(job, step, masked),
      progress: (p) => ctx.link.send('train.progress', p, { job }),
      workDir: ctx.config.workDir,
      histogramThreads: ctx.config.histogramThreads,
      ...(ctx.config.packCacheBytes === undefined ? {} : { packCacheBytes: ctx.config.packCacheBytes }),
      log: ctx.log,
    });
  }
}
