// A party node: serves its own tables to the jobs the coordinator announces. Raw rows and raw
// IDs never leave this process; it sends the coordinator aggregates, and its peers only sealed,
// blinded values.
import type { Logger } from 'pino';
import { FedmarkError, fromWireError, serializeError, toFedmarkError } from '../errors/table.ts';
import { newKeyPair, PUBLIC_KEY_BYTES, type Channel, type KeyPair } from '../protocol/e2e/channel.ts';
import { fingerprint, NO_JOB, signKey, verifyKey, type IdentityKeyPair, type KeyBinding } from '../protocol/identity/signedKey.ts';
import type { KeyEndorsementWire } from '../protocol/messages/identity.ts';
import { identityPath, loadOrCreateIdentity } from '../protocol/identity/keyFile.ts';
import { describeRefusal } from './audit/refusal.ts';
import { BlindingPool } from '../protocol/psi/pool.ts';
import type { BodyOf, LinkFrame, ReplyKind } from '../protocol/messages/index.ts';
import type { JobPrepareBody } from '../protocol/messages/job.ts';
import type { PartyConfig } from './config.ts';
import { CoordinatorLink } from './link.ts';
import { AuditLedger, ledgerPath } from './audit/ledger.ts';
import { describeNotice, describeOutbound } from './audit/outbound.ts';
import { PartyPolicy } from './policy.ts';
import { DataCatalogue, type Loaded } from './data/catalogue.ts';
import type { Dataset } from './data/dataset.ts';
import { idShapes } from './data/idShapes.ts';
import { checkPrepare } from './jobs/checkPrepare.ts';
import { openChannels } from './jobs/psi.ts';
import { clearCheckpoints, JobCheckpoints, tableFingerprint } from './jobs/checkpoint.ts';
import { splitTopic, withTopic } from './jobs/topics.ts';
import { partyKind } from './jobs/kinds/index.ts';
import type { PartyKindJob, StartPeer } from './jobs/kinds/kind.ts';
import { ScoringService } from './scoring/service.ts';
import { decodeIds } from '../protocol/messages/score.ts';
import { recutAudience } from './jobs/lookalike/recut.ts';
import { seedUploadKey, storeUploadedSeeds } from './jobs/lookalike/upload.ts';
import { preferBackend } from '../models/mlp/backendSetting.ts';
import { assignCampaign } from './campaigns/assign.ts';
import { CampaignStore } from './campaigns/store.ts';
import type { Server } from 'node:net';
import { createHash } from 'node:crypto';
import { ApprovalDesk } from './approvals/desk.ts';
import { ApprovalStore, approvalsPath } from './approvals/store.ts';
import { controlSocketPath, serveControl, type ControlReply, type ControlRequest } from './approvals/control.ts';
import { doneCounts, readyCounts } from './policy/releasedCounts.ts';

/** A job at this party: the node's bookkeeping; what is particular to its kind lives in `kind`. */
interface JobState {
  id: string;
  /** The coordinator's attempt this run belongs to (see protocol/messages/job.ts). */
  attempt: number;
  /** Aborted when the job is paused, cancelled, superseded by a newer attempt or failed here. */
  abort: AbortController;
  prepare: JobPrepareBody;
  keys: KeyPair;
  kind: PartyKindJob;
  /** The attempt's work from job.start on; settles once it has stopped. */
  work?: Promise<void>;
  /** End-to-end channels with the peers, open from job.start on. */
  channels?: Map<string, Channel>;
  /** Sealed messages that arrived before job.start was handled. */
  early: Array<{ from: string; payload: Uint8Array }>;
}

export class PartyNode {
  readonly config: PartyConfig;
  readonly link: CoordinatorLink;
  private readonly log: Logger;
  private readonly pool: BlindingPool;
  private readonly scoring: ScoringService;
  private readonly ledger: AuditLedger;
  private readonly policy: PartyPolicy;
  /** Signs this party's per-job keys; partners pin its fingerprint. */
  private readonly identity: IdentityKeyPair;
  private readonly catalogue: DataCatalogue;
  private readonly approvals: ApprovalStore;
  private readonly desk: ApprovalDesk;
  /** The local control socket `fedmark party approvals` talks to, from start() on. */
  private control: Server | undefined;
  private readonly jobs = new Map<string, JobState>();
  /** Jobs that ended here, with the attempt that ended; their data is released and late messages for them are ignored. */
  private readonly ended = new Map<string, number>();

