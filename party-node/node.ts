// A party node: serves its own tables to the jobs the coordinator announces. Raw rows and raw
// IDs never leave this process; it sends the coordinator aggregates, and its peers only sealed,
// blinded values.
import type { Logger } from 'pino';
import { FedmarkError, serializeError, toFedmarkError } from '../protocol/errors.ts';
import { newKeyPair, PUBLIC_KEY_BYTES, type KeyPair } from '../protocol/e2e/channel.ts';
import { BlindingPool } from '../protocol/psi/pool.ts';
import type { BodyOf, LinkFrame } from '../protocol/messages/index.ts';
import type { PartyConfig } from './config.ts';
import { CoordinatorLink } from './link.ts';
import { loadDataset, type Dataset } from './data/dataset.ts';
import { checkUnderRoots } from './data/roots.ts';
import { startPsi, writeIntersection, type PsiRun } from './jobs/psi.ts';

interface JobState {
  id: string;
  prepare: BodyOf<'job.prepare'>;
  dataset: Dataset;
  keys: KeyPair;
  psi?: PsiRun;
  /** Sealed messages that arrived before job.start was handled. */
  early: Array<{ from: string; payload: Uint8Array }>;
}

export interface PartyOutcome {
  job: string;
  intersectionPath?: string;
  intersectionSize?: number;
  error?: FedmarkError;
}

export class PartyNode {
  readonly config: PartyConfig;
  readonly link: CoordinatorLink;
  private readonly log: Logger;
  private readonly pool: BlindingPool;
  private readonly jobs = new Map<string, JobState>();
  /** Jobs that ended here; their data is released and late messages for them are ignored. */
  private readonly ended = new Set<string>();
  /** Called when a job ends at this party (tests and the CLI read it). */
  onOutcome: ((outcome: PartyOutcome) => void) | undefined;

  constructor(config: PartyConfig, log: Logger) {
    this.config = config;
    this.log = log;
    this.pool = new BlindingPool({ threads: config.threads });
    this.link = new CoordinatorLink(config, log.child({ area: 'link' }));
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
      case 'relay.deliver':
        if (job) this.deliver(job, (frame.body as BodyOf<'relay.deliver'>).from, frame.payload);
        return;
      case 'error':
        this.log.warn({ job, code: frame.error?.code, reason: frame.error?.message }, 'coordinator rejected a frame');
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
      log.info({ rows: dataset.stats.totalRows, consenting: dataset.rows, features: dataset.featureNames.length, ms: Math.round(performance.now() - started) }, 'dataset loaded');
      const keys = newKeyPair();
      this.jobs.set(job, { id: job, prepare: body, dataset, keys, early: [] });
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
      state.psi = startPsi({
        job, self: this.config.id, role: state.prepare.role, dataset: state.dataset, peers, keys: state.keys,
        pool: this.pool, chunkSize: this.config.psiChunkSize,
        relay: (to, sealed) => this.link.send('relay.send', { to }, { job, payload: sealed }),
      });
      for (const m of state.early.splice(0)) this.deliver(job, m.from, m.payload);
      void state.psi.session.start().then(
        async (rows) => {
          const path = await writeIntersection(this.config.workDir, job, state.dataset, rows);
          this.log.info({ job, intersectionSize: rows.length, ms: Math.round(performance.now() - started) }, 'PSI finished');
          this.end(job);
          this.link.send('job.done', { psi: { intersectionSize: rows.length } }, { job });
          this.onOutcome?.({ job, intersectionPath: path, intersectionSize: rows.length });
        },
        (err: unknown) => this.failJob(job, err),
      );
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
    if (!state.psi) {
      state.early.push({ from, payload: payload ?? new Uint8Array(0) });
      return;
    }
    const channel = state.psi.channels.get(from);
    try {
      if (!channel) throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'relay.deliver', state: `no channel with ${from}` });
      state.psi.session.receive(from, channel.open(payload ?? new Uint8Array(0)));
    } catch (err) {
      state.psi.session.fail(toFedmarkError(err));
    }
  }

  private cancel(job: string, reason: string): void {
    const state = this.jobs.get(job);
    this.log.info({ job, reason }, 'job cancelled by coordinator');
    this.end(job);
    state?.psi?.session.fail(new FedmarkError('FM_ERR_JOB_PARTY_FAILED', { party: 'coordinator', reason: 'job cancelled' }));
  }

  private end(job: string): void {
    this.jobs.delete(job);
    this.ended.add(job);
  }

  private failJob(job: string, err: unknown): void {
    const error = toFedmarkError(err);
    if (this.ended.has(job)) return;
    this.end(job);
    this.log.warn({ job, code: error.code, reason: error.message }, 'job failed at this party');
    if (this.link.connected) this.link.send('job.failed', {}, { job, error: serializeError(error) });
    this.onOutcome?.({ job, error });
  }
}
