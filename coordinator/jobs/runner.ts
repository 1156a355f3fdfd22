// Runs jobs: owns sending, deadlines and failure handling; the protocol steps themselves run at
// the parties. For a PSI job the coordinator only prepares the parties, hands out the per-job
// public keys, relays sealed messages and checks that every party reports the same intersection size.
// For a vertical job it is also the arbiter: it holds the BFV secret key and decrypts masked values.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { FedmarkError, fromWireError, serializeError, toFedmarkError } from '../../protocol/errors.ts';
import { PUBLIC_KEY_BYTES } from '../../protocol/e2e/channel.ts';
import type { BodyOf, LinkFrame } from '../../protocol/messages/index.ts';
import type { JobResult, JobSpec, JobView, ModelCard } from '../../protocol/messages/jobSpec.ts';
import type { TrainProgress } from '../../protocol/messages/train.ts';
import type { PartyLinks } from '../links.ts';
import type { Store } from '../store.ts';
import { Mailbox } from './mailbox.ts';
import { Arbiter } from './arbiter.ts';
import { runHorizontal } from './horizontal.ts';

export class JobRunner {
  private readonly store: Store;
  private readonly links: PartyLinks;
  private readonly log: Logger;
  private readonly stepTimeoutMs: number;
  private readonly mailbox = new Mailbox();
  private readonly finished = new Map<string, Promise<JobView>>();
  private readonly arbiters = new Map<string, Arbiter>();
  /** Listeners for live progress (CLI, simulate). */
  readonly progress = new EventEmitter<{ progress: [job: string, p: TrainProgress] }>();

  constructor(store: Store, links: PartyLinks, log: Logger, stepTimeoutMs: number) {
    this.store = store;
    this.links = links;
    this.log = log;
    this.stepTimeoutMs = stepTimeoutMs;
    links.on('frame', (party, frame) => {
      if (frame.kind === 'he.decrypt') return this.decryptFor(party, frame);
      if (frame.kind === 'train.progress') return this.recordProgress(party, frame);
      if (frame.kind === 'score.reply' || frame.kind === 'score.saved') return;
      if (!this.mailbox.deliver(party, frame)) this.log.warn({ party, kind: frame.kind }, 'frame without a job ignored');
    });
    links.on('disconnected', (party) => this.mailbox.partyGone(party));
  }

  /** `spec` has passed checkJobSpec. */
  submit(spec: JobSpec): string {
    const id = `job-${randomUUID()}`;
    this.store.createJob(id, spec);
    this.finished.set(id, this.run(id, spec));
    return id;
  }

  async waitFor(id: string): Promise<JobView> {
    const running = this.finished.get(id);
    if (running) return running;
    const view = this.store.job(id);
    if (!view) throw new FedmarkError('FM_ERR_JOB_NOT_FOUND', { job: id });
    return view;
  }

  private async run(id: string, spec: JobSpec): Promise<JobView> {
    const log = this.log.child({ job: id });
    const parties = spec.parties.map((p) => p.id);
    this.store.setState(id, 'running');
    log.info({ name: spec.name, kind: spec.kind, parties }, 'job started');
    try {
      const result = await this.runSteps(id, spec, log);
      this.store.setState(id, 'succeeded', { result });
      log.info({ intersectionSize: result.psi?.intersectionSize }, 'job succeeded');
    } catch (err) {
      const error = serializeError(err);
      log.warn({ code: error.code, reason: error.message }, 'job failed');
      for (const party of parties) {
        if (this.links.isOnline(party)) this.links.send(party, 'job.cancel', { reason: error.message }, { job: id });
      }
      this.store.setState(id, 'failed', { error });
    } finally {
      this.links.closeRelay(id);
      this.mailbox.forget(id);
      this.arbiters.get(id)?.dispose();
      this.arbiters.delete(id);
    }
    return this.store.job(id) as JobView;
  }

