// Runs jobs: owns sending, deadlines and failure handling; the protocol steps themselves run at
// the parties. For a PSI job the coordinator only prepares the parties, hands out the per-job
// public keys, relays sealed messages and checks that every party reports the same intersection size.
// For a vertical job it is also the arbiter: it holds the BFV secret key and decrypts masked values.
// A party that drops out pauses the job (waiting-for-party); when it is back, the job runs a new
// attempt that resumes from the parties' checkpoints (resume.ts). A restarted coordinator does the
// same for every unfinished job.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { FedmarkError, fromWireError, serializeError, toFedmarkError } from '../../errors/table.ts';
import { PUBLIC_KEY_BYTES } from '../../protocol/e2e/channel.ts';
import { isReply, type BodyOf, type LinkFrame, type LinkMessage } from '../../protocol/messages/index.ts';
import type { JobResult, JobSpec, JobView, ModelCard } from '../../protocol/messages/jobSpec.ts';
import type { TrainProgress } from '../../protocol/messages/train.ts';
import type { PartyLinks } from '../links.ts';
import type { PartyRequests } from '../partyRequests.ts';
import type { Store } from '../store.ts';
import { Arbiter } from './arbiter.ts';
import { awaitParties, resumePoint } from './resume.ts';

/** Frames of an attempt other than the job's current one are late or duplicated: they are dropped. */
function attemptOf(frame: LinkFrame): number | undefined {
  return frame.body !== undefined && 'attempt' in frame.body ? frame.body.attempt : undefined;
}

const TERMINAL_STATES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'cancelled']);
import { lookalikeMetrics } from '../../protocol/messages/lookalike.ts';
import { runHorizontal } from './horizontal.ts';

export class JobRunner {
  private readonly store: Store;
  private readonly links: PartyLinks;
  private readonly log: Logger;
  private readonly stepTimeoutMs: number;
  /** The link's tracker: the waits of every job run here. */
  private readonly mailbox: PartyRequests;
  private readonly finished = new Map<string, Promise<JobView>>();
  private readonly arbiters = new Map<string, Arbiter>();
  /** The attempt each running job is on. */
  private readonly attempts = new Map<string, number>();
  private readonly partyWaitMs: number;
  /** Aborted when the coordinator shuts down: runs stop where they are and stay resumable. */
  private readonly shutdown = new AbortController();
  /** Listeners for live progress (CLI, simulate). */
  readonly progress = new EventEmitter<{ progress: [job: string, p: TrainProgress] }>();

  constructor(store: Store, links: PartyLinks, log: Logger, stepTimeoutMs: number, opts: { partyWaitMs?: number } = {}) {
    this.store = store;
    this.links = links;
    this.log = log;
    this.stepTimeoutMs = stepTimeoutMs;
    this.partyWaitMs = opts.partyWaitMs ?? 10 * 60_000;
    this.mailbox = links.requests;
    links.on('frame', (party, frame) => {
      // Replies to requests are settled by the link's request tracker.
      if (isReply(frame)) return;
      const attempt = attemptOf(frame);
      if (frame.job !== undefined && attempt !== undefined && attempt !== this.attempts.get(frame.job)) {
        this.log.info({ party, job: frame.job, kind: frame.kind, attempt }, 'frame of another attempt dropped');
        return;
      }
      if (frame.kind === 'he.decrypt') return this.decryptFor(party, frame);
      if (frame.kind === 'train.progress') return this.recordProgress(party, frame);
      if (frame.kind === 'job.checkpoint') return this.recordCheckpoint(party, frame);
      if (!this.mailbox.deliver(party, frame)) this.log.warn({ party, kind: frame.kind }, 'frame without a job ignored');
    });
  }

  /** Stops every run where it is, leaving its state as it was so the next start resumes it. */
  async close(): Promise<void> {
    this.shutdown.abort();
    for (const id of this.attempts.keys()) this.mailbox.forget(id);
    await Promise.allSettled(this.finished.values());
  }

