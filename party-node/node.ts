// A party node: serves its own tables to the jobs the coordinator announces. Raw rows and raw
// IDs never leave this process; it sends the coordinator aggregates, and its peers only sealed,
// blinded values.
import type { Logger } from 'pino';
import { FedmarkError, fromWireError, serializeError, toFedmarkError } from '../errors/table.ts';
import { newKeyPair, PUBLIC_KEY_BYTES, type KeyPair } from '../protocol/e2e/channel.ts';
import { fingerprint, NO_JOB, signKey, verifyKey, type IdentityKeyPair, type KeyBinding } from '../protocol/identity/signedKey.ts';
import type { KeyEndorsementWire } from '../protocol/messages/identity.ts';
import { identityPath, loadOrCreateIdentity } from '../protocol/identity/keyFile.ts';
import { describeRefusal } from './audit/refusal.ts';
import { BlindingPool } from '../protocol/psi/pool.ts';
import type { BodyOf, LinkFrame } from '../protocol/messages/index.ts';
import type { PartyConfig } from './config.ts';
import { CoordinatorLink } from './link.ts';
import { AuditLedger, ledgerPath } from './audit/ledger.ts';
import { describeNotice, describeOutbound } from './audit/outbound.ts';
import { PartyPolicy } from './policy.ts';
import type { Dataset } from './data/dataset.ts';
import { DataCatalogue, type Loaded } from './data/catalogue.ts';
import { checkUnderRoots } from './data/roots.ts';
import { checkPrepare } from './jobs/checkPrepare.ts';
import { openChannels, startPsi, writeIntersection, type PsiRun } from './jobs/psi.ts';
import { reuseStores } from './jobs/psiReuse.ts';
import { clearCheckpoints, JobCheckpoints, tableFingerprint } from './jobs/checkpoint.ts';
import type { Channel } from '../protocol/e2e/channel.ts';
import { splitTopic, withTopic } from './jobs/topics.ts';
import { runVertical } from './jobs/vertical/run.ts';
import { ArbiterClient } from './jobs/vertical/arbiterClient.ts';
import { ScoringService } from './scoring/service.ts';
import { scoringPartners, writeHandles } from './scoring/handles.ts';
import { decodeIds } from '../protocol/messages/train.ts';
import { Inbox } from '../protocol/vertical/inbox.ts';
import { loadSeeds, requireSeeds, type SeedList } from './jobs/lookalike/seeds.ts';
import { recutAudience } from './jobs/lookalike/recut.ts';
import { seedUploadKey, storeUploadedSeeds, uploadedSeedsPath } from './jobs/lookalike/upload.ts';
import { vlrCodec, type VlrFrame } from '../protocol/vertical/messages.ts';
import { startHorizontal } from './jobs/horizontal/start.ts';
import { COORDINATOR, type HflItemFrame } from './jobs/horizontal/member.ts';
import { hflPeerCodec } from '../protocol/horizontal/messages.ts';
import { preferBackend } from '../models/mlp/backendSetting.ts';

