// The party's audit ledger: one entry for every message that leaves this party (to the coordinator,
// or sealed for a partner through the relay), in a node:sqlite file in the party's work directory.
// Entries are hash-chained (each hash covers the previous one) and the table refuses UPDATE and
// DELETE, so an edited, deleted or reordered entry breaks the chain where `verifyLedger` finds it.
// Only metadata and a digest of the bytes are kept: the ledger shows what left, not the data itself;
// decisions taken here (approvals, consent drops) carry a short note saying who decided what.
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { FedmarkError } from '../../errors/table.ts';

export const GENESIS = '0'.repeat(64);

/** Where a party keeps its ledger: beside its job outputs, in its work directory. */
export function ledgerPath(workDir: string): string {
  return join(workDir, 'audit.db');
}

/** What the party records about one outbound frame. */
export interface OutboundRecord {
  /** The job the frame belongs to; null for messages outside a job (e.g. scoring). */
  job: string | null;
  /** The message kind on the wire, e.g. job.ready, relay.send, he.decrypt, score.reply. */
  kind: string;
  /** Who receives it: `coordinator`, or the partner a relayed (sealed) message is for. */
  to: string;
  bytes: number;
  /** SHA-256 of the frame exactly as sent. */
  sha256: string;
  /**
   * A short JSON text for entries that record a decision rather than a message (an approval, the
   * rows a consent rule dropped): who, what and why, never customer data.
   */
  note?: string;
}

export interface LedgerEntry extends OutboundRecord {
  seq: number;
  at: string;
  prev: string;
  hash: string;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS ledger (
    seq INTEGER PRIMARY KEY, at TEXT NOT NULL, job TEXT, kind TEXT NOT NULL, recipient TEXT NOT NULL,
    bytes INTEGER NOT NULL, sha256 TEXT NOT NULL, prev TEXT NOT NULL, hash TEXT NOT NULL, note TEXT);
  CREATE TRIGGER IF NOT EXISTS ledger_no_update BEFORE UPDATE ON ledger BEGIN SELECT RAISE(ABORT, 'the audit ledger is append-only'); END;
  CREATE TRIGGER IF NOT EXISTS ledger_no_delete BEFORE DELETE ON ledger BEGIN SELECT RAISE(ABORT, 'the audit ledger is append-only'); END;`;

/**
 * The chained hash of one entry: SHA-256 over the previous hash and every recorded field (the note
 * only when there is one, so entries written before notes existed keep their hashes).
 */
export function entryHash(prev: string, e: Omit<LedgerEntry, 'prev' | 'hash'>): string {
  const fields: unknown[] = [e.seq, e.at, e.job, e.kind, e.to, e.bytes, e.sha256];
  if (e.note !== undefined) fields.push(e.note);
  return createHash('sha256').update(prev).update('\n').update(JSON.stringify(fields)).digest('hex');
}

export class AuditLedger {
  readonly path: string;
  private readonly db: DatabaseSync;
  private readonly insert: StatementSync;
  private readonly last: StatementSync;

  constructor(path: string) {
    this.path = path;
    mkdirSync(dirname(path), { recursive: true });
    this.db = new DatabaseSync(path);
    this.db.exec('PRAGMA journal_mode = WAL');
    this.db.exec(SCHEMA);
    // A ledger made before notes existed gains the column; its entries keep their hashes.
    const columns = this.db.prepare('PRAGMA table_info(ledger)').all() as Array<{ name: string }>;
    if (!columns.some((c) => c.name === 'note')) this.db.exec('ALTER TABLE ledger ADD COLUMN note TEXT');
    this.db.exec('PRAGMA busy_timeout = 5000');
    this.last = this.db.prepare('SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1');
    this.insert = this.db.prepare('INSERT INTO ledger (seq, at, job, kind, recipient, bytes, sha256, prev, hash, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  }

  /**
   * Appends one entry; throws if it cannot be written, so that nothing leaves unrecorded. The head is
   * read inside the write transaction, so even two processes sharing a work directory keep one chain.
   */
  append(record: OutboundRecord): LedgerEntry {
    try {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const last = this.last.get() as { seq: number; hash: string } | undefined;
        const prev = last?.hash ?? GENESIS;
        const base = { seq: Number(last?.seq ?? 0) + 1, at: new Date().toISOString(), ...record };
        const entry: LedgerEntry = { ...base, prev, hash: entryHash(prev, base) };
        this.insert.run(entry.seq, entry.at, entry.job, entry.kind, entry.to, entry.bytes, entry.sha256, entry.prev, entry.hash, entry.note ?? null);
        this.db.exec('COMMIT');
        return entry;
      } catch (err) {
        this.db.exec('ROLLBACK');
        throw err;
      }
    } catch (err) {
      throw new FedmarkError('FM_ERR_INTERNAL', { reason: `cannot append to the audit ledger ${this.path}: ${(err as Error).message}` }, { cause: err });
    }
  }

  close(): void {
    this.db.close();
  }
}

/** Every entry in stored order (by sequence number), read-only. */
export function readLedger(path: string): LedgerEntry[] {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ledger'").get();
    if (!hasTable) throw new FedmarkError('FM_ERR_CFG_INVALID', { source: path, field: '(file)', reason: 'not a fedmark audit ledger (no ledger table)' });
    const hasNote = (db.prepare('PRAGMA table_info(ledger)').all() as Array<{ name: string }>).some((c) => c.name === 'note');
    const rows = db.prepare(`SELECT seq, at, job, kind, recipient, bytes, sha256, prev, hash${hasNote ? ', note' : ''} FROM ledger ORDER BY seq`).all() as Array<{
      seq: number; at: string; job: string | null; kind: string; recipient: string; bytes: number; sha256: string; prev: string; hash: string; note?: string | null;
    }>;
    return rows.map((r) => ({
      seq: Number(r.seq), at: r.at, job: r.job, kind: r.kind, to: r.recipient, bytes: Number(r.bytes), sha256: r.sha256, prev: r.prev, hash: r.hash,
      ...(r.note === undefined || r.note === null ? {} : { note: r.note }),
    }));
  } finally {
    db.close();
  }
}