  constructor(config: PartyConfig, log: Logger, opts: { baseDir: string } = { baseDir: process.cwd() }) {
    this.config = config;
    this.log = log;
    this.pool = new BlindingPool({ threads: config.threads });
    preferBackend(config.tensorBackend);
    this.policy = new PartyPolicy(config.id, config.policy);
    const { identity, created } = loadOrCreateIdentity(identityPath(config));
    this.identity = identity;
    // The operator reads the fingerprint here (or from `fedmark party identity`) to give to partners.
    log.info({ fingerprint: fingerprint(identity.publicKey), created, knownPartners: Object.keys(config.knownPartners) }, created ? 'identity key created' : 'identity key loaded');
    this.ledger = new AuditLedger(ledgerPath(config.workDir));
    this.link = new CoordinatorLink(config, log.child({ area: 'link' }), (bytes) => void this.ledger.append(describeOutbound(bytes)));
    this.approvals = new ApprovalStore(approvalsPath(config.workDir));
    this.desk = new ApprovalDesk({ party: config.id, policy: config.policy?.approval, store: this.approvals, record: (entry) => void this.ledger.append(entry) });
    this.catalogue = new DataCatalogue(config.id, { datasets: config.datasets, baseDir: opts.baseDir, dataRoots: config.dataRoots, maxTableBytes: config.maxTableBytes });
    this.scoring = new ScoringService({ party: config.id, workDir: config.workDir, catalogue: this.catalogue, log: log.child({ area: 'scoring' }) });
    this.link.on('frame', (frame) => this.onFrame(frame));
  }

  /** Connects to the coordinator and opens the control socket (a party asking for approval cannot run without it). */
  async start(): Promise<void> {
    const socket = controlSocketPath(this.config.workDir);
    try {
      this.control = await serveControl(socket, (request) => this.onControl(request));
      this.log.info({ socket }, 'control socket open (fedmark party approvals)');
    } catch (err) {
      if (this.config.policy?.approval) throw err;
      this.log.warn({ socket, err: toFedmarkError(err).message }, 'no control socket: fedmark party approvals cannot reach this node');
    }
    this.link.start();
  }

  async stop(): Promise<void> {
    await this.link.stop();
    await new Promise<void>((resolve) => (this.control ? this.control.close(() => resolve()) : resolve()));
    await this.pool.close();
    this.scoring.close();
    this.ledger.close();
    this.approvals.close();
  }

  /** A request of `fedmark party approvals`; a decision is reported to the coordinator at once. */
  private onControl(request: ControlRequest): ControlReply {
    if (request.op === 'list') return { ok: true, reviews: this.desk.list(request.state) };
    if (request.op === 'show') return { ok: true, review: this.desk.show(request.job) };
    const approval = this.desk.decide({ job: request.job, by: request.by, approve: request.approve, ...(request.reason ? { reason: request.reason } : {}) });
    this.log.info({ job: request.job, by: request.by, state: approval.state, approvedBy: approval.approvedBy }, request.approve ? 'job approved here' : 'job rejected here');
    // Offline, the coordinator asks again when the link is back and gets the same answer from the record.
    if (this.link.connected) this.link.send('job.approval', approval, { job: request.job });
    return { ok: true, review: this.desk.show(request.job), approval };
  }

  /** job.review: the job is recorded and approved by rule, or left for the compliance staff. */
  private review(job: string, body: BodyOf<'job.review'>): void {
    try {
      const approval = this.desk.review(job, body.prepare);
      this.log.info({ job, state: approval.state, required: approval.required }, approval.state === 'pending' ? 'job waits for approval here (fedmark party approvals list)' : `job ${approval.state} here`);
      this.link.send('job.approval', approval, { job });
    } catch (err) {
      this.report(job, 0, err);
    }
  }