  /** After a restart: every job that was queued, running or waiting resumes once its parties are online. */
  resumeUnfinished(): string[] {
    const jobs = this.store.unfinishedJobs().filter((j) => !this.finished.has(j.id));
    for (const { id, spec } of jobs) {
      this.log.info({ job: id }, 'resuming job after a coordinator restart');
      this.finished.set(id, this.run(id, spec, 'the coordinator restarted'));
    }
    return jobs.map((j) => j.id);
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

  /**
   * Cancels a job that has not ended: its state becomes cancelled at once (so a waiting job stops
   * waiting and a restart does not resume it), pending waits fail, and the run loop tells every
   * party to stop. Resolves to the cancelled job.
   */
  async cancel(id: string): Promise<JobView> {
    const view = this.store.job(id);
    if (!view) throw new FedmarkError('FM_ERR_JOB_NOT_FOUND', { job: id });
    if (TERMINAL_STATES.has(view.state)) throw new FedmarkError('FM_ERR_JOB_STATE', { job: id, state: view.state, action: 'be cancelled' });
    const reason = new FedmarkError('FM_ERR_JOB_CANCELLED', { job: id });
    this.store.setState(id, 'cancelled', { error: serializeError(reason) });
    this.mailbox.abort(id, reason);
    return this.waitFor(id);
  }

  /**
   * Runs attempts until the job ends. `resumeReason` is set when the job was already under way
   * before (a coordinator restart): it then waits for its parties and resumes from checkpoints.
   */
  private async run(id: string, spec: JobSpec, resumeReason?: string): Promise<JobView> {
    const log = this.log.child({ job: id });
    const parties = spec.parties.map((p) => p.id);
    let attempt = this.store.attempt(id);
    let waitReason = resumeReason;
    let ended: 'succeeded' | 'failed' | 'cancelled' | undefined;
    try {
      // A new job with a party offline fails at once: nothing was started that could be resumed.
      const offline = resumeReason === undefined ? parties.find((p) => !this.links.isOnline(p)) : undefined;
      if (offline) throw new FedmarkError('FM_ERR_JOB_PARTY_OFFLINE', { party: offline });
      if (resumeReason !== undefined) {
        attempt++;
        this.attempts.set(id, attempt);
      }
      for (;;) {
        if (waitReason !== undefined) {
          const back = await this.waitForParties(id, parties, waitReason);
          if (back === 'cancelled') {
            ended = 'cancelled';
            break;
          }
        }
        this.store.setAttempt(id, attempt);
        this.attempts.set(id, attempt);
        this.mailbox.forget(id);
        this.store.setState(id, 'running');
        log.info({ name: spec.name, kind: spec.kind, parties, attempt }, attempt === 0 ? 'job started' : 'job resumed');
        try {
          const result = await this.runSteps(id, spec, attempt);
          if (this.store.job(id)?.state === 'cancelled') {
            ended = 'cancelled';
            break;
          }
          this.store.setState(id, 'succeeded', { result });
          log.info({ intersectionSize: result.psi?.intersectionSize }, 'job succeeded');
          ended = 'succeeded';
          break;
        } catch (err) {
          if (this.shutdown.signal.aborted) break;
          const lost = this.lostParty(id, err);
          if (!lost) throw err;
          waitReason = `party ${lost} disconnected`;
          log.warn({ party: lost, attempt }, 'party left the job; pausing it');
          this.store.setWaiting(id, lost, waitReason);
          // From now on answers of the stopped attempt (a peer's job.failed after a refused relay) are dropped.
          attempt++;
          this.attempts.set(id, attempt);
          for (const party of parties) {
            if (party !== lost && this.links.isOnline(party)) this.links.send(party, 'job.pause', { reason: waitReason }, { job: id });
          }
        } finally {
          this.endAttempt(id);
        }
      }
    } catch (err) {
      // A cancel ends the attempt's waits from outside; the job stays cancelled, not failed.
      if (this.store.job(id)?.state === 'cancelled') ended = 'cancelled';
      else if (!this.shutdown.signal.aborted) {
        const error = serializeError(err);
        log.warn({ code: error.code, reason: error.message }, 'job failed');
        this.store.setState(id, 'failed', { error });
        ended = 'failed';
      }
    } finally {
      this.attempts.delete(id);
    }
    if (ended === undefined) {
      log.info({ attempt }, 'coordinator stopping; the job resumes at the next start');
      return this.store.job(id) as JobView;
    }
    // The job is over: the parties stop whatever is left and delete their checkpoints.
    const reason = ended === 'succeeded' ? 'job succeeded' : ended === 'cancelled' ? 'job cancelled' : (this.store.job(id)?.error?.message ?? 'job failed');
    for (const party of parties) {
      if (this.links.isOnline(party)) this.links.send(party, 'job.cancel', { reason }, { job: id });
    }
    return this.store.job(id) as JobView;
  }

  /** The party whose loss `err` reports, if the job can wait for it (not cancelled meanwhile). */
  private lostParty(id: string, err: unknown): string | undefined {
    if (!(err instanceof FedmarkError) || err.code !== 'FM_ERR_JOB_PARTY_OFFLINE') return undefined;
    // Only this coordinator's own view of a link counts (a party's report has no params).
    const party = err.params.party;
    if (typeof party !== 'string' || this.store.job(id)?.state === 'cancelled') return undefined;
    return party;
  }

  /** Waits up to partyWaitMs for every party; fails the job naming the party that did not come back. */
  private async waitForParties(id: string, parties: string[], reason: string): Promise<'online' | 'cancelled'> {
    const missing = parties.find((p) => !this.links.isOnline(p));
    if (missing !== undefined && this.store.job(id)?.state !== 'waiting-for-party') this.store.setWaiting(id, missing, reason);
    const outcome = await awaitParties(this.links, parties, this.partyWaitMs, () => !this.shutdown.signal.aborted && this.store.job(id)?.state !== 'cancelled');
    if (this.shutdown.signal.aborted) throw new FedmarkError('FM_ERR_INTERNAL', { reason: 'coordinator stopping' });
    if (outcome.gone) return 'cancelled';
    if (outcome.missing !== undefined) {
      const epochs = this.store.job(id)?.checkpoint?.epochs ?? 0;
      throw new FedmarkError('FM_ERR_JOB_PARTY_LOST', { party: outcome.missing, job: id, seconds: Math.round(this.partyWaitMs / 1000), epochs });
    }
    return 'online';
  }

  private endAttempt(id: string): void {
    this.links.closeRelay(id);
    this.mailbox.forget(id);
    this.arbiters.get(id)?.dispose();
    this.arbiters.delete(id);
  }

  private async runSteps(id: string, spec: JobSpec, attempt: number): Promise<JobResult> {
    // 1. Every party loads and checks its data before anything is exchanged.
    const ready = await this.ask(id, spec.parties.map((p) => p.id), (party) => {
      const me = spec.parties.find((p) => p.id === party);
      if (!me) throw new FedmarkError('FM_ERR_INTERNAL', { reason: `party ${party} vanished from job` });
      const peers = spec.parties.filter((p) => p.id !== party).map((p) => ({ id: p.id, role: p.role }));
      const prepare: BodyOf<'job.prepare'> = { name: spec.name, kind: spec.kind, role: me.role, dataset: me.data, peers, attempt };
      if (spec.training) prepare.training = spec.training;
      if (spec.kind === 'horizontal') Object.assign(prepare, { model: spec.model, federation: spec.federation });
      if (spec.validation) prepare.validation = spec.validation;
      if (me.evaluation) prepare.evaluation = me.evaluation;
      if (spec.purpose) prepare.purpose = spec.purpose;
      if (me.role === 'guest' && spec.seeds) Object.assign(prepare, { seeds: spec.seeds, lookalike: spec.lookalike });
      if (me.role === 'member' && me.seeds) Object.assign(prepare, { seeds: me.seeds, lookalike: spec.lookalike });
      this.links.send(party, 'job.prepare', prepare, { job: id });
    }, 'job.ready');
    type ReadyKey = { key: Uint8Array; endorsement: BodyOf<'job.ready'>['endorsement'] };
    const keys = new Map<string, ReadyKey>();
    const stats: NonNullable<JobResult['psi']>['parties'] = {};
    const resume = resumePoint(new Map([...ready].map(([party, f]) => [party, f.body.checkpoint])));
    if (attempt > 0) this.store.event(id, 'job.resumed', { attempt, psiReused: resume !== undefined, fromEpoch: resume?.epochs ?? 0 });
    for (const [party, frame] of ready) {
      if (frame.payload?.length !== PUBLIC_KEY_BYTES) {
        throw new FedmarkError('FM_ERR_JOB_PARTY_FAILED', { party, reason: 'job.ready without a 32-byte public key' });
      }
      keys.set(party, { key: frame.payload, endorsement: frame.body.endorsement });
      const s = frame.body.stats;
      stats[party] = { totalRows: s.totalRows, consentingRows: s.consentingRows };
      this.store.event(id, 'party.ready', { party, ...s });
    }

    // 2. Vertical training: this coordinator is the arbiter, with a fresh BFV key pair for each
    // attempt. No ciphertext outlives an epoch, so a resumed attempt needs no old key, and no
    // secret key is ever written to the store.
    if (spec.kind === 'vertical') {
      const arbiter = await Arbiter.create(id, spec);
      this.arbiters.set(id, arbiter);
      for (const p of spec.parties) this.links.send(p.id, 'he.keys', {}, { job: id, payload: arbiter.publicBytes });
    }

    // 3. Hand out the per-job public keys, each with its owner's signature (the parties check it
    // against their pins, so this relay cannot substitute one), and let the parties run PSI (and
    // training) through the relay.
    this.links.openRelay(id, spec.parties.map((p) => p.id));
    const start = (party: string) => {
      const others = spec.parties.filter((p) => p.id !== party);
      const peers = others.map((p) => ({ id: p.id, role: p.role, endorsement: (keys.get(p.id) as ReadyKey).endorsement }));
      const payload = Buffer.concat(others.map((p) => (keys.get(p.id) as ReadyKey).key));
      this.links.send(party, 'job.start', { peers, ...(resume ? { resume } : {}) }, { job: id, payload });
    };
    if (spec.kind === 'horizontal') {
      for (const p of spec.parties) start(p.id);
      return runHorizontal({ job: id, spec, links: this.links, mailbox: this.mailbox, store: this.store, log: this.log.child({ job: id, attempt }), stepTimeoutMs: this.stepTimeoutMs });
    }
    const done = await this.ask(id, spec.parties.map((p) => p.id), start, 'job.done');

    // 4. Everyone must hold the same intersection.
    const sizes = [...done].map(([party, f]) => [party, f.body.psi.intersectionSize] as const);
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
  private registerModel(id: string, spec: JobSpec, intersectionSize: number, done: Map<string, LinkMessage<'job.done'>>): Pick<JobResult, 'metrics' | 'model' | 'audience'> {
    const guest = spec.parties.find((p) => p.role === 'guest')?.id as string;
    const reports = new Map([...done].map(([party, f]) => [party, f.body.train]));
    const g = reports.get(guest);
    if (!g?.metrics) throw new FedmarkError('FM_ERR_JOB_PARTY_FAILED', { party: guest, reason: 'the guest reported no training metrics' });
    const featuresByParty: Record<string, string[]> = {};
    for (const [party, r] of reports) featuresByParty[party] = r?.features ?? [];
    const metrics = { ...g.metrics, ...(g.lookalike ? lookalikeMetrics(g.lookalike) : {}) };
    const card: ModelCard = {
      job: id, kind: spec.kind, intersectionSize, trainRows: g.trainRows, evalRows: g.evalRows, featuresByParty,
      metrics: { ...metrics }, lift: (g.lift ?? []).map((row) => ({ ...row })), deciles: g.deciles ?? [], history: g.history ?? [],
      training: spec.training as NonNullable<JobSpec['training']>,
      ...(g.lookalike ? { lookalike: g.lookalike } : {}),
    };
    if (g.roc) card.roc = g.roc;
    const version = this.store.addModel(spec.name, id, card);
    return { metrics, model: { name: spec.name, version }, ...(g.lookalike ? { audience: g.lookalike.audience } : {}) };
  }

  private decryptFor(party: string, frame: LinkMessage<'he.decrypt'>): void {
    const arbiter = frame.job === undefined ? undefined : this.arbiters.get(frame.job);
    const { body } = frame;
    const reply = { ...(frame.job === undefined ? {} : { job: frame.job }), ...(frame.request === undefined ? {} : { request: frame.request }) };
    // Between attempts there is no key: the request belongs to a run that has been stopped.
    if (!arbiter && frame.job !== undefined && this.attempts.has(frame.job)) return void this.log.info({ party, job: frame.job }, 'decryption request between attempts dropped');
    try {
      if (!arbiter) throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'he.decrypt', state: 'no training job' });
      const values = arbiter.decrypt(party, body, frame.payload);
      this.links.send(party, 'he.plain', {}, { ...reply, payload: values });
    } catch (err) {
      const error = serializeError(err);
      this.log.warn({ party, job: frame.job, code: error.code, reason: error.message, ...(err instanceof FedmarkError ? err.local : {}) }, 'decryption request refused');
      this.links.fail(party, 'he.plain', error, reply);
      if (arbiter && err instanceof FedmarkError && err.code === 'FM_ERR_HE_REFUSED') this.refused(frame.job as string, party, arbiter, err);
    }
  }

