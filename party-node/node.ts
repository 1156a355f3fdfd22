// A party node: serves its own tables to the jobs the coordinator announces. Raw rows and raw
// IDs never leave this process; it sends the coordinator aggregates, and its peers only sealed,
// blinded values.
import type { Logger } from 'pino';
import { FedmarkError, fromWireError, serializeError, toFedmarkError } from '../protocol/errors.ts';
import { newKeyPair, PUBLIC_KEY_BYTES, type KeyPair } from '../protocol/e2e/channel.ts';
import { BlindingPool } from '../protocol/psi/pool.ts';
import type { BodyOf, LinkFrame } from '../protocol/messages/index.ts';
import type { PartyConfig } from './config.ts';
import { CoordinatorLink } from './link.ts';
import { loadDataset, type Dataset } from './data/dataset.ts';
import { checkUnderRoots } from './data/roots.ts';
import { openChannels, startPsi, writeIntersection, type PsiRun } from './jobs/psi.ts';
import { splitTopic, withTopic } from './jobs/topics.ts';
import { runVertical } from './jobs/vertical/run.ts';
import { ArbiterClient } from './jobs/vertical/arbiterClient.ts';
import { ScoringService } from './scoring/service.ts';
import { decodeIds } from '../protocol/messages/train.ts';
import { Inbox } from '../protocol/vertical/inbox.ts';
import { vlrCodec, type VlrFrame } from '../protocol/vertical/messages.ts';
import type { Channel } from '../protocol/e2e/channel.ts';
import { startHorizontal } from './jobs/horizontal/start.ts';
import { COORDINATOR, type HflItemFrame } from './jobs/horizontal/member.ts';
import { hflPeerCodec } from '../protocol/horizontal/messages.ts';

interface JobState {
  id: string;
  prepare: BodyOf<'job.prepare'>;
  dataset: Dataset;
  keys: KeyPair;
  psi?: PsiRun;
  /** The evaluation tables' PSI, when the job gives evaluation tables. */
  psiEval?: PsiRun;
  evaluation?: Dataset;
  /** The arbiter's BFV public key (vertical training). */
  heKey?: Uint8Array;
  /** Training messages from peers wait here until the training loop takes them. */
  vlr: Inbox<VlrFrame>;
  /** Horizontal jobs: the end-to-end channels to the other members (no PSI). */
  channels?: Map<string, Channel>;
  /** Horizontal jobs: the coordinator's and peers' messages for the member loop. */
  hfl: Inbox<HflItemFrame>;
  /** Sealed messages that arrived before job.start was handled. */
  early: Array<{ from: string; payload: Uint8Array }>;
}

export class PartyNode {
  readonly config: PartyConfig;
  readonly link: CoordinatorLink;
  private readonly log: Logger;
  private readonly pool: BlindingPool;
  private readonly arbiter: ArbiterClient;
  private readonly scoring: ScoringService;
  private readonly jobs = new Map<string, JobState>();
  /** Jobs that ended here; their data is released and late messages for them are ignored. */
  private readonly ended = new Set<string>();

  constructor(config: PartyConfig, log: Logger) {
    this.config = config;
    this.log = log;
    this.pool = new BlindingPool({ threads: config.threads });
    this.link = new CoordinatorLink(config, log.child({ area: 'link' }));
    this.scoring = new ScoringService({ party: config.id, workDir: config.workDir, dataRoots: config.dataRoots, log: log.child({ area: 'scoring' }) });
    this.arbiter = new ArbiterClient((job, body, payload) => this.link.send('he.decrypt', body, { job, payload }));
    this.link.on('frame', (frame) => this.onFrame(frame));
  }

  start(): void {
    this.link.start();
  }

  async stop(): Promise<void> {
    await this.link.stop();
    await this.pool.close();
  }