  private onFrame(frame: LinkFrame): void {
    const job = frame.job;
    switch (frame.kind) {
      case 'job.review':
        if (job) this.review(job, frame.body);
        return;
      case 'job.prepare':
        if (job) void this.prepare(job, frame.body);
        return;
      case 'job.start':
        if (job) this.begin(job, frame.body, frame.payload);
        return;
      case 'job.cancel':
        if (job) void this.cancel(job, frame.body.reason);
        return;
      case 'job.pause':
        if (job) this.pause(job, frame.body.reason);
        return;
      case 'he.refused':
        if (job) this.refusedDecryption(job, frame.body);
        return;
      case 'score.request':
        return this.answer(frame, 'score.reply', frame.body.model, async () => {
          this.policy.admitScoring();
          return this.scoring.score(frame.body, decodeIds(frame.payload, frame.body.count));
        });
      case 'score.handles':
        return this.answer(frame, 'score.reply', frame.body.model, async () => {
          this.policy.admitScoring();
          return this.scoring.scoreHandles(frame.body, frame.payload);
        });
      case 'score.all':
        return this.answer(frame, 'score.reply', frame.body.model, async () => {
          this.policy.admitScoring();
          return this.scoring.scoreAll(frame.body);
        });
      case 'score.combine':
        // The second half of a request admitted when the guest issued its nonce: not counted again.
        return this.answer(frame, 'score.reply', frame.body.model, () => this.scoring.combine(frame.body, frame.payload));
      case 'score.save':
        return this.answer(frame, 'score.saved', frame.body.model, async () => ({ reply: await this.scoring.save(frame.body, frame.payload) }));
      case 'audience.cut':
        return this.answer(frame, 'audience.written', frame.body.model, async () => ({ reply: await recutAudience(this.config.workDir, frame.body, this.log) }));
      case 'campaign.assign':
        return this.answer(frame, 'campaign.assigned', `campaign ${frame.body.campaign}`, async () => ({
          reply: await assignCampaign({ workDir: this.config.workDir, party: this.config.id, log: this.log.child({ area: 'campaigns' }), minCohortSize: this.config.policy?.minCohortSize }, frame.body, frame.payload),
        }));
      case 'campaign.results':
        return this.answer(frame, 'campaign.counts', `campaign ${frame.body.campaign}`, async () => {
          const store = new CampaignStore(this.config.workDir);
          try {
            if (!store.has(frame.body.campaign)) throw new FedmarkError('FM_ERR_CAMPAIGN_NOT_FOUND', { campaign: `${frame.body.campaign} (at party ${this.config.id})` });
            return { reply: store.results(frame.body.campaign) };
          } finally {
            store.close();
          }
        });
      case 'seeds.key':
        return this.answer(frame, 'seeds.keyed', 'seed upload', async () => {
          const key = (await seedUploadKey(this.config.workDir)).publicKey;
          const endorsement = this.endorse({ owner: this.config.id, job: NO_JOB, attempt: 0, purpose: 'seed-upload-x25519', key });
          return { reply: { endorsement }, payload: key };
        });
      case 'seeds.store':
        return this.answer(frame, 'seeds.stored', 'seed upload', async () => ({
          reply: await storeUploadedSeeds(this.config.workDir, this.config.id, frame.body, frame.payload, this.log),
        }));
      case 'datasets.list':
        return this.answer(frame, 'datasets.listed', 'dataset listing', async () => {
          const { hidden } = this.policy.admitListing();
          return { reply: { datasets: await this.catalogue.list(hidden) } };
        });
      case 'relay.deliver':
        if (job) this.deliver(job, frame.body.from, frame.payload);
        return;
      case 'error':
        this.log.warn({ job, code: frame.body.error.code, reason: frame.body.error.message }, 'coordinator rejected a frame');
        if (job && this.jobs.has(job)) this.failJob(job, fromWireError(frame.body.error, 'FM_ERR_INTERNAL', { reason: 'rejected by the coordinator' }));
        return;
      default:
        return this.forJob(frame);
    }
  }