  private async runSteps(id: string, spec: JobSpec, log: Logger): Promise<JobResult> {
    const offline = spec.parties.find((p) => !this.links.isOnline(p.id));
    if (offline) throw new FedmarkError('FM_ERR_JOB_PARTY_OFFLINE', { party: offline.id });

    // 1. Every party loads and checks its data before anything is exchanged.
    const ready = await this.ask(id, spec.parties.map((p) => p.id), (party) => {
      const me = spec.parties.find((p) => p.id === party);
      if (!me) throw new FedmarkError('FM_ERR_INTERNAL', { reason: `party ${party} vanished from job` });
      const peers = spec.parties.filter((p) => p.id !== party).map((p) => ({ id: p.id, role: p.role }));
      const prepare: BodyOf<'job.prepare'> = { name: spec.name, kind: spec.kind, role: me.role, dataset: me.data, peers };
      if (spec.training) prepare.training = spec.training;
      if (spec.kind === 'horizontal') Object.assign(prepare, { model: spec.model, federation: spec.federation });
      if (spec.validation) prepare.validation = spec.validation;
      if (me.evaluation) prepare.evaluation = me.evaluation;
      this.links.send(party, 'job.prepare', prepare, { job: id });
    }, 'job.ready');
    const keys = new Map<string, Uint8Array>();
    const stats: NonNullable<JobResult['psi']>['parties'] = {};
    for (const [party, frame] of ready) {
      if (frame.payload?.length !== PUBLIC_KEY_BYTES) {
        throw new FedmarkError('FM_ERR_JOB_PARTY_FAILED', { party, reason: 'job.ready without a 32-byte public key' });
      }
      keys.set(party, frame.payload);
      const s = (frame.body as BodyOf<'job.ready'>).stats;
      stats[party] = { totalRows: s.totalRows, consentingRows: s.consentingRows };
      this.store.event(id, 'party.ready', { party, ...s });
    }

    // 2. Vertical training: this coordinator is the arbiter, with a fresh BFV key pair for the job.
    if (spec.kind === 'vertical') {
      const arbiter = await Arbiter.create();
      this.arbiters.set(id, arbiter);
      for (const p of spec.parties) this.links.send(p.id, 'he.keys', {}, { job: id, payload: arbiter.publicBytes });
    }

    // 3. Hand out the per-job public keys and let the parties run PSI (and training) through the relay.
    this.links.openRelay(id, spec.parties.map((p) => p.id));
    const start = (party: string) => {
      const peers = spec.parties.filter((p) => p.id !== party).map((p) => ({ id: p.id, role: p.role }));
      const payload = Buffer.concat(peers.map((p) => keys.get(p.id) as Uint8Array));
      this.links.send(party, 'job.start', { peers }, { job: id, payload });
    };
    if (spec.kind === 'horizontal') {
      for (const p of spec.parties) start(p.id);
      return runHorizontal({ job: id, spec, links: this.links, mailbox: this.mailbox, store: this.store, log, stepTimeoutMs: this.stepTimeoutMs });
    }
    const done = await this.ask(id, spec.parties.map((p) => p.id), start, 'job.done');

    // 4. Everyone must hold the same intersection.
    const sizes = [...done].map(([party, f]) => [party, (f.body as BodyOf<'job.done'>).psi.intersectionSize] as const);
    const first = sizes[0];
    if (!first) throw new FedmarkError('FM_ERR_INTERNAL', { reason: 'no party answered' });
    const odd = sizes.find(([, n]) => n !== first[1]);
    if (odd) throw new FedmarkError('FM_ERR_PSI_MISMATCH', { detail: `${first[0]} has ${first[1]} rows, ${odd[0]} has ${odd[1]}` });
    this.store.event(id, 'psi.done', { intersectionSize: first[1] });
    const result: JobResult = { psi: { intersectionSize: first[1], parties: stats } };
    if (spec.kind === 'vertical') Object.assign(result, this.registerModel(id, spec, first[1], done));
    return result;
  }

  /** The model card from the parties' reports: names by party and the guest's metrics. */
  private registerModel(id: string, spec: JobSpec, intersectionSize: number, done: Map<string, LinkFrame>): Pick<JobResult, 'metrics' | 'model'> {
    const guest = spec.parties.find((p) => p.role === 'guest')?.id as string;
    const reports = new Map([...done].map(([party, f]) => [party, (f.body as BodyOf<'job.done'>).train]));
    const g = reports.get(guest);
    if (!g?.metrics) throw new FedmarkError('FM_ERR_JOB_PARTY_FAILED', { party: guest, reason: 'the guest reported no training metrics' });
    const featuresByParty: Record<string, string[]> = {};
    for (const [party, r] of reports) featuresByParty[party] = r?.features ?? [];
    const card: ModelCard = {
      job: id, kind: spec.kind, intersectionSize, trainRows: g.trainRows, evalRows: g.evalRows, featuresByParty,
      metrics: { ...g.metrics }, lift: (g.lift ?? []).map((row) => ({ ...row })), deciles: g.deciles ?? [], history: g.history ?? [],
      training: spec.training as NonNullable<JobSpec['training']>,
    };
    const version = this.store.addModel(spec.name, id, card);
    return { metrics: { ...g.metrics }, model: { name: spec.name, version } };
  }

  private decryptFor(party: string, frame: LinkFrame): void {
    const arbiter = frame.job === undefined ? undefined : this.arbiters.get(frame.job);
    const body = frame.body as BodyOf<'he.decrypt'>;
    try {
      if (!arbiter) throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'he.decrypt', state: 'no training job' });
      const values = arbiter.decrypt(party, body, frame.payload);
      this.links.send(party, 'he.plain', { request: body.request }, { job: frame.job as string, payload: values });
    } catch (err) {
      const error = serializeError(err);
      this.log.warn({ party, job: frame.job, code: error.code }, 'decryption request refused');
      this.links.send(party, 'error', { rejectedSeq: frame.seq }, { ...(frame.job ? { job: frame.job } : {}), error });
    }
  }

  private recordProgress(party: string, frame: LinkFrame): void {
    if (frame.job === undefined || !this.arbiters.has(frame.job)) return;
    const p = frame.body as TrainProgress;
    this.store.event(frame.job, 'train.epoch', { party, ...p });
    this.mailbox.extend(frame.job);
    this.progress.emit('progress', frame.job, p);
  }

  /** Sends one request per party and waits for every answer; the first failure fails the step. */
  private async ask(
    job: string,
    parties: string[],
    sendTo: (party: string) => void,
    expected: 'job.ready' | 'job.done',
  ): Promise<Map<string, LinkFrame>> {
    const answers = await Promise.all(
      parties.map(async (party) => {
        const wait = this.mailbox.wait(job, party, [expected, 'job.failed'], this.stepTimeoutMs);
        sendTo(party);
        const frame = await wait;
        if (frame.kind === 'job.failed') {
          throw fromWireError(frame.error, 'FM_ERR_JOB_PARTY_FAILED', { party, reason: 'no reason given' });
        }
        return [party, frame] as const;
      }),
    ).catch((err: unknown) => {
      throw toFedmarkError(err);
    });
    return new Map(answers);
  }
}
