// The party's record of the jobs it was asked to approve (WORK_DIR/approvals.db, node:sqlite):
// kept across restarts, so a job approved yesterday is still approved when the coordinator resumes
// it, and a re-sent review is answered from what was decided.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Type, type Static } from '@sinclair/typebox';
import { ApprovalState, SpecSha256 } from '../../protocol/messages/approval.ts';
import { JobFactsSchema, type JobFacts } from './jobFacts.ts';

export function approvalsPath(workDir: string): string {
  return join(workDir, 'approvals.db');
}

const Approver = Type.String({ minLength: 1, maxLength: 128 });

/** One job as the party's compliance staff see it, and where its approval stands. */
export const ReviewSchema = Type.Object(
  {
    job: Type.String({ maxLength: 128 }),
    specSha256: SpecSha256,
    facts: JobFactsSchema,
    reveals: Type.String({ maxLength: 4000 }),
    state: ApprovalState,
    approvedBy: Type.Array(Approver, { maxItems: 8 }),
    required: Type.Integer({ minimum: 1, maximum: 8 }),
    /** Approved by a rule of the policy (its index), not by a person. */
    rule: Type.Optional(Type.Integer({ minimum: 0 })),
    rejectedBy: Type.Optional(Approver),
    reason: Type.Optional(Type.String({ maxLength: 2000 })),
    receivedAt: Type.String({ maxLength: 64 }),
    decidedAt: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);
export type Review = Static<typeof ReviewSchema>;

interface Row {
  job: string; spec_sha256: string; facts: string; reveals: string; state: string; approved_by: string; required: number;
  rule: number | null; rejected_by: string | null; reason: string | null; received_at: string; decided_at: string | null;
}

const SCHEMA = `CREATE TABLE IF NOT EXISTS reviews (
  job TEXT PRIMARY KEY, spec_sha256 TEXT NOT NULL, facts TEXT NOT NULL, reveals TEXT NOT NULL, state TEXT NOT NULL,
  approved_by TEXT NOT NULL, required INTEGER NOT NULL, rule INTEGER, rejected_by TEXT, reason TEXT,
  received_at TEXT NOT NULL, decided_at TEXT)`;

export class ApprovalStore {
  private readonly db: DatabaseSync;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new DatabaseSync(path);
    this.db.exec(SCHEMA);
  }

  get(job: string): Review | undefined {
    const row = this.db.prepare('SELECT * FROM reviews WHERE job = ?').get(job) as Row | undefined;
    return row ? toReview(row) : undefined;
  }

  /** Newest first; `state` narrows the list. */
  list(state?: Review['state']): Review[] {
    const rows = this.db.prepare('SELECT * FROM reviews WHERE (? IS NULL OR state = ?) ORDER BY received_at DESC, job').all(state ?? null, state ?? null) as unknown as Row[];
    return rows.map(toReview);
  }

  put(r: Review): void {
    this.db.prepare(`INSERT INTO reviews (job, spec_sha256, facts, reveals, state, approved_by, required, rule, rejected_by, reason, received_at, decided_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (job) DO UPDATE SET state = excluded.state, approved_by = excluded.approved_by, rule = excluded.rule,
        rejected_by = excluded.rejected_by, reason = excluded.reason, decided_at = excluded.decided_at`)
      .run(r.job, r.specSha256, JSON.stringify(r.facts), r.reveals, r.state, JSON.stringify(r.approvedBy), r.required, r.rule ?? null,
        r.rejectedBy ?? null, r.reason ?? null, r.receivedAt, r.decidedAt ?? null);
  }

  close(): void {
    this.db.close();
  }
}

function toReview(r: Row): Review {
  return {
    job: r.job, specSha256: r.spec_sha256, facts: JSON.parse(r.facts) as JobFacts, reveals: r.reveals, state: r.state as Review['state'],
    approvedBy: JSON.parse(r.approved_by) as string[], required: Number(r.required),
    ...(r.rule === null ? {} : { rule: Number(r.rule) }),
    ...(r.rejected_by === null ? {} : { rejectedBy: r.rejected_by }),
    ...(r.reason === null ? {} : { reason: r.reason }),
    receivedAt: r.received_at,
    ...(r.decided_at === null ? {} : { decidedAt: r.decided_at }),
  };
}
