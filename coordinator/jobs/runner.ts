// Runs jobs: owns attempts, deadlines, pausing, resuming and cancelling; the protocol steps
// themselves run at the parties, and what is particular to a job's kind (what the parties get, what
// the coordinator does while they run, the result) is the kind's plug-in (kinds/). Every attempt
// prepares the parties (job.ready: their checks, stats and per-job keys), hands out the keys, each
// signed by its owner, opens the relay and starts the parties. A party that drops out pauses the
// job (waiting-for-party); when it is back, the job runs a new attempt that resumes from the
// parties' checkpoints (resume.ts). A restarted coordinator does the same for every unfinished job.
// Before the first attempt every party reviews the job (job.review: the very job.prepare body it
// will get) and answers job.approval; the job is `awaiting-approval` while any party's compliance
// staff have still to approve it, and `rejected` if one of them refuses it.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { FedmarkError, fromWireError, serializeError, toFedmarkError } from '../../errors/table.ts';
import { PUBLIC_KEY_BYTES } from '../../protocol/e2e/channel.ts';
import { isReply, isRequest, REPLIES, type BodyOf, type LinkFrame, type LinkMessage } from '../../protocol/messages/index.ts';
import type { JobParty, JobResult, JobSpec, JobView } from '../../protocol/messages/jobSpec.ts';
import type { JobPrepareBody } from '../../protocol/messages/job.ts';
import type { TrainProgress } from '../../protocol/messages/train.ts';
import type { PartyLinks } from '../links.ts';
import type { PartyRequests } from '../partyRequests.ts';
import type { Store } from '../store.ts';
import { awaitParties, resumePoint } from './resume.ts';
import { kindOf } from './kinds/index.ts';
import type { AttemptContext, KindJob, KindRun } from './kinds/kind.ts';

/** Frames of an attempt other than the job's current one are late or duplicated: they are dropped. */
function attemptOf(frame: LinkFrame): number | undefined {
  return frame.body !== undefined && 'attempt' in frame.body ? frame.body.attempt : undefined;
}

const TERMINAL_STATES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'cancelled', 'rejected']);

/** A job waiting for its parties' approvals: who is still to approve, and how the wait ends. */
interface ApprovalWait {
  missing: Set<string>;
  settle(err?: Error): void;
}