  private onFrame(frame: LinkFrame): void {
    const job = frame.job;
    switch (frame.kind) {
      case 'job.prepare':
        if (job) void this.prepare(job, frame.body as BodyOf<'job.prepare'>);
        return;
      case 'job.start':
        if (job) this.begin(job, frame.body as BodyOf<'job.start'>, frame.payload);
        return;
      case 'job.cancel':
        if (job) this.cancel(job, (frame.body as BodyOf<'job.cancel'>).reason);
        return;
      case 'he.keys':
        if (job) this.heKeys(job, frame.payload);
        return;
      case 'he.plain':
        if (job) this.arbiter.answer((frame.body as BodyOf<'he.plain'>).request, frame.payload);
        return;
      case 'score.request':
        void this.scoreRequest(job, frame.body as BodyOf<'score.request'>, frame.payload);
        return;
      case 'score.all':
        void this.answer(frame.body as BodyOf<'score.all'>, 'score.reply', async () => this.scoring.scoreAll(frame.body as BodyOf<'score.all'>));
        return;
      case 'score.save':
        void this.answer(frame.body as BodyOf<'score.save'>, 'score.saved', async () => ({ reply: await this.scoring.save(frame.body as BodyOf<'score.save'>, frame.payload) }));
        return;
      case 'hfl.collect':
      case 'hfl.aggregate':
        if (job) this.jobs.get(job)?.hfl.push({ from: COORDINATOR, frame: { kind: frame.kind, body: frame.body, ...(frame.payload ? { payload: frame.payload } : {}) } });
        return;
      case 'relay.deliver':
        if (job) this.deliver(job, (frame.body as BodyOf<'relay.deliver'>).from, frame.payload);
        return;
      case 'error':
        this.log.warn({ job, code: frame.error?.code, reason: frame.error?.message }, 'coordinator rejected a frame');
        if (job && this.jobs.has(job)) this.failJob(job, fromWireError(frame.error, 'FM_ERR_INTERNAL', { reason: 'rejected by the coordinator' }));
        return;
      default:
        this.log.warn({ job, kind: frame.kind }, 'unexpected message from coordinator');
    }
  }

