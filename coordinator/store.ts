// The coordinator's embedded store (node:sqlite): jobs and their events. Only sizes, states and
// aggregates are kept here; no party ever sends raw rows or IDs to the coordinator.
import { EventEmitter } from 'node:events';
import { DatabaseSync } from 'node:sqlite';
import type { JobApprovalView, JobResult, JobSpec, JobState, JobView, ModelApproval, ModelCard } from '../protocol/messages/jobSpec.ts';
import type { JobApprovalBody } from '../protocol/messages/approval.ts';
import type { WireError } from '../errors/table.ts';
import type { CoordinatorConfig } from './config.ts';

export type ApiRole = CoordinatorConfig['apiKeys'][number]['role'];

export interface ApiKeyRecord {
  id: string;
  role: ApiRole;
  keySha256: string;
  ratePerMinute: number;
  /** ISO 8601: the key is refused after this time. */
  expiresAt?: string;
}

const MIGRATIONS = [
  `CREATE TABLE jobs (
     id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, spec TEXT NOT NULL,
     state TEXT NOT NULL, result TEXT, error TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
     started_ms INTEGER, duration_ms INTEGER)`,
  `CREATE TABLE events (
     id INTEGER PRIMARY KEY AUTOINCREMENT, job TEXT, at TEXT NOT NULL, type TEXT NOT NULL, detail TEXT NOT NULL)`,
  `CREATE TABLE models (
     name TEXT NOT NULL, version INTEGER NOT NULL, job TEXT NOT NULL, status TEXT NOT NULL,
     card TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (name, version))`,
  `CREATE TABLE api_keys (
     id TEXT PRIMARY KEY, role TEXT NOT NULL, key_sha256 TEXT NOT NULL, rate_per_minute INTEGER NOT NULL, created_at TEXT NOT NULL)`,
  // Durability: the attempt a job is on and the party it waits for; when each party was last
  // seen; the epochs each party has checkpointed (the checkpoints themselves stay at the parties).
  `ALTER TABLE jobs ADD COLUMN attempt INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE jobs ADD COLUMN waiting_for TEXT;
   CREATE TABLE parties (id TEXT PRIMARY KEY, last_seen TEXT NOT NULL, online INTEGER NOT NULL);
   CREATE TABLE checkpoints (
     job TEXT NOT NULL, party TEXT NOT NULL, attempt INTEGER NOT NULL, epochs INTEGER NOT NULL, at TEXT NOT NULL,
     PRIMARY KEY (job, party))`,
  // API keys: an expiry for keys created through the API, and revocations by key id (config keys
  // included: the file cannot be changed without a restart, a revocation takes effect at once).
  `ALTER TABLE api_keys ADD COLUMN expires_at TEXT;
   CREATE TABLE api_key_revocations (id TEXT PRIMARY KEY, at TEXT NOT NULL)`,
  // Monitoring: how many served scores fell in each evaluation decile, per model version and UTC
  // day (coordinator/monitoring/); counts only, never an ID or a score.
  `CREATE TABLE served_deciles (
     name TEXT NOT NULL, version INTEGER NOT NULL, day TEXT NOT NULL, decile INTEGER NOT NULL, count INTEGER NOT NULL,
     PRIMARY KEY (name, version, day, decile))`,
  // Approvals: who submitted each job (the trainer, for four-eyes publishing) and what each party
  // reported about its approval (a model's four-eyes approval is kept on its card).
  `ALTER TABLE jobs ADD COLUMN submitted_by TEXT;
   CREATE TABLE job_approvals (
     job TEXT NOT NULL, party TEXT NOT NULL, state TEXT NOT NULL, detail TEXT NOT NULL, at TEXT NOT NULL,
     PRIMARY KEY (job, party))`,
];

interface JobRow {
  id: string; name: string; kind: string; spec: string; state: string; result: string | null; error: string | null;
  created_at: string; updated_at: string; started_ms: number | null; duration_ms: number | null;
  attempt: number; waiting_for: string | null; checkpoint_epochs: number | null;
  submitted_by: string | null; approvals: string | null;
}

