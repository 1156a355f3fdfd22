// Campaigns at the coordinator: settings and counts only (customers per arm and decile, and once
// the guest has outcomes, conversions and suppressions per arm and decile). The assignment, the
// contact lists and the outcomes themselves stay at the guest. Its own table in the coordinator's
// store file (its own connection: the job store's migrations are not touched); an in-memory store
// gives an in-memory table.
import { DatabaseSync } from 'node:sqlite';
import type { Static } from '@sinclair/typebox';
import type { CampaignAssigned, CampaignCounts, CampaignTarget } from '../../protocol/messages/campaign.ts';

export interface CampaignRecord {
  id: string;
  name: string;
  model: { name: string; version: number };
  guest: string;
  target: CampaignTarget;
  controlFraction: number;
  guestArm: boolean;
  createdAt: string;
  assigned: Static<typeof CampaignAssigned>;
  /** The guest's last outcome counts, when it has any. */
  outcomes?: { at: string; arms: Static<typeof CampaignCounts>['arms'] };
}

const SCHEMA = `CREATE TABLE IF NOT EXISTS campaigns (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, record TEXT NOT NULL, created_at TEXT NOT NULL)`;

export class CampaignStore {
  private readonly db: DatabaseSync;

  constructor(path: string) {
    this.db = new DatabaseSync(path);
    if (path !== ':memory:') this.db.exec('PRAGMA journal_mode = WAL');
    this.db.exec('PRAGMA busy_timeout = 5000');
    this.db.exec(SCHEMA);
  }

  add(record: CampaignRecord): void {
    this.db.prepare('INSERT INTO campaigns (id, name, record, created_at) VALUES (?, ?, ?, ?)').run(record.id, record.name, JSON.stringify(record), record.createdAt);
  }

  update(record: CampaignRecord): void {
    this.db.prepare('UPDATE campaigns SET record = ? WHERE id = ?').run(JSON.stringify(record), record.id);
  }

  get(id: string): CampaignRecord | undefined {
    const row = this.db.prepare('SELECT record FROM campaigns WHERE id = ?').get(id) as { record: string } | undefined;
    // Written by add/update from checked records only.
    return row ? (JSON.parse(row.record) as CampaignRecord) : undefined;
  }

  /** Newest first. */
  list(limit = 100): CampaignRecord[] {
    const rows = this.db.prepare('SELECT record FROM campaigns ORDER BY created_at DESC LIMIT ?').all(limit) as Array<{ record: string }>;
    return rows.map((r) => JSON.parse(r.record) as CampaignRecord);
  }

  close(): void {
    this.db.close();
  }
}