  /** Load and check the data before anything is exchanged; answer with aggregates and a job key. */
  private async prepare(job: string, body: BodyOf<'job.prepare'>): Promise<void> {
    const log = this.log.child({ job });
    try {
      if (this.jobs.has(job) || this.ended.has(job)) throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'job.prepare', state: 'prepared' });
      const path = await checkUnderRoots(this.config.id, body.dataset.path, this.config.dataRoots);
      const started = performance.now();
      const dataset = await loadDataset({ ...body.dataset, path }, { party: this.config.id });
      const evaluation = body.evaluation ? await this.loadEvaluation(body, dataset) : undefined;
      log.info({ rows: dataset.stats.totalRows, consenting: dataset.rows, features: dataset.featureNames.length, ms: Math.round(performance.now() - started) }, 'dataset loaded');
      const keys = newKeyPair();
      this.jobs.set(job, { id: job, prepare: body, dataset, keys, early: [], vlr: new Inbox<VlrFrame>(), hfl: new Inbox<HflItemFrame>(), ...(evaluation ? { evaluation } : {}) });
      this.link.send('job.ready', { stats: dataset.stats }, { job, payload: keys.publicKey });
    } catch (err) {
      this.failJob(job, err);
    }
  }

  private begin(job: string, body: BodyOf<'job.start'>, payload: Uint8Array | undefined): void {
    const state = this.jobs.get(job);
    try {
      if (!state) throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'job.start', state: 'unprepared' });
      if (payload?.length !== body.peers.length * PUBLIC_KEY_BYTES) {
        throw new FedmarkError('FM_ERR_WIRE_MALFORMED', { reason: 'job.start must carry one 32-byte key per peer' });
      }
      const peers = body.peers.map((p, i) => ({ ...p, publicKey: payload.subarray(i * PUBLIC_KEY_BYTES, (i + 1) * PUBLIC_KEY_BYTES) }));
      const started = performance.now();
      const channels = openChannels(job, this.config.id, peers, state.keys);
      if (state.prepare.kind === 'horizontal') {
        state.channels = channels;
        for (const m of state.early.splice(0)) this.deliver(job, m.from, m.payload);
        void startHorizontal({ node: this.config, link: this.link, job, state: { ...state, channels }, log: this.log.child({ job }) })
          .then(() => this.end(job))
          .catch((err: unknown) => this.failJob(job, err));
        return;
      }
      const common = {
        role: state.prepare.role, peers, channels, pool: this.pool, chunkSize: this.config.psiChunkSize,
        relay: (to: string, sealed: Buffer) => this.link.send('relay.send', { to }, { job, payload: sealed }),
      };
      state.psi = startPsi({ ...common, domain: job, topic: 'psi', dataset: state.dataset });
      if (state.evaluation) state.psiEval = startPsi({ ...common, domain: `${job}/evaluation`, topic: 'psiEval', dataset: state.evaluation });
      for (const m of state.early.splice(0)) this.deliver(job, m.from, m.payload);
      const evalRows = state.psiEval?.session.start();
      void state.psi.session.start().then(
        async (rows) => {
          await writeIntersection(this.config.workDir, job, state.dataset, rows);
          this.log.info({ job, intersectionSize: rows.length, ms: Math.round(performance.now() - started) }, 'PSI finished');
          const done: BodyOf<'job.done'> = { psi: { intersectionSize: rows.length } };
          const evaluation = state.evaluation && evalRows ? { dataset: state.evaluation, rows: await evalRows } : undefined;
          if (evaluation) {
            await writeIntersection(this.config.workDir, job, evaluation.dataset, evaluation.rows, 'evaluation-intersection.csv');
            done.psi.evaluationSize = evaluation.rows.length;
          }
          if (state.prepare.kind === 'vertical') done.train = await this.train(state, rows, evaluation);
          this.end(job);
          this.link.send('job.done', done, { job });
        },
      ).catch((err: unknown) => this.failJob(job, err));
    } catch (err) {
      this.failJob(job, err);
    }
  }

  private deliver(job: string, from: string, payload: Uint8Array | undefined): void {
    const state = this.jobs.get(job);
    if (!state) {
      if (!this.ended.has(job)) this.log.warn({ job, from }, 'relayed message for no running job dropped');
      return;
    }
    const channels = state.psi?.channels ?? state.channels;
    if (!channels) {
      state.early.push({ from, payload: payload ?? new Uint8Array(0) });
      return;
    }
    const channel = channels.get(from);
    try {
      if (!channel) throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'relay.deliver', state: `no channel with ${from}` });
      const { topic, frame } = splitTopic(channel.open(payload ?? new Uint8Array(0)));
      if (topic === 'psi' && state.psi) state.psi.session.receive(from, frame);
      else if (topic === 'psiEval' && state.psiEval) state.psiEval.session.receive(from, frame);
      else if (topic === 'vlr') state.vlr.push({ from, frame: vlrCodec.decode(frame, this.config.maxFrameBytes) });
      else if (topic === 'hfl') {
        const f = hflPeerCodec.decode(frame, this.config.maxFrameBytes);
        state.hfl.push({ from, frame: { kind: f.kind, body: f.body, ...(f.payload ? { payload: f.payload } : {}) } });
      }
      else throw new FedmarkError('FM_ERR_WIRE_MALFORMED', { reason: `unknown topic from ${from}` });
    } catch (err) {
      const error = toFedmarkError(err);
      state.psi?.session.fail(error);
      state.psiEval?.session.fail(error);
      state.vlr.fail(error);
      state.hfl.fail(error);
      this.failJob(job, error);
    }
  }

  private async scoreRequest(job: string | undefined, body: BodyOf<'score.request'>, ids: Uint8Array | undefined): Promise<void> {
    try {
      const { reply, payload } = await this.scoring.score(body, decodeIds(ids, body.count));
      this.link.send('score.reply', reply, { ...(job ? { job } : {}), payload });
    } catch (err) {
      const error = serializeError(err);
      this.log.warn({ model: body.model, code: error.code }, 'scoring request failed');
      this.link.send('score.reply', { request: body.request, unknown: [], noConsent: [] }, { ...(job ? { job } : {}), error });
    }
  }

  /** Runs one scoring step and replies with its result, or with the error in the envelope. */
  private async answer<K extends 'score.reply' | 'score.saved'>(
    body: { request: number; model: string },
    kind: K,
    work: () => Promise<{ reply: BodyOf<K>; payload?: Buffer }>,
  ): Promise<void> {
    try {
      const { reply, payload } = await work();
      this.link.send(kind, reply, payload ? { payload } : {});
    } catch (err) {
      const error = serializeError(err);
      this.log.warn({ model: body.model, code: error.code }, 'scoring request failed');
      const empty = (kind === 'score.reply' ? { request: body.request, unknown: [], noConsent: [] } : { request: body.request, path: '', rows: 0 }) as BodyOf<K>;
      this.link.send(kind, empty, { error });
    }
  }

  private heKeys(job: string, payload: Uint8Array | undefined): void {
    const state = this.jobs.get(job);
    if (!state || !payload) return this.failJob(job, new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'he.keys', state: state ? 'no key in payload' : 'unprepared' }));
    state.heKey = Uint8Array.from(payload);
  }

  /** The evaluation table: the same columns and settings as the training table, another file. */
  private async loadEvaluation(body: BodyOf<'job.prepare'>, train: Dataset): Promise<Dataset> {
    const path = await checkUnderRoots(this.config.id, (body.evaluation as { path: string }).path, this.config.dataRoots);
    const evaluation = await loadDataset({ ...body.dataset, path }, { party: this.config.id });
    if (evaluation.featureNames.join('\u0000') !== train.featureNames.join('\u0000')) {
      const missing = train.featureNames.find((n) => !evaluation.featureNames.includes(n)) ?? evaluation.featureNames.find((n) => !train.featureNames.includes(n));
      throw new FedmarkError('FM_ERR_DATA_SPEC', { party: this.config.id, file: evaluation.file, field: 'evaluation', reason: `its features differ from the training table's (first difference: ${missing ?? 'column order'})` });
    }
    return evaluation;
  }

  private async train(state: JobState, rows: Uint32Array, evaluation?: { dataset: Dataset; rows: Uint32Array }): Promise<BodyOf<'job.done'>['train']> {
    if (!state.heKey || !state.psi) throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'job.start', state: 'training without the arbiter key' });
    const { channels } = state.psi;
    const job = state.id;
    return runVertical({
      job, self: this.config.id, prepare: state.prepare, dataset: state.dataset, rows, heKey: state.heKey,
      ...(evaluation ? { evaluation } : {}),
      send: (peer, kind, body, payload) => {
        const channel = channels.get(peer);
        if (!channel) throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind, state: `no channel with ${peer}` });
        const frame = vlrCodec.encode(kind, 0, body, payload ? { payload } : {});
        this.link.send('relay.send', { to: peer }, { job, payload: channel.seal(withTopic('vlr', frame)) });
      },
      inbox: state.vlr,
      decrypt: (masked) => this.arbiter.decrypt(job, masked),
      progress: (p) => this.link.send('train.progress', p, { job }),
      workDir: this.config.workDir,
      log: this.log.child({ job }),
    });
  }

  private cancel(job: string, reason: string): void {
    const state = this.jobs.get(job);
    this.log.info({ job, reason }, 'job cancelled by coordinator');
    this.end(job);
    const cancelled = new FedmarkError('FM_ERR_JOB_PARTY_FAILED', { party: 'coordinator', reason: 'job cancelled' });
    state?.psi?.session.fail(cancelled);
    state?.psiEval?.session.fail(cancelled);
    state?.vlr.fail(cancelled);
    state?.hfl.fail(cancelled);
  }

  private end(job: string): void {
    this.jobs.delete(job);
    this.ended.add(job);
  }

  private failJob(job: string, err: unknown): void {
    const error = toFedmarkError(err);
    if (this.ended.has(job)) return;
    this.jobs.get(job)?.hfl.fail(error);
    this.end(job);
    this.log.warn({ job, code: error.code, reason: error.message }, 'job failed at this party');
    if (this.link.connected) this.link.send('job.failed', {}, { job, error: serializeError(error) });
  }
}