  /** A coordinator frame of the job's kind (the arbiter's key and answers, a round's request). */
  private forJob(frame: LinkFrame): void {
    const state = frame.job === undefined ? undefined : this.jobs.get(frame.job);
    if (!state) {
      if (frame.job !== undefined && !this.ended.has(frame.job)) return this.failJob(frame.job, new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: frame.kind, state: 'unprepared' }));
      return void this.log.warn({ job: frame.job, kind: frame.kind }, 'message for no running job dropped');
    }
    try {
      if (!state.kind.onFrame(frame)) this.log.warn({ job: state.id, kind: frame.kind }, 'unexpected message from coordinator');
    } catch (err) {
      this.failRun(state, err);
    }
  }

  /** Load and check the data before anything is exchanged; answer with aggregates and a job key. */
  private async prepare(job: string, approved: JobPrepareBody): Promise<void> {
    const log = this.log.child({ job });
    const attempt = approved.attempt ?? 0;
    const current = this.jobs.get(job)?.attempt ?? this.ended.get(job) ?? -1;
    // A repeated or older job.prepare changes nothing: the steps of one attempt run once.
    if (attempt <= current) return log.warn({ attempt, current }, 'job.prepare for an attempt already seen ignored');
    const previous = this.jobs.get(job);
    if (previous) this.halt(previous, new FedmarkError('FM_ERR_JOB_PARTY_FAILED', { party: 'coordinator', reason: `superseded by attempt ${attempt}` }));
    // Claimed now, before the awaits below, so a duplicate arriving meanwhile is ignored.
    this.ended.set(job, attempt);
    const abort = new AbortController();
    try {
      checkPrepare(job, approved);
      // The body must be the one approved here, before anything is read.
      this.desk.admitPrepare(job, approved);
      const plugin = partyKind(approved.kind);
      this.policy.admitJob(approved);
      const body: JobPrepareBody = { ...approved, dataset: this.policy.withConsent(approved.dataset) };
      const started = performance.now();
      const loaded = await this.catalogue.load(body.dataset);
      const { dataset } = loaded;
      this.policy.admitFeatureColumns(body.kind, Object.keys(dataset.stats.missingRate));
      this.recordConsent(job, dataset.stats);
      this.policy.admitCells(readyCounts(dataset.stats));
      const evaluation = body.evaluation ? await this.loadEvaluation(body, dataset) : undefined;
      const checkpoints = new JobCheckpoints(this.config.workDir, job, tableFingerprint([loaded.fingerprint, ...(evaluation ? [evaluation.fingerprint] : [])]));
      const kind = await plugin.prepare({
        job, attempt, prepare: body, dataset, ...(evaluation ? { evaluation: evaluation.dataset } : {}), config: this.config, catalogue: this.catalogue,
        policy: this.policy, link: this.link, checkpoints, pool: this.pool, signal: abort.signal, log,
      });
      log.info({ rows: dataset.stats.totalRows, consenting: dataset.rows, features: dataset.featureNames.length, ms: Math.round(performance.now() - started) }, 'dataset loaded');
      const shapes = idShapes(dataset.idList);
      if (shapes.numericRewrite > 0) log.warn(shapes, 'IDs look like numbers a spreadsheet or pandas rewrote (1.23E+11, 123.0): IDs match as text, so they match only IDs a partner wrote the same way');
      else if (shapes.leadingZero > 0) log.info(shapes, 'IDs with leading zeros: they match as written, so a partner that dropped the zeros matches none of them');
      const keys = newKeyPair();
      const held = await checkpoints.held();
      if (this.ended.get(job) !== attempt) return;
      this.ended.delete(job);
      this.jobs.set(job, { id: job, attempt, abort, prepare: body, keys, kind, early: [] });
      if (held) log.info({ attempt, psiAttempt: held.psi, epochs: held.epochs }, 'checkpoints found');
      const endorsement = this.endorse({ owner: this.config.id, job, attempt, purpose: 'e2e-x25519', key: keys.publicKey });
      this.link.send('job.ready', { stats: dataset.stats, attempt, endorsement, ...(held ? { checkpoint: held } : {}) }, { job, payload: keys.publicKey });
    } catch (err) {
      if (this.ended.get(job) === attempt) this.report(job, attempt, err);
    }
  }

  /** With a consent column in its policy, how many rows it dropped before PSI goes into the ledger. */
  private recordConsent(job: string, stats: Dataset['stats']): void {
    const column = this.config.policy?.consentColumn;
    if (column === undefined) return;
    const note = JSON.stringify({ column, consenting: stats.consentingRows, dropped: stats.droppedWithoutConsent });
    this.ledger.append({ job, kind: 'policy.consent', to: 'self', bytes: 0, sha256: createHash('sha256').update(note).digest('hex'), note });
  }

  /** job.start: the peers' keys checked against the pins, channels opened, the kind's work started. */
  private begin(job: string, body: BodyOf<'job.start'>, payload: Uint8Array | undefined): void {
    const state = this.jobs.get(job);
    try {
      if (!state) throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'job.start', state: 'unprepared' });
      if (payload?.length !== body.peers.length * PUBLIC_KEY_BYTES) {
        throw new FedmarkError('FM_ERR_WIRE_MALFORMED', { reason: 'job.start must carry one 32-byte key per peer' });
      }
      const peers: StartPeer[] = body.peers.map((p, i) => ({ ...p, publicKey: payload.subarray(i * PUBLIC_KEY_BYTES, (i + 1) * PUBLIC_KEY_BYTES) }));
      for (const peer of peers) this.checkPeerKey(state, peer);
      const channels = openChannels(job, this.config.id, peers, state.keys);
      state.channels = channels;
      const work = state.kind.start({
        peers, channels, resume: body.resume,
        relay: (peer, topic, frame) => {
          const channel = channels.get(peer);
          if (!channel) throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: `${topic} message`, state: `no channel with ${peer}` });
          this.link.send('relay.send', { to: peer }, { job, payload: channel.seal(withTopic(topic, frame)) });
        },
      });
      for (const m of state.early.splice(0)) this.deliver(job, m.from, m.payload);
      state.work = work.then((done) => {
        if (state.abort.signal.aborted) return;
        // A count below the policy's minimum cell size fails the job here, before the report leaves.
        if (done) this.policy.admitCells(doneCounts(done));
        this.end(job);
        if (done) this.link.send('job.done', done, { job });
      }).catch((err: unknown) => this.failRun(state, err));
    } catch (err) {
      if (state) this.failRun(state, err);
      else this.failJob(job, err);
    }
  }

  private endorse(binding: KeyBinding): KeyEndorsementWire {
    const { identity, signature } = signKey(this.identity, binding);
    return { identity: Buffer.from(identity).toString('hex'), signature: Buffer.from(signature).toString('hex') };
  }

  /**
   * A peer's channel key must be signed by the identity this party pinned for it, for this job and
   * attempt: otherwise the coordinator could have put in a key of its own and read the channel.
   * A refusal is recorded in the ledger before the job fails.
   */
  private checkPeerKey(state: JobState, peer: BodyOf<'job.start'>['peers'][number] & { publicKey: Uint8Array }): void {
    const binding = { owner: peer.id, job: state.id, attempt: state.attempt, purpose: 'e2e-x25519' as const, key: peer.publicKey };
    const endorsement = peer.endorsement && { identity: Buffer.from(peer.endorsement.identity, 'hex'), signature: Buffer.from(peer.endorsement.signature, 'hex') };
    try {
      verifyKey(this.config.knownPartners, binding, endorsement);
    } catch (err) {
      this.ledger.append(describeRefusal(state.id, 'peer-key', peer.id, peer.publicKey));
      throw err;
    }
  }

  private deliver(job: string, from: string, payload: Uint8Array | undefined): void {
    const state = this.jobs.get(job);
    if (!state) {
      if (!this.ended.has(job)) this.log.warn({ job, from }, 'relayed message for no running job dropped');
      return;
    }
    if (!state.channels) {
      state.early.push({ from, payload: payload ?? new Uint8Array(0) });
      return;
    }
    const channel = state.channels.get(from);
    try {
      if (!channel) throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'relay.deliver', state: `no channel with ${from}` });
      const { topic, frame } = splitTopic(channel.open(payload ?? new Uint8Array(0)));
      if (topic === undefined) throw new FedmarkError('FM_ERR_WIRE_MALFORMED', { reason: `unknown topic from ${from}` });
      state.kind.deliver(from, topic, frame);
    } catch (err) {
      this.failRun(state, err);
    }
  }

  /** Runs the work a request asks for and replies with its result, or with an error reply (no body). */
  private answer<K extends ReplyKind>(request: LinkFrame, kind: K, what: string, work: () => Promise<{ reply: BodyOf<K>; payload?: Buffer }>): void {
    const opts = { ...(request.job === undefined ? {} : { job: request.job }), ...(request.request === undefined ? {} : { request: request.request }) };
    work().then(
      ({ reply, payload }) => this.link.send(kind, reply, { ...opts, ...(payload ? { payload } : {}) }),
      (err: unknown) => {
        const error = serializeError(err);
        this.log.warn({ request: what, code: error.code }, 'request failed');
        this.link.fail(kind, error, opts);
      },
    ).catch((err: unknown) => this.log.warn({ request: what, err: toFedmarkError(err).message }, 'reply not sent'));
  }

  /** A partner asked the arbiter for more than the protocol gives: the attempt goes into this party's ledger. */
  private refusedDecryption(job: string, notice: BodyOf<'he.refused'>): void {
    this.log.warn({ job, party: notice.party, reason: notice.reason }, 'the arbiter refused a decryption request of a partner');
    this.ledger.append(describeNotice(job, 'he.refused', notice));
  }

  /** The evaluation table: the same column settings as the training table, another source. */
  private async loadEvaluation(body: JobPrepareBody, train: Dataset): Promise<Loaded> {
    const loaded = await this.catalogue.load(body.dataset, body.evaluation);
    const evaluation = loaded.dataset;
    if (evaluation.featureNames.join('\u0000') !== train.featureNames.join('\u0000')) {
      const missing = train.featureNames.find((n) => !evaluation.featureNames.includes(n)) ?? evaluation.featureNames.find((n) => !train.featureNames.includes(n));
      throw new FedmarkError('FM_ERR_DATA_SPEC', { party: this.config.id, file: evaluation.file, field: 'evaluation', reason: `its features differ from the training table's (first difference: ${missing ?? 'column order'})` });
    }
    return loaded;
  }

  /** The job will not be resumed: stop its work and delete its checkpoints (not its finished outputs). */
  private async cancel(job: string, reason: string): Promise<void> {
    const state = this.jobs.get(job);
    this.log.info({ job, reason }, 'job ended by coordinator');
    if (state) this.halt(state, new FedmarkError('FM_ERR_JOB_PARTY_FAILED', { party: 'coordinator', reason: 'job cancelled' }));
    this.ended.set(job, Number.MAX_SAFE_INTEGER);
    // A checkpoint being written as the job stops must not land after the delete.
    await state?.work;
    await clearCheckpoints(this.config.workDir, job).catch((err: unknown) => this.log.warn({ job, err: toFedmarkError(err).message }, 'could not delete checkpoints'));
  }

  /** A peer dropped out: stop this attempt's work and keep the checkpoints for the next attempt. */
  private pause(job: string, reason: string): void {
    const state = this.jobs.get(job);
    if (!state) return;
    this.log.info({ job, attempt: state.attempt, reason }, 'job paused by coordinator');
    this.halt(state, new FedmarkError('FM_ERR_JOB_PARTY_FAILED', { party: 'coordinator', reason: 'job paused' }));
  }

  /** Ends a run here: its loops stop at their next step, waits fail, its workers get no new tasks. */
  private halt(state: JobState, reason: FedmarkError): void {
    if (this.jobs.get(state.id) === state) this.end(state.id);
    if (state.abort.signal.aborted) return;
    state.abort.abort(reason);
    state.kind.halt(reason);
  }

  private end(job: string): void {
    const attempt = this.jobs.get(job)?.attempt ?? 0;
    this.jobs.delete(job);
    this.ended.set(job, Math.max(attempt, this.ended.get(job) ?? 0));
  }

  /** A run failed here: unless it was stopped on purpose, stop the rest of it and tell the coordinator. */
  private failRun(state: JobState, err: unknown): void {
    if (state.abort.signal.aborted) {
      const reason = toFedmarkError(state.abort.signal.reason);
      return void this.log.info({ job: state.id, attempt: state.attempt, reason: reason.message }, 'job work stopped');
    }
    const error = toFedmarkError(err);
    this.halt(state, error);
    this.report(state.id, state.attempt, error);
  }

  private failJob(job: string, err: unknown): void {
    const state = this.jobs.get(job);
    if (state) return this.failRun(state, err);
    if (this.ended.has(job)) return;
    this.ended.set(job, 0);
    this.report(job, 0, err);
  }

  private report(job: string, attempt: number, err: unknown): void {
    const error = toFedmarkError(err);
    this.log.warn({ job, attempt, code: error.code, reason: error.message, ...(error.local ? { detail: error.local } : {}) }, 'job failed at this party');
    if (this.link.connected) this.link.send('job.failed', { attempt, error: serializeError(error) }, { job });
  }
}
