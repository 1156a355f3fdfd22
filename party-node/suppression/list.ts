// A party's suppression list: customers who asked not to be contacted or whose consent was
// withdrawn, with the reason and the date. Kept in node:sqlite in the party's work folder (never
// sent anywhere: no message carries it) and read afresh by every scoring call, audience and
// campaign, so an entry counts from the moment it is recorded, whichever process recorded it. Each
// change is appended to the party's audit ledger as a digest (the IDs stay out of the ledger), so
// compliance staff can show when the list changed and that no entry was quietly dropped.
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { FedmarkError } from '../../errors/table.ts';
import { normalizeId } from '../../protocol/ids.ts';
import { AuditLedger, ledgerPath } from '../audit/ledger.ts';

export interface SuppressionEntry {
  /** The customer ID as the operator gave it. */
  id: string;
  reason: string;
  /** YYYY-MM-DD: when the customer asked (or consent was withdrawn). */
  date: string;
  /** ISO 8601: when it was recorded here. */
  recordedAt: string;
}

const SCHEMA = `CREATE TABLE IF NOT EXISTS suppression (
  key TEXT PRIMARY KEY, id TEXT NOT NULL, reason TEXT NOT NULL, date TEXT NOT NULL, recorded_at TEXT NOT NULL)`;

export function suppressionPath(workDir: string): string {
  return join(workDir, 'suppression.db');
}

/**
 * The key an ID is matched on: trimmed and case-folded whatever the dataset's own setting, so that
 * a suppression never misses a customer over letter case (at worst it also covers a second ID that
 * differs only in case, which errs on the side of not contacting).
 */
export function suppressionKey(id: string): string {
  return normalizeId(id, false);
}

/** Above this many IDs, `among` reads the whole list instead of looking each up. */
const AMONG_LOOKUPS = 10_000;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Checks one entry; `where` names the file and row (or the command line) for the error. */
export function checkEntry(party: string, where: { file: string; row: number }, e: { id: string; reason: string; date: string }): void {
  const fail = (column: string, reason: string): never => {
    throw new FedmarkError('FM_ERR_SUPPRESSION_INPUT', { party, file: where.file, row: where.row, column, reason });
  };
  if (e.id.trim() === '') fail('customer_id', 'the ID is empty');
  if (e.id.length > 256 || /[\r\n]/.test(e.id)) fail('customer_id', 'an ID is at most 256 characters on one line');
  if (e.reason.trim() === '') fail('reason', 'say why (e.g. opt-out, consent withdrawn)');
  if (e.reason.length > 200) fail('reason', 'at most 200 characters');
  const m = DATE.exec(e.date);
  const valid = m !== null && new Date(`${e.date}T00:00:00Z`).toISOString().startsWith(e.date);
  if (!valid) fail('date', `"${e.date}" is not a date YYYY-MM-DD`);
}

/** The ledger keeps the size and digest of the change, never the IDs themselves. */
function digest(kind: string, entries: ReadonlyArray<{ id: string; reason?: string; date?: string }>): { bytes: number; sha256: string } {
  const record = Buffer.from(JSON.stringify([kind, entries.map((e) => [suppressionKey(e.id), e.reason ?? '', e.date ?? ''])]), 'utf8');
  return { bytes: record.length, sha256: createHash('sha256').update(record).digest('hex') };
}

export class SuppressionList {
  private readonly db: DatabaseSync;
  private readonly workDir: string;
  private readonly exists: StatementSync;

  constructor(workDir: string) {
    this.workDir = workDir;
    mkdirSync(workDir, { recursive: true });
    this.db = new DatabaseSync(suppressionPath(workDir));
    this.db.exec('PRAGMA journal_mode = WAL');
    this.db.exec('PRAGMA busy_timeout = 5000');
    this.db.exec(SCHEMA);
    this.exists = this.db.prepare('SELECT 1 FROM suppression WHERE key = ?');
  }

  /** Adds (or updates) entries in one transaction and records the change in the ledger; returns how many were new. */
  add(entries: ReadonlyArray<{ id: string; reason: string; date: string }>): number {
    const now = new Date().toISOString();
    const { exists } = this;
    const upsert = this.db.prepare(`INSERT INTO suppression (key, id, reason, date, recorded_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (key) DO UPDATE SET reason = excluded.reason, date = excluded.date`);
    let added = 0;
    this.transaction(() => {
      for (const e of entries) {
        const key = suppressionKey(e.id);
        if (!exists.get(key)) added++;
        upsert.run(key, e.id.trim(), e.reason.trim(), e.date, now);
      }
    }, 'suppression.add', entries);
    return added;
  }

  /** Removes entries (the customer opted back in); returns how many were on the list. */
  remove(ids: readonly string[]): number {
    const del = this.db.prepare('DELETE FROM suppression WHERE key = ?');
    let removed = 0;
    this.transaction(() => {
      for (const id of ids) removed += Number(del.run(suppressionKey(id)).changes);
    }, 'suppression.remove', ids.map((id) => ({ id })));
    return removed;
  }

  list(): SuppressionEntry[] {
    const rows = this.db.prepare('SELECT id, reason, date, recorded_at FROM suppression ORDER BY recorded_at, id').all() as Array<{ id: string; reason: string; date: string; recorded_at: string }>;
    return rows.map((r) => ({ id: r.id, reason: r.reason, date: r.date, recordedAt: r.recorded_at }));
  }

  /**
   * The keys of `ids` on the list now: one indexed lookup per ID for a call's few IDs (a scoring
   * request need not read a list of millions), the whole list for many.
   */
  among(ids: readonly string[]): Set<string> {
    const found = new Set<string>();
    if (ids.length > AMONG_LOOKUPS) {
      const all = this.keys();
      for (const id of ids) if (all.has(suppressionKey(id))) found.add(suppressionKey(id));
      return found;
    }
    for (const id of ids) {
      const key = suppressionKey(id);
      if (this.exists.get(key)) found.add(key);
    }
    return found;
  }

  /** The keys on the list now (suppressionKey of each ID). */
  keys(): Set<string> {
    return new Set((this.db.prepare('SELECT key FROM suppression').all() as Array<{ key: string }>).map((r) => r.key));
  }

  close(): void {
    this.db.close();
  }

  /** The change and its ledger entry commit together: a change the ledger could not record is rolled back. */
  private transaction(work: () => void, kind: string, entries: ReadonlyArray<{ id: string; reason?: string; date?: string }>): void {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      work();
      const ledger = new AuditLedger(ledgerPath(this.workDir));
      try {
        ledger.append({ job: null, kind, to: 'self', ...digest(kind, entries) });
      } finally {
        ledger.close();
      }
      this.db.exec('COMMIT');
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
  }
}

/** The keys suppressed at this party now; a party that never recorded one has an empty list. */
export function suppressedKeys(workDir: string): Set<string> {
  const list = new SuppressionList(workDir);
  try {
    return list.keys();
  } finally {
    list.close();
  }
}
