// The coordinator's store across versions: a database written before the durability migration
// opens, migrates in place and keeps its jobs; what resuming needs survives a reopen.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { Store } from './store.ts';
import type { JobSpec } from '../protocol/messages/jobSpec.ts';

const SPEC: JobSpec = {
  name: 'credit', kind: 'vertical',
  parties: [{ id: 'bank', role: 'guest', data: { path: '/data/g.csv', idColumn: 'id', labelColumn: 'y' } }, { id: 'partner1', role: 'host', data: { path: '/data/h.csv', idColumn: 'id' } }],
};

/** The schema as the first release wrote it (user_version 4), with one running job. */
function oldDatabase(path: string): void {
  const db = new DatabaseSync(path);
  db.exec(`CREATE TABLE jobs (
     id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, spec TEXT NOT NULL,
     state TEXT NOT NULL, result TEXT, error TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
     started_ms INTEGER, duration_ms INTEGER);
   CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, job TEXT, at TEXT NOT NULL, type TEXT NOT NULL, detail TEXT NOT NULL);
   CREATE TABLE models (name TEXT NOT NULL, version INTEGER NOT NULL, job TEXT NOT NULL, status TEXT NOT NULL, card TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (name, version));
   CREATE TABLE api_keys (id TEXT PRIMARY KEY, role TEXT NOT NULL, key_sha256 TEXT NOT NULL, rate_per_minute INTEGER NOT NULL, created_at TEXT NOT NULL);
   PRAGMA user_version = 4;`);
  db.prepare('INSERT INTO jobs (id, name, kind, spec, state, created_at, updated_at, started_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
    .run('job-old', 'credit', 'vertical', JSON.stringify(SPEC), 'running', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 1);
  db.prepare("INSERT INTO jobs (id, name, kind, spec, state, created_at, updated_at) VALUES ('job-done', 'credit', 'vertical', ?, 'succeeded', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')").run(JSON.stringify(SPEC));
  db.close();
}

describe('store', () => {
  it('migrates a database of the previous schema and resumes its running job', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'fedmark-store-')), 'coordinator.db');
    oldDatabase(path);
    const store = new Store(path);
    expect(store.job('job-old')).toMatchObject({ id: 'job-old', state: 'running' });
    expect(store.job('job-old')?.checkpoint).toBeUndefined();
    expect(store.attempt('job-old')).toBe(0);
    expect(store.unfinishedJobs().map((j) => j.id)).toEqual(['job-old']);
    expect(store.unfinishedJobs()[0]?.spec).toEqual(SPEC);
    store.close();
  });

  it('keeps attempts, the awaited party, checkpoints and when parties were seen across a reopen', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'fedmark-store-')), 'coordinator.db');
    let store = new Store(path);
    store.createJob('job-1', SPEC);
    store.setState('job-1', 'running');
    store.recordCheckpoint('job-1', 'bank', 0, 4);
    store.recordCheckpoint('job-1', 'partner1', 0, 3);
    store.setWaiting('job-1', 'partner1', 'party partner1 disconnected');
    store.partySeen('partner1', false);
    store.createJob('job-2', SPEC);
    store.setState('job-2', 'cancelled');
    store.close();

    store = new Store(path);
    expect(store.job('job-1')).toMatchObject({ state: 'waiting-for-party', waitingFor: 'partner1', checkpoint: { epochs: 3, attempt: 0 } });
    expect(store.events('job-1').map((e) => e.type)).toContain('job.waiting-for-party');
    expect(store.unfinishedJobs().map((j) => j.id)).toEqual(['job-1']);
    expect(store.parties()).toEqual([{ id: 'partner1', lastSeen: expect.any(String), online: false }]);
    // A new attempt counts only the checkpoints made in it.
    store.setAttempt('job-1', 1);
    store.setState('job-1', 'running');
    expect(store.job('job-1')).toMatchObject({ state: 'running', checkpoint: { epochs: 0, attempt: 1 } });
    expect(store.job('job-1')?.waitingFor).toBeUndefined();
    store.recordCheckpoint('job-1', 'bank', 1, 5);
    store.recordCheckpoint('job-1', 'partner1', 1, 5);
    expect(store.job('job-1')?.checkpoint).toEqual({ epochs: 5, attempt: 1 });
    store.close();
  });
});
