// The guest's record of its campaigns, in node:sqlite in its work folder: each campaign's secret
// assignment key, who was assigned to which arm and decile, and the aggregates of the last outcome
// upload. None of it leaves the guest except those aggregates, when the coordinator asks.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { Static } from '@sinclair/typebox';
import type { ArmName, CampaignCounts } from '../../protocol/messages/campaign.ts';

export type Arm = Static<typeof ArmName>;

export interface Assigned {
  /** suppressionKey of the ID: what outcomes and the suppression list are matched on. */
  key: string;
  id: string;
  arm: Arm;
  decile: number;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS campaigns (id TEXT PRIMARY KEY, model TEXT NOT NULL, model_job TEXT NOT NULL, key BLOB NOT NULL, created_at TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS assignment (campaign TEXT NOT NULL, key TEXT NOT NULL, id TEXT NOT NULL, arm TEXT NOT NULL, decile INTEGER NOT NULL, PRIMARY KEY (campaign, key));
  CREATE TABLE IF NOT EXISTS results (campaign TEXT PRIMARY KEY, uploaded_at TEXT NOT NULL, counts TEXT NOT NULL);`;

export class CampaignStore {
  private readonly db: DatabaseSync;

  constructor(workDir: string) {
    mkdirSync(workDir, { recursive: true });
    this.db = new DatabaseSync(join(workDir, 'campaigns.db'));
    this.db.exec('PRAGMA journal_mode = WAL');
    this.db.exec('PRAGMA busy_timeout = 5000');
    this.db.exec(SCHEMA);
  }

  has(campaign: string): boolean {
    return this.db.prepare('SELECT 1 FROM campaigns WHERE id = ?').get(campaign) !== undefined;
  }

  /** The campaign and its whole assignment, in one transaction: all of it or none. */
  save(campaign: { id: string; model: string; modelJob: string; key: Uint8Array }, assigned: readonly Assigned[]): void {
    const insert = this.db.prepare('INSERT INTO assignment (campaign, key, id, arm, decile) VALUES (?, ?, ?, ?, ?)');
    this.db.exec('BEGIN IMMEDIATE');
    try {
      this.db.prepare('INSERT INTO campaigns (id, model, model_job, key, created_at) VALUES (?, ?, ?, ?, ?)').run(campaign.id, campaign.model, campaign.modelJob, campaign.key, new Date().toISOString());
      for (const a of assigned) insert.run(campaign.id, a.key, a.id, a.arm, a.decile);
      this.db.exec('COMMIT');
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
  }

  assignment(campaign: string): Assigned[] {
    const rows = this.db.prepare('SELECT key, id, arm, decile FROM assignment WHERE campaign = ?').all(campaign) as Array<{ key: string; id: string; arm: string; decile: number }>;
    return rows.map((r) => ({ key: r.key, id: r.id, arm: r.arm as Arm, decile: Number(r.decile) }));
  }

  saveResults(campaign: string, counts: Static<typeof CampaignCounts>['arms']): string {
    const at = new Date().toISOString();
    this.db.prepare('INSERT INTO results (campaign, uploaded_at, counts) VALUES (?, ?, ?) ON CONFLICT (campaign) DO UPDATE SET uploaded_at = excluded.uploaded_at, counts = excluded.counts')
      .run(campaign, at, JSON.stringify(counts));
    return at;
  }

  results(campaign: string): Static<typeof CampaignCounts> {
    const row = this.db.prepare('SELECT uploaded_at, counts FROM results WHERE campaign = ?').get(campaign) as { uploaded_at: string; counts: string } | undefined;
    // Written by saveResults from checked counts only.
    return row ? { uploaded: true, uploadedAt: row.uploaded_at, arms: JSON.parse(row.counts) as Static<typeof CampaignCounts>['arms'] } : { uploaded: false, arms: [] };
  }

  close(): void {
    this.db.close();
  }
}