export interface StoredEvent {
  id: number;
  job: string | null;
  at: string;
  type: string;
  detail: Record<string, unknown>;
}
/** A job's row with the epochs every party of its current attempt has checkpointed. */
const JOB_SELECT = `SELECT jobs.*, (SELECT MIN(c.epochs) FROM checkpoints c WHERE c.job = jobs.id AND c.attempt = jobs.attempt) AS checkpoint_epochs,
  (SELECT json_group_array(json_patch(a.detail, json_object('party', a.party, 'state', a.state, 'at', a.at))) FROM job_approvals a WHERE a.job = jobs.id) AS approvals FROM jobs`;

export class Store {
  private readonly db: DatabaseSync;
  private keyCache: ApiKeyRecord[] | undefined;
  private revocationCache: Map<string, string> | undefined;
  /** Every event as it is recorded (live views: dashboard, CLI --watch). */
  readonly recorded = new EventEmitter<{ event: [StoredEvent] }>();

  constructor(path: string) {
    this.db = new DatabaseSync(path);
    this.db.exec('PRAGMA journal_mode = WAL');
    this.migrate();
    // One listener per open live stream (dashboard tabs, CLI watchers): many are expected.
    this.recorded.setMaxListeners(1000);
  }

  private migrate(): void {
    const version = Number((this.db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version);
    for (let i = version; i < MIGRATIONS.length; i++) {
      this.db.exec('BEGIN');
      this.db.exec(MIGRATIONS[i] as string);
      this.db.exec(`PRAGMA user_version = ${i + 1}`);
      this.db.exec('COMMIT');
    }
  }

  createJob(id: string, spec: JobSpec, submittedBy?: string): void {
    const now = new Date().toISOString();
    this.db
      .prepare('INSERT INTO jobs (id, name, kind, spec, state, created_at, updated_at, submitted_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(id, spec.name, spec.kind, JSON.stringify(spec), 'queued', now, now, submittedBy ?? null);
    this.event(id, 'job.queued', { name: spec.name, kind: spec.kind, parties: spec.parties.map((p) => p.id), ...(submittedBy ? { submittedBy } : {}) });
  }

  /** What `party` reported about its approval of the job; an event when its state changes. */
  setApproval(job: string, party: string, approval: JobApprovalBody): void {
    const { state, ...detail } = approval;
    const before = (this.db.prepare('SELECT state, detail FROM job_approvals WHERE job = ? AND party = ?').get(job, party) as { state: string; detail: string } | undefined);
    this.db.prepare(`INSERT INTO job_approvals (job, party, state, detail, at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (job, party) DO UPDATE SET state = excluded.state, detail = excluded.detail, at = excluded.at`)
      .run(job, party, state, JSON.stringify(detail), new Date().toISOString());
    if (before?.state !== state || before.detail !== JSON.stringify(detail)) {
      this.event(job, `approval.${state}`, { party, approvedBy: approval.approvedBy, required: approval.required, ...(approval.auto ? { auto: true } : {}), ...(approval.reason ? { reason: approval.reason } : {}) });
    }
  }

  /** The parties whose approval of the job is still missing (every party of the job until it reports). */
  approvalsMissing(job: string, parties: readonly string[]): string[] {
    const approved = new Set((this.db.prepare("SELECT party FROM job_approvals WHERE job = ? AND state = 'approved'").all(job) as Array<{ party: string }>).map((r) => r.party));
    return parties.filter((p) => !approved.has(p));
  }

  setState(id: string, state: Exclude<JobState, 'waiting-for-party'>, extra: { result?: JobResult; error?: WireError } = {}): void {
    const now = new Date().toISOString();
    if (state === 'running') {
      // A resumed job keeps its first start: its duration includes the time it waited.
      this.db.prepare('UPDATE jobs SET state = ?, updated_at = ?, started_ms = COALESCE(started_ms, ?), waiting_for = NULL WHERE id = ?').run(state, now, Date.now(), id);
    } else {
      this.db
        .prepare(
          `UPDATE jobs SET state = ?, updated_at = ?, result = ?, error = ?, waiting_for = NULL,
             duration_ms = CASE WHEN started_ms IS NULL THEN NULL ELSE ? - started_ms END WHERE id = ?`,
        )
        .run(state, now, extra.result ? JSON.stringify(extra.result) : null, extra.error ? JSON.stringify(extra.error) : null, Date.now(), id);
    }
    this.event(id, `job.${state}`, extra.error ? { code: extra.error.code } : {});
  }

  /** The job paused because `party` left; it resumes when the party is back. */
  setWaiting(id: string, party: string, reason: string): void {
    this.db.prepare('UPDATE jobs SET state = ?, updated_at = ?, waiting_for = ? WHERE id = ?').run('waiting-for-party', new Date().toISOString(), party, id);
    this.event(id, 'job.waiting-for-party', { party, reason });
  }

  /** The job's next attempt starts; checkpoints of earlier attempts stay valid (the parties report what they hold). */
  setAttempt(id: string, attempt: number): void {
    this.db.prepare('UPDATE jobs SET attempt = ?, updated_at = ? WHERE id = ?').run(attempt, new Date().toISOString(), id);
  }

  attempt(id: string): number {
    const row = this.db.prepare('SELECT attempt FROM jobs WHERE id = ?').get(id) as { attempt: number } | undefined;
    return Number(row?.attempt ?? 0);
  }

  /** A party stored its state after `epochs` epochs of the job's attempt `attempt`. */
  recordCheckpoint(job: string, party: string, attempt: number, epochs: number): void {
    this.db
      .prepare(`INSERT INTO checkpoints (job, party, attempt, epochs, at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (job, party) DO UPDATE SET attempt = excluded.attempt, epochs = excluded.epochs, at = excluded.at`)
      .run(job, party, attempt, epochs, new Date().toISOString());
  }

  /** Jobs a coordinator restart must pick up again: neither finished nor cancelled. */
  unfinishedJobs(): Array<{ id: string; spec: JobSpec }> {
    const rows = this.db.prepare(`SELECT id, spec FROM jobs WHERE state IN ('queued', 'awaiting-approval', 'running', 'waiting-for-party') ORDER BY created_at`).all() as Array<{ id: string; spec: string }>;
    return rows.map((r) => ({ id: r.id, spec: JSON.parse(r.spec) as JobSpec }));
  }

  partySeen(id: string, online: boolean): void {
    this.db
      .prepare('INSERT INTO parties (id, last_seen, online) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen, online = excluded.online')
      .run(id, new Date().toISOString(), online ? 1 : 0);
  }

  /** When each party was last seen, as recorded across restarts. */
  parties(): Array<{ id: string; lastSeen: string; online: boolean }> {
    const rows = this.db.prepare('SELECT id, last_seen, online FROM parties ORDER BY id').all() as Array<{ id: string; last_seen: string; online: number }>;
    return rows.map((r) => ({ id: r.id, lastSeen: r.last_seen, online: r.online === 1 }));
  }

  event(job: string | null, type: string, detail: Record<string, unknown>): void {
    const at = new Date().toISOString();
    const { lastInsertRowid } = this.db.prepare('INSERT INTO events (job, at, type, detail) VALUES (?, ?, ?, ?)').run(job, at, type, JSON.stringify(detail));
    this.recorded.emit('event', { id: Number(lastInsertRowid), job, at, type, detail });
  }

  /** The event log of every job and key, newest first; `type` narrows it to a prefix such as `job.` or `party.ready`. */
  eventLog(opts: { limit: number; type?: string }): StoredEvent[] {
    const rows = this.db
      .prepare('SELECT id, job, at, type, detail FROM events WHERE (? IS NULL OR substr(type, 1, length(?)) = ?) ORDER BY id DESC LIMIT ?')
      .all(opts.type ?? null, opts.type ?? null, opts.type ?? null, opts.limit) as Array<{ id: number; job: string | null; at: string; type: string; detail: string }>;
    return rows.map((r) => ({ id: Number(r.id), job: r.job, at: r.at, type: r.type, detail: JSON.parse(r.detail) as Record<string, unknown> }));
  }

  events(job: string): Array<{ at: string; type: string; detail: Record<string, unknown> }> {
    const rows = this.db.prepare('SELECT at, type, detail FROM events WHERE job = ? ORDER BY id').all(job) as Array<{ at: string; type: string; detail: string }>;
    return rows.map((r) => ({ at: r.at, type: r.type, detail: JSON.parse(r.detail) as Record<string, unknown> }));
  }

  /** How many jobs are in each state (for /metrics). */
  jobCountsByState(): Record<string, number> {
    const rows = this.db.prepare('SELECT state, COUNT(*) AS n FROM jobs GROUP BY state').all() as Array<{ state: string; n: number }>;
    return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
  }

  job(id: string): JobView | undefined {
    const row = this.db.prepare(`${JOB_SELECT} WHERE id = ?`).get(id) as JobRow | undefined;
    return row ? toView(row) : undefined;
  }

  jobSpec(id: string): JobSpec | undefined {
    const row = this.db.prepare('SELECT spec FROM jobs WHERE id = ?').get(id) as { spec: string } | undefined;
    return row ? (JSON.parse(row.spec) as JobSpec) : undefined;
  }

  jobs(limit = 100): JobView[] {
    const rows = this.db.prepare(`${JOB_SELECT} ORDER BY created_at DESC LIMIT ?`).all(limit) as unknown as JobRow[];
    return rows.map(toView);
  }

  /** Registers a trained model as a new candidate version of `name`; returns the version. */
  addModel(name: string, job: string, card: ModelCard): number {
    const row = this.db.prepare('SELECT COALESCE(MAX(version), 0) AS v FROM models WHERE name = ?').get(name) as { v: number };
    const version = Number(row.v) + 1;
    this.db
      .prepare('INSERT INTO models (name, version, job, status, card, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(name, version, job, 'candidate', JSON.stringify(card), new Date().toISOString());
    this.event(job, 'model.registered', { name, version });
    return version;
  }

  model(name: string, version: number): ModelVersion | undefined {
    const row = this.db.prepare('SELECT * FROM models WHERE name = ? AND version = ?').get(name, version) as ModelRow | undefined;
    return row ? toModel(row) : undefined;
  }

  /** Every version, newest first; `name` narrows to one model. */
  models(name?: string): ModelVersion[] {
    const rows = (name === undefined
      ? this.db.prepare('SELECT * FROM models ORDER BY name, version DESC').all()
      : this.db.prepare('SELECT * FROM models WHERE name = ? ORDER BY version DESC').all(name)) as unknown as ModelRow[];
    return rows.map(toModel);
  }

  /** Four-eyes publishing: the approval goes on the card and the version is published, in one transaction. */
  approveModel(name: string, version: number, approval: ModelApproval): void {
    const model = this.model(name, version);
    if (!model) return;
    this.db.exec('BEGIN');
    try {
      this.db.prepare('UPDATE models SET card = ?, status = ? WHERE name = ? AND version = ?').run(JSON.stringify({ ...model.card, approval }), 'published', name, version);
      this.db.exec('COMMIT');
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
    this.event(model.job, 'model.approved', { name, version, trainedBy: approval.trainedBy, approvedBy: approval.approvedBy });
    this.event(model.job, 'model.published', { name, version });
  }

  setModelStatus(name: string, version: number, status: ModelStatus): void {
    this.db.prepare('UPDATE models SET status = ? WHERE name = ? AND version = ?').run(status, name, version);
    const model = this.model(name, version);
    this.event(model?.job ?? null, `model.${status}`, { name, version });
  }

  /** Keys created through the API; only their SHA-256 is kept. Cached: read on every request. */
  apiKeys(): ApiKeyRecord[] {
    this.keyCache ??= (this.db.prepare('SELECT id, role, key_sha256, rate_per_minute, expires_at FROM api_keys').all() as Array<{ id: string; role: string; key_sha256: string; rate_per_minute: number; expires_at: string | null }>)
      .map((r) => ({ id: r.id, role: r.role as ApiKeyRecord['role'], keySha256: r.key_sha256, ratePerMinute: Number(r.rate_per_minute), ...(r.expires_at ? { expiresAt: r.expires_at } : {}) }));
    return this.keyCache;
  }

  addApiKey(record: ApiKeyRecord): void {
    this.db.prepare('INSERT INTO api_keys (id, role, key_sha256, rate_per_minute, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(record.id, record.role, record.keySha256, record.ratePerMinute, new Date().toISOString(), record.expiresAt ?? null);
    this.keyCache = undefined;
    this.event(null, 'key.created', { id: record.id, role: record.role, ...(record.expiresAt ? { expiresAt: record.expiresAt } : {}) });
  }

  /** Revoked key ids and when (config and API keys alike). Cached: read on every request. */
  revokedApiKeys(): ReadonlyMap<string, string> {
    this.revocationCache ??= new Map((this.db.prepare('SELECT id, at FROM api_key_revocations').all() as Array<{ id: string; at: string }>).map((r) => [r.id, r.at]));
    return this.revocationCache;
  }

  /** Revokes a key by id for good: a revoked id stays refused, whatever key it is given again. */
  revokeApiKey(id: string): string {
    const prior = this.revokedApiKeys().get(id);
    if (prior !== undefined) return prior;
    const at = new Date().toISOString();
    this.db.prepare('INSERT INTO api_key_revocations (id, at) VALUES (?, ?)').run(id, at);
    this.revocationCache = undefined;
    this.event(null, 'key.revoked', { id });
    return at;
  }

  /** Adds served scores of one model version and UTC day: `counts[d]` in decile d + 1. */
  addServedDeciles(name: string, version: number, day: string, counts: readonly number[]): void {
    const add = this.db.prepare(`INSERT INTO served_deciles (name, version, day, decile, count) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (name, version, day, decile) DO UPDATE SET count = count + excluded.count`);
    this.db.exec('BEGIN');
    counts.forEach((n, d) => {
      if (n > 0) add.run(name, version, day, d + 1, n);
    });
    this.db.exec('COMMIT');
  }

  /** Served scores by day (oldest first, from `since` on) and decile (1-based). */
  servedDeciles(name: string, version: number, since = ''): Array<{ day: string; decile: number; count: number }> {
    const rows = this.db.prepare('SELECT day, decile, count FROM served_deciles WHERE name = ? AND version = ? AND day >= ? ORDER BY day, decile')
      .all(name, version, since) as Array<{ day: string; decile: number; count: number }>;
    return rows.map((r) => ({ day: r.day, decile: Number(r.decile), count: Number(r.count) }));
  }

  /** Model versions that served scores on `day`. */
  servedOn(day: string): Array<{ name: string; version: number }> {
    const rows = this.db.prepare('SELECT DISTINCT name, version FROM served_deciles WHERE day = ? ORDER BY name, version').all(day) as Array<{ name: string; version: number }>;
    return rows.map((r) => ({ name: r.name, version: Number(r.version) }));
  }

  close(): void {
    this.db.close();
  }
}

export type ModelStatus = 'candidate' | 'published' | 'retired';

export interface ModelVersion {
  name: string;
  version: number;
  job: string;
  status: ModelStatus;
  card: ModelCard;
  createdAt: string;
}

interface ModelRow {
  name: string; version: number; job: string; status: string; card: string; created_at: string;
}

function toModel(row: ModelRow): ModelVersion {
  return { name: row.name, version: Number(row.version), job: row.job, status: row.status as ModelStatus, card: JSON.parse(row.card) as ModelCard, createdAt: row.created_at };
}

function toView(row: JobRow): JobView {
  const view: JobView = {
    id: row.id, name: row.name, kind: row.kind as JobView['kind'], state: row.state as JobState,
    createdAt: row.created_at, updatedAt: row.updated_at,
  };
  if (row.duration_ms !== null) view.durationMs = row.duration_ms;
  if (row.result !== null) view.result = JSON.parse(row.result) as JobResult;
  if (row.error !== null) view.error = JSON.parse(row.error) as WireError;
  if (row.waiting_for !== null) view.waitingFor = row.waiting_for;
  if (row.submitted_by !== null) view.submittedBy = row.submitted_by;
  const approvals = row.approvals === null ? [] : (JSON.parse(row.approvals) as JobApprovalView[]);
  if (approvals.length > 0) view.approvals = approvals.sort((a, b) => (a.party < b.party ? -1 : 1));
  if (row.checkpoint_epochs !== null || Number(row.attempt) > 0) view.checkpoint = { epochs: Number(row.checkpoint_epochs ?? 0), attempt: Number(row.attempt) };
  return view;
}