interface JobState {
  id: string;
  /** The coordinator's attempt this run belongs to (see protocol/messages/job.ts). */
  attempt: number;
  /** Aborted when the job is paused, cancelled, superseded by a newer attempt or failed here. */
  abort: AbortController;
  checkpoints: JobCheckpoints;
  prepare: BodyOf<'job.prepare'>;
  dataset: Dataset;
  keys: KeyPair;
  psi?: PsiRun;
  /** The attempt's work from job.start on; settles once it has stopped. */
  work?: Promise<void>;
  /** End-to-end channels with the peers, open from job.start on (PSI and training). */
  channels?: Map<string, Channel>;
  /** The evaluation tables' PSI, when the job gives evaluation tables. */
  psiEval?: PsiRun;
  evaluation?: Dataset;
  /** The arbiter's BFV public key (vertical training). */
  heKey?: Uint8Array;
  /** Training messages from peers wait here until the training loop takes them. */
  vlr: Inbox<VlrFrame>;
  /** Guest of a lookalike job: the seed list. */
  seeds?: SeedList;
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
  private readonly ledger: AuditLedger;
  private readonly policy: PartyPolicy;
  /** Signs this party's per-job keys; partners pin its fingerprint. */
  private readonly identity: IdentityKeyPair;
  private readonly catalogue: DataCatalogue;
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
    this.catalogue = new DataCatalogue(config.id, { datasets: config.datasets, baseDir: opts.baseDir, dataRoots: config.dataRoots });
    this.scoring = new ScoringService({ party: config.id, workDir: config.workDir, catalogue: this.catalogue, log: log.child({ area: 'scoring' }) });
    this.arbiter = new ArbiterClient((job, body, payload) => {
      const state = this.jobs.get(job);
      if (!state) throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'he.decrypt', state: 'job stopped' });
      this.link.send('he.decrypt', { ...body, attempt: state.attempt }, { job, payload });
    });
    this.link.on('frame', (frame) => this.onFrame(frame));
  }

  start(): void {
    this.link.start();
  }

  async stop(): Promise<void> {
    await this.link.stop();
    await this.pool.close();
    this.ledger.close();
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
        if (job) void this.cancel(job, (frame.body as BodyOf<'job.cancel'>).reason);
        return;
      case 'job.pause':
        if (job) this.pause(job, (frame.body as BodyOf<'job.pause'>).reason);
        return;
      case 'he.keys':
        if (job) this.heKeys(job, frame.payload);
        return;
      case 'he.plain':
        if (job) this.arbiter.answer((frame.body as BodyOf<'he.plain'>).request, frame.payload);
        return;
      case 'he.refused':
        if (job) this.refusedDecryption(job, frame.body as BodyOf<'he.refused'>);
        return;
      case 'score.request':
        void this.scoreRequest(job, frame.body as BodyOf<'score.request'>, frame.payload);
        return;
      case 'score.handles':
        void this.answer(frame.body as BodyOf<'score.handles'>, 'score.reply', async () => {
          this.policy.admitScoring();
          return this.scoring.scoreHandles(frame.body as BodyOf<'score.handles'>, frame.payload);
        });
        return;
      case 'score.all':
        void this.answer(frame.body as BodyOf<'score.all'>, 'score.reply', async () => {
          this.policy.admitScoring();
          return this.scoring.scoreAll(frame.body as BodyOf<'score.all'>);
        });
        return;
      case 'score.save':
        void this.answer(frame.body as BodyOf<'score.save'>, 'score.saved', async () => ({ reply: await this.scoring.save(frame.body as BodyOf<'score.save'>, frame.payload) }));
        return;
      case 'audience.cut':
        void this.answer(frame.body as BodyOf<'audience.cut'>, 'audience.written', async () => ({ reply: await recutAudience(this.config.workDir, frame.body as BodyOf<'audience.cut'>, this.log) }));
        return;
      case 'seeds.key':
        void this.answer({ request: (frame.body as BodyOf<'seeds.key'>).request, model: 'seed upload' }, 'seeds.keyed', async () => {
          const key = (await seedUploadKey(this.config.workDir)).publicKey;
          const endorsement = this.endorse({ owner: this.config.id, job: NO_JOB, attempt: 0, purpose: 'seed-upload-x25519', key });
          return { reply: { request: (frame.body as BodyOf<'seeds.key'>).request, endorsement }, payload: key };
        });
        return;
      case 'seeds.store':
        void this.answer({ request: (frame.body as BodyOf<'seeds.store'>).request, model: 'seed upload' }, 'seeds.stored', async () => ({
          reply: await storeUploadedSeeds(this.config.workDir, this.config.id, frame.body as BodyOf<'seeds.store'>, frame.payload, this.log),
        }));
        return;
      case 'datasets.list': {
        const { request } = frame.body as BodyOf<'datasets.list'>;
        void this.answer({ request, model: 'dataset listing' }, 'datasets.listed', async () => {
          const { hidden } = this.policy.admitListing();
          return { reply: { request, datasets: await this.catalogue.list(hidden) } };
        });
        return;
      }
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
    const attempt = body.attempt ?? 0;
    const current = this.jobs.get(job)?.attempt ?? this.ended.get(job) ?? -1;
    // A repeated or older job.prepare changes nothing: the steps of one attempt run once.
    if (attempt <= current) return log.warn({ attempt, current }, 'job.prepare for an attempt already seen ignored');
    const previous = this.jobs.get(job);
    if (previous) this.halt(previous, new FedmarkError('FM_ERR_JOB_PARTY_FAILED', { party: 'coordinator', reason: `superseded by attempt ${attempt}` }));
    // Claimed now, before the awaits below, so a duplicate arriving meanwhile is ignored.
    this.ended.set(job, attempt);
    try {
      checkPrepare(job, body);
      this.policy.admitJob(body);
      const started = performance.now();
      const loaded = await this.catalogue.load(body.dataset);
      const { dataset } = loaded;
      this.policy.admitFeatureColumns(body.kind, Object.keys(dataset.stats.missingRate));
      const evaluation = body.evaluation ? await this.loadEvaluation(body, dataset) : undefined;
      const seeds = body.seeds ? await this.loadSeeds(body, dataset) : undefined;
      log.info({ rows: dataset.stats.totalRows, consenting: dataset.rows, features: dataset.featureNames.length, ms: Math.round(performance.now() - started) }, 'dataset loaded');
      const keys = newKeyPair();
      const checkpoints = new JobCheckpoints(this.config.workDir, job, tableFingerprint([loaded.fingerprint, ...(evaluation ? [evaluation.fingerprint] : [])]));
      const held = await checkpoints.held();
      if (this.ended.get(job) !== attempt) return;
      this.ended.delete(job);
      const state: JobState = { id: job, attempt, abort: new AbortController(), checkpoints, prepare: body, dataset, keys, early: [], vlr: new Inbox<VlrFrame>(), hfl: new Inbox<HflItemFrame>(), ...(evaluation ? { evaluation: evaluation.dataset } : {}), ...(seeds ? { seeds } : {}) };
      this.jobs.set(job, state);
      if (held) log.info({ attempt, psiAttempt: held.psi, epochs: held.epochs }, 'checkpoints found');
      const endorsement = this.endorse({ owner: this.config.id, job, attempt, purpose: 'e2e-x25519', key: keys.publicKey });
      this.link.send('job.ready', { stats: dataset.stats, attempt, endorsement, ...(held ? { checkpoint: held } : {}) }, { job, payload: keys.publicKey });
    } catch (err) {
      if (this.ended.get(job) === attempt) this.report(job, attempt, err);
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
      for (const peer of peers) this.checkPeerKey(state, peer);
      const started = performance.now();
      const channels = openChannels(job, this.config.id, peers, state.keys);
      state.channels = channels;
      if (state.prepare.kind === 'horizontal') {
        for (const m of state.early.splice(0)) this.deliver(job, m.from, m.payload);
        state.work = startHorizontal({ node: this.config, policy: this.policy, link: this.link, job, state: { ...state, channels }, log: this.log.child({ job }) })
          .then(() => this.end(job))
          .catch((err: unknown) => this.failRun(state, err));
        return;
      }
      const common = {
        role: state.prepare.role, peers, channels, pool: this.pool, chunkSize: this.config.psiChunkSize,
        relay: (to: string, sealed: Buffer) => this.link.send('relay.send', { to }, { job, payload: sealed }),
      };
      // A resumed attempt reuses the stored intersection: a new PSI run would order it differently.
      const resume = body.resume;
      if (!resume) {
        state.psi = startPsi({ ...common, domain: job, topic: 'psi', dataset: state.dataset, reuse: reuseStores({ party: this.config.id, workDir: this.config.workDir, partners: this.config.psiReuse, dataset: state.prepare.dataset }) });
        if (state.evaluation) state.psiEval = startPsi({ ...common, domain: `${job}/evaluation`, topic: 'psiEval', dataset: state.evaluation });
      }
      for (const m of state.early.splice(0)) this.deliver(job, m.from, m.payload);
      const evalRows = state.psiEval?.session.start();
      // Awaited below once the main PSI is done; if that fails first, this rejection is already reported.
      evalRows?.catch(() => undefined);
      const intersection = resume
        ? state.checkpoints.loadPsi(resume.psi)
        : (state.psi as PsiRun).session.start().then(async (rows) => {
          this.policy.admitCohort(rows.length, 'intersection');
          const found = { attempt: state.attempt, rows, ...(evalRows ? { evalRows: await evalRows } : {}) };
          if (found.evalRows) this.policy.admitCohort(found.evalRows.length, 'evaluation intersection');
          await state.checkpoints.savePsi(found.attempt, found.rows, found.evalRows);
          await writeIntersection(this.config.workDir, job, state.dataset, rows);
          await writeHandles(this.config.workDir, job, channels, scoringPartners(state.prepare.role, peers), rows.length);
          if (state.evaluation && found.evalRows) await writeIntersection(this.config.workDir, job, state.evaluation, found.evalRows, 'evaluation-intersection.csv');
          this.log.info({ job, intersectionSize: rows.length, ms: Math.round(performance.now() - started) }, 'PSI finished');
          return found;
        });
      state.work = intersection.then(
        async ({ attempt: psiAttempt, rows, evalRows: evaluationRows }) => {
          const done: BodyOf<'job.done'> = { psi: { intersectionSize: rows.length }, attempt: state.attempt };
          const evaluation = state.evaluation && evaluationRows ? { dataset: state.evaluation, rows: evaluationRows } : undefined;
          if (evaluation) done.psi.evaluationSize = evaluation.rows.length;
          if (state.prepare.kind === 'vertical') {
            const from = resume?.epochs ?? 0;
            if (resume) this.log.info({ job, attempt: state.attempt, epochs: from }, 'resuming training from checkpoint');
            done.train = await this.train(state, rows, evaluation, { psi: psiAttempt, epochs: from });
          }
          if (state.abort.signal.aborted) return;
          this.end(job);
          this.link.send('job.done', done, { job });
        },
      ).catch((err: unknown) => this.failRun(state, err));
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
      if (topic === 'psi' && state.psi) state.psi.session.receive(from, frame);
      else if (topic === 'psiEval' && state.psiEval) state.psiEval.session.receive(from, frame);
      else if (topic === 'vlr') state.vlr.push({ from, frame: vlrCodec.decode(frame, this.config.maxFrameBytes) });
      else if (topic === 'hfl') {
        const f = hflPeerCodec.decode(frame, this.config.maxFrameBytes);
        state.hfl.push({ from, frame: { kind: f.kind, body: f.body, ...(f.payload ? { payload: f.payload } : {}) } });
      }
      else throw new FedmarkError('FM_ERR_WIRE_MALFORMED', { reason: `unknown topic from ${from}` });
    } catch (err) {
      this.failRun(state, err);
    }
  }

  private async scoreRequest(job: string | undefined, body: BodyOf<'score.request'>, ids: Uint8Array | undefined): Promise<void> {
    try {
      this.policy.admitScoring();
      const { reply, payload } = await this.scoring.score(body, decodeIds(ids, body.count));
      this.link.send('score.reply', reply, { ...(job ? { job } : {}), payload });
    } catch (err) {
      const error = serializeError(err);
      this.log.warn({ model: body.model, code: error.code }, 'scoring request failed');
      this.link.send('score.reply', { request: body.request, unscorable: [] }, { ...(job ? { job } : {}), error });
    }
  }

  /** Runs one scoring step and replies with its result, or with the error in the envelope. */
  private async answer<K extends 'score.reply' | 'score.saved' | 'audience.written' | 'seeds.keyed' | 'seeds.stored' | 'datasets.listed'>(
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
      const empty = (kind === 'score.reply' ? { request: body.request, unscorable: [] }
        : kind === 'audience.written' ? { request: body.request, path: '', size: 0 }
          : kind === 'seeds.keyed' ? { request: body.request }
            : kind === 'seeds.stored' ? { request: body.request, rows: 0 }
              : kind === 'datasets.listed' ? { request: body.request, datasets: [] } : { request: body.request, path: '', rows: 0 }) as BodyOf<K>;
      this.link.send(kind, empty, { error });
    }
  }

  /** A partner asked the arbiter for more than the protocol gives: the attempt goes into this party's ledger. */
  private refusedDecryption(job: string, notice: BodyOf<'he.refused'>): void {
    this.log.warn({ job, party: notice.party, reason: notice.reason }, 'the arbiter refused a decryption request of a partner');
    this.ledger.append(describeNotice(job, 'he.refused', notice));
  }

  private heKeys(job: string, payload: Uint8Array | undefined): void {
    const state = this.jobs.get(job);
    if (!state || !payload) return this.failJob(job, new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'he.keys', state: state ? 'no key in payload' : 'unprepared' }));
    state.heKey = Uint8Array.from(payload);
  }

  /** The seed list of a lookalike job, checked before any exchange: enough seeds among the consenting customers. */
  private async loadSeeds(body: BodyOf<'job.prepare'>, dataset: Dataset): Promise<SeedList> {
    const spec = body.seeds as NonNullable<BodyOf<'job.prepare'>['seeds']>;
    // An uploaded list lives in this party's own work directory; a path must be under its data roots.
    const path = spec.upload !== undefined ? uploadedSeedsPath(this.config.workDir, spec.upload) : await this.catalogue.underRoots(spec.path as string);
    const seeds = await loadSeeds({ ...spec, path }, dataset, { party: this.config.id, ...(body.dataset.idCaseSensitive !== undefined ? { idCaseSensitive: body.dataset.idCaseSensitive } : {}) });
    requireSeeds(seeds, seeds.rows.size, body.lookalike?.minSeeds ?? 2, this.config.id, `consenting customers in ${dataset.file}`);
    return seeds;
  }

  /** The evaluation table: the same column settings as the training table, another source. */
  private async loadEvaluation(body: BodyOf<'job.prepare'>, train: Dataset): Promise<Loaded> {
    const loaded = await this.catalogue.load(body.dataset, body.evaluation);
    const evaluation = loaded.dataset;
    if (evaluation.featureNames.join('\u0000') !== train.featureNames.join('\u0000')) {
      const missing = train.featureNames.find((n) => !evaluation.featureNames.includes(n)) ?? evaluation.featureNames.find((n) => !train.featureNames.includes(n));
      throw new FedmarkError('FM_ERR_DATA_SPEC', { party: this.config.id, file: evaluation.file, field: 'evaluation', reason: `its features differ from the training table's (first difference: ${missing ?? 'column order'})` });
    }
    return loaded;
  }

  private async train(
    state: JobState, rows: Uint32Array, evaluation: { dataset: Dataset; rows: Uint32Array } | undefined, from: { psi: number; epochs: number },
  ): Promise<BodyOf<'job.done'>['train']> {
    if (!state.heKey || !state.channels) throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'job.start', state: 'training without the arbiter key' });
    const { channels, checkpoints, attempt } = state;
    const job = state.id;
    const resume = await checkpoints.loadEpoch(from.psi, from.epochs);
    return runVertical({
      ...(resume === undefined ? {} : { resume }),
      signal: state.abort.signal,
      checkpoint: async (epochs, snapshot) => {
        state.abort.signal.throwIfAborted();
        await checkpoints.saveEpoch(from.psi, epochs, snapshot);
        if (!state.abort.signal.aborted) this.link.send('job.checkpoint', { attempt, epochs }, { job });
      },
      job, self: this.config.id, prepare: state.prepare, dataset: state.dataset, rows, heKey: state.heKey,
      ...(evaluation ? { evaluation } : {}),
      ...(state.seeds ? { seeds: state.seeds } : {}),
      send: (peer, kind, body, payload) => {
        // A stopped run sends nothing more, even from the step it was in.
        state.abort.signal.throwIfAborted();
        const channel = channels.get(peer);
        if (!channel) throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind, state: `no channel with ${peer}` });
        const frame = vlrCodec.encode(kind, 0, body, payload ? { payload } : {});
        this.link.send('relay.send', { to: peer }, { job, payload: channel.seal(withTopic('vlr', frame)) });
      },
      inbox: state.vlr,
      decrypt: (masked, step) => this.arbiter.decrypt(job, step, masked),
      progress: (p) => this.link.send('train.progress', p, { job }),
      workDir: this.config.workDir,
      log: this.log.child({ job }),
    });
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
    state.psi?.session.fail(reason);
    state.psiEval?.session.fail(reason);
    state.vlr.fail(reason);
    state.hfl.fail(reason);
    this.arbiter.abort(state.id, reason);
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
    if (this.link.connected) this.link.send('job.failed', { attempt }, { job, error: serializeError(error) });
  }
}