export class JobRunner {
  private readonly store: Store;
  private readonly links: PartyLinks;
  private readonly log: Logger;
  private readonly stepTimeoutMs: number;
  /** The link's tracker: the waits of every job run here. */
  private readonly mailbox: PartyRequests;
  private readonly finished = new Map<string, Promise<JobView>>();
  /** The kind's run of each job's current attempt, from when its parties are ready. */
  private readonly runs = new Map<string, KindRun>();
  /** The attempt each running job is on. */
  private readonly attempts = new Map<string, number>();
  /** Jobs waiting for approvals. */
  private readonly approvalWaits = new Map<string, ApprovalWait>();
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
      if (frame.kind === 'job.approval') return this.onApproval(party, frame);
      if (frame.kind === 'error') return this.onRejectedFrame(party, frame);
      const attempt = attemptOf(frame);
      if (frame.job !== undefined && attempt !== undefined && attempt !== this.attempts.get(frame.job)) {
        this.log.info({ party, job: frame.job, kind: frame.kind, attempt }, 'frame of another attempt dropped');
        return;
      }
      if (frame.kind === 'job.checkpoint') return this.recordCheckpoint(party, frame);
      const run = frame.job === undefined ? undefined : this.runs.get(frame.job);
      if (run?.onFrame?.(party, frame)) return;
      if (isRequest(frame)) return this.unexpectedRequest(party, frame);
      if (!this.mailbox.deliver(party, frame)) this.log.warn({ party, kind: frame.kind }, 'frame without a job ignored');
    });
  }

  /** Stops every run where it is, leaving its state as it was so the next start resumes it. */
  async close(): Promise<void> {
    this.shutdown.abort();
    for (const wait of this.approvalWaits.values()) wait.settle(new FedmarkError('FM_ERR_INTERNAL', { reason: 'coordinator stopping' }));
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

  /** `spec` has passed checkJobSpec; `submittedBy` is the caller's key id (the model's trainer). */
  submit(spec: JobSpec, submittedBy?: string): string {
    const id = `job-${randomUUID()}`;
    this.store.createJob(id, spec, submittedBy);
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
    this.approvalWaits.get(id)?.settle(reason);
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
    let ended: 'succeeded' | 'failed' | 'cancelled' | 'rejected' | undefined;
    let approved = false;
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
        if (!approved) {
          await this.awaitApprovals(id, spec);
          approved = true;
          if (this.store.job(id)?.state === 'cancelled') {
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
      else if (err instanceof FedmarkError && err.code === 'FM_ERR_JOB_REJECTED') {
        const error = serializeError(err);
        log.warn({ reason: error.message }, 'job rejected by a party');
        this.store.setState(id, 'rejected', { error });
        ended = 'rejected';
      } else if (!this.shutdown.signal.aborted) {
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
    const reason = ended === 'succeeded' ? 'job succeeded' : ended === 'cancelled' ? 'job cancelled' : (this.store.job(id)?.error?.message ?? `job ${ended}`);
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

  /** The job.prepare body `party` gets (without an attempt: what it reviews and approves). */
  private prepareBody(spec: JobSpec, kind: KindJob, party: string, attempt?: number): JobPrepareBody {
    const me: JobParty | undefined = spec.parties.find((p) => p.id === party);
    if (!me) throw new FedmarkError('FM_ERR_INTERNAL', { reason: `party ${party} vanished from job` });
    const peers = spec.parties.filter((p) => p.id !== party).map((p) => ({ id: p.id, role: p.role }));
    const common = { name: spec.name, role: me.role, dataset: me.data, peers, ...(attempt === undefined ? {} : { attempt }), ...(me.evaluation ? { evaluation: me.evaluation } : {}) };
    return kind.prepare(me, common);
  }

  /**
   * Sends every party still to approve the job its job.review (again when its link comes back) and
   * waits until all have approved; a rejection ends the wait with FM_ERR_JOB_REJECTED. No deadline:
   * people approve; the job can be cancelled meanwhile.
   */
  private async awaitApprovals(id: string, spec: JobSpec): Promise<void> {
    const parties = spec.parties.map((p) => p.id);
    const missing = new Set(this.store.approvalsMissing(id, parties));
    if (missing.size === 0 || this.store.job(id)?.state === 'cancelled') return;
    if (this.shutdown.signal.aborted) throw new FedmarkError('FM_ERR_INTERNAL', { reason: 'coordinator stopping' });
    const kind = kindOf(spec);
    const review = (party: string) => this.links.send(party, 'job.review', { prepare: this.prepareBody(spec, kind, party) }, { job: id });
    await new Promise<void>((resolve, reject) => {
      const onConnected = (party: string) => void (missing.has(party) && review(party));
      this.links.on('connected', onConnected);
      this.approvalWaits.set(id, {
        missing,
        settle: (err) => {
          this.approvalWaits.delete(id);
          this.links.off('connected', onConnected);
          if (err) reject(err);
          else resolve();
        },
      });
      for (const party of missing) if (this.links.isOnline(party)) review(party);
    });
  }

  /**
   * A party rejected a frame of a job (its link answers `error` naming the job): the party did not
   * take that step, so the job's waits end now with the party's reason, rather than at a step's
   * timeout or, for approval, never.
   */
  private onRejectedFrame(party: string, frame: LinkMessage<'error'>): void {
    const job = frame.job;
    const view = job === undefined ? undefined : this.store.job(job);
    if (job === undefined || !view || TERMINAL_STATES.has(view.state) || !this.store.jobSpec(job)?.parties.some((p) => p.id === party)) return;
    const { code, message } = frame.body.error;
    const err = new FedmarkError('FM_ERR_JOB_PARTY_FAILED', { party, reason: `it rejected a message of this job (${code}: ${message})` });
    this.mailbox.abort(job, err);
    this.approvalWaits.get(job)?.settle(err);
  }

  /** A party's job.approval: recorded for the job's view; it may end the job's wait. */
  private onApproval(party: string, frame: LinkMessage<'job.approval'>): void {
    const job = frame.job;
    const spec = job === undefined ? undefined : this.store.jobSpec(job);
    if (job === undefined || !spec?.parties.some((p) => p.id === party)) return void this.log.warn({ party, job }, 'approval for a job the party is not in dropped');
    this.store.setApproval(job, party, frame.body);
    const wait = this.approvalWaits.get(job);
    if (!wait) return;
    const { state, reason, rejectedBy } = frame.body;
    if (state === 'rejected') {
      return wait.settle(new FedmarkError('FM_ERR_JOB_REJECTED', { party, job, reason: `${reason ?? 'no reason given'}${rejectedBy ? ` (${rejectedBy})` : ''}` }));
    }
    if (state === 'approved') wait.missing.delete(party);
    else if (this.store.job(job)?.state !== 'awaiting-approval') this.store.setState(job, 'awaiting-approval');
    if (wait.missing.size === 0) wait.settle();
  }

  private endAttempt(id: string): void {
    this.links.closeRelay(id);
    this.mailbox.forget(id);
    this.runs.get(id)?.dispose?.();
    this.runs.delete(id);
  }

  private async runSteps(id: string, spec: JobSpec, attempt: number): Promise<JobResult> {
    const kind = kindOf(spec);
    // 1. Every party loads and checks its data before anything is exchanged.
    const ready = await this.ask(id, spec.parties.map((p) => p.id), (party) => {
      this.links.send(party, 'job.prepare', this.prepareBody(spec, kind, party, attempt), { job: id });
    }, 'job.ready');
    type ReadyKey = { key: Uint8Array; endorsement: BodyOf<'job.ready'>['endorsement'] };
    const keys = new Map<string, ReadyKey>();
    const resume = resumePoint(new Map([...ready].map(([party, f]) => [party, f.body.checkpoint])));
    if (attempt > 0) this.store.event(id, 'job.resumed', { attempt, psiReused: resume !== undefined, fromEpoch: resume?.epochs ?? 0 });
    for (const [party, frame] of ready) {
      if (frame.payload?.length !== PUBLIC_KEY_BYTES) {
        throw new FedmarkError('FM_ERR_JOB_PARTY_FAILED', { party, reason: 'job.ready without a 32-byte public key' });
      }
      keys.set(party, { key: frame.payload, endorsement: frame.body.endorsement });
      this.store.event(id, 'party.ready', { party, ...frame.body.stats });
    }

    // 2. What the kind sets up before the parties start (the arbiter's key of a vertical job).
    const ctx: AttemptContext = {
      job: id, attempt, links: this.links, store: this.store, log: this.log.child({ job: id, attempt }), stepTimeoutMs: this.stepTimeoutMs, ready, resume,
      fromEach: (k) => this.ask(id, spec.parties.map((p) => p.id), () => undefined, k),
      progress: (p) => this.progress.emit('progress', id, p),
      alive: () => this.mailbox.extend(id),
      abort: (err) => this.mailbox.abort(id, err),
    };
    const run = await kind.open(ctx);
    this.runs.set(id, run);

    // 3. Hand out the per-job public keys, each with its owner's signature (the parties check it
    // against their pins, so this relay cannot substitute one), and let the parties run through
    // the relay.
    this.links.openRelay(id, spec.parties.map((p) => p.id));
    for (const party of spec.parties.map((p) => p.id)) {
      const others = spec.parties.filter((p) => p.id !== party);
      const peers = others.map((p) => ({ id: p.id, role: p.role, endorsement: (keys.get(p.id) as ReadyKey).endorsement }));
      const payload = Buffer.concat(others.map((p) => (keys.get(p.id) as ReadyKey).key));
      this.links.send(party, 'job.start', { peers, ...(resume ? { resume } : {}) }, { job: id, payload });
    }
    if (this.shutdown.signal.aborted) throw new FedmarkError('FM_ERR_INTERNAL', { reason: 'coordinator stopping' });
    // 4. The kind runs the attempt to its end.
    return run.run();
  }

  /** A party's request no running attempt takes: between attempts it is dropped, otherwise refused. */
  private unexpectedRequest(party: string, frame: Extract<LinkFrame, { kind: keyof typeof REPLIES }>): void {
    if (frame.job !== undefined && this.attempts.has(frame.job)) return void this.log.info({ party, job: frame.job, kind: frame.kind }, 'request between attempts dropped');
    const error = serializeError(new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: frame.kind, state: 'no running job' }));
    this.log.warn({ party, job: frame.job, kind: frame.kind }, 'request for no running job refused');
    this.links.fail(party, REPLIES[frame.kind], error, { ...(frame.job === undefined ? {} : { job: frame.job }), ...(frame.request === undefined ? {} : { request: frame.request }) });
  }

  private recordCheckpoint(party: string, frame: LinkMessage<'job.checkpoint'>): void {
    if (frame.job === undefined || !this.attempts.has(frame.job)) return;
    const { attempt, epochs } = frame.body;
    this.store.recordCheckpoint(frame.job, party, attempt, epochs);
    this.mailbox.extend(frame.job);
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