  /**
   * A request outside the protocol targets the other parties' data: it goes into the job's events,
   * every other party is told (and records it in its ledger), and a job member that deviated ends
   * the job, since its partners' data should no longer be at stake.
   */
  private refused(job: string, party: string, arbiter: Arbiter, err: FedmarkError): void {
    const reason = String(err.params.reason ?? err.message);
    this.store.event(job, 'he.refused', { party, reason });
    for (const p of arbiter.parties) {
      if (p !== party && this.links.isOnline(p)) this.links.send(p, 'he.refused', { party, reason }, { job });
    }
    if (arbiter.parties.includes(party)) this.mailbox.abort(job, err);
  }

  private recordCheckpoint(party: string, frame: LinkMessage<'job.checkpoint'>): void {
    if (frame.job === undefined || !this.attempts.has(frame.job)) return;
    const { attempt, epochs } = frame.body;
    this.store.recordCheckpoint(frame.job, party, attempt, epochs);
    this.mailbox.extend(frame.job);
  }

  private recordProgress(party: string, frame: LinkMessage<'train.progress'>): void {
    if (frame.job === undefined || !this.arbiters.has(frame.job)) return;
    const p = frame.body;
    this.store.event(frame.job, 'train.epoch', { party, ...p });
    this.mailbox.extend(frame.job);
    this.progress.emit('progress', frame.job, p);
  }

  /** Sends one request per party and waits for every answer; the first failure fails the step. */
  private async ask<K extends 'job.ready' | 'job.done'>(
    job: string,
    parties: string[],
    sendTo: (party: string) => void,
    expected: K,
  ): Promise<Map<string, LinkMessage<K>>> {
    if (this.shutdown.signal.aborted) throw new FedmarkError('FM_ERR_INTERNAL', { reason: 'coordinator stopping' });
    const answers = await Promise.all(
      parties.map(async (party) => {
        const wait = this.mailbox.wait<'job.ready' | 'job.done' | 'job.failed'>(job, party, [expected, 'job.failed'], this.stepTimeoutMs);
        sendTo(party);
        const frame = await wait;
        if (frame.kind === 'job.failed') {
          throw fromWireError(frame.body.error, 'FM_ERR_JOB_PARTY_FAILED', { party, reason: 'no reason given' });
        }
        // The wait admitted `expected` and job.failed only.
        return [party, frame as LinkMessage<K>] as const;
      }),
    ).catch((err: unknown) => {
      throw toFedmarkError(err);
    });
    return new Map(answers);
  }
}
