// The party's approval desk: every job the coordinator announces (job.review) is recorded with its
// spec hash, what it uses here and what the party would reveal, then approved by a policy rule or
// left pending for the party's compliance staff, who approve or reject it from this host
// (`fedmark party approvals`). Each decision goes into the audit ledger. At job.prepare the desk
// admits only a body whose hash is the one approved: a coordinator that swaps the job after
// approval is refused, and the refusal is recorded too.
import { FedmarkError } from '../../errors/table.ts';
import type { JobApprovalBody } from '../../protocol/messages/approval.ts';
import type { JobPrepareBody } from '../../protocol/messages/job.ts';
import { specSha256 } from '../../protocol/jobs/specHash.ts';
import type { OutboundRecord } from '../audit/ledger.ts';
import { jobFacts } from './jobFacts.ts';
import { revealsOf } from './reveals.ts';
import { matchingRule, type ApprovalPolicy } from './rules.ts';
import type { ApprovalStore, Review } from './store.ts';

/** Who approved a job no person had to look at. */
export const POLICY_APPROVER = 'policy';

/** The digest recorded for a decision about a job this party never reviewed. */
const NO_SPEC = '0'.repeat(64);

export interface Decision {
  job: string;
  by: string;
  approve: boolean;
  reason?: string;
}

export class ApprovalDesk {
  private readonly party: string;
  /** Undefined: the party asks for no approval, every job is approved by the policy. */
  private readonly policy: ApprovalPolicy | undefined;
  private readonly store: ApprovalStore;
  private readonly record: (entry: OutboundRecord) => void;
  private readonly now: () => Date;

  constructor(opts: { party: string; policy: ApprovalPolicy | undefined; store: ApprovalStore; record: (entry: OutboundRecord) => void; now?: () => Date }) {
    this.party = opts.party;
    this.policy = opts.policy;
    this.store = opts.store;
    this.record = opts.record;
    this.now = opts.now ?? (() => new Date());
  }

  /** A job announced by the coordinator: recorded once; a repeated review is answered from the record. */
  review(job: string, prepare: JobPrepareBody): JobApprovalBody {
    const hash = specSha256(prepare);
    const known = this.store.get(job);
    if (known) {
      if (known.specSha256 === hash) return toWire(known);
      // Job ids are never reused: the same id with another body is the coordinator changing the job.
      const rejected: Review = { ...known, state: 'rejected', rejectedBy: POLICY_APPROVER, reason: `the job changed after it was first reviewed (spec ${hash.slice(0, 12)}… instead of ${known.specSha256.slice(0, 12)}…)`, decidedAt: this.now().toISOString() };
      this.store.put(rejected);
      this.note(job, 'refused.approval-spec', hash, { reason: rejected.reason });
      return toWire(rejected);
    }
    const facts = jobFacts(prepare);
    const at = this.now().toISOString();
    const base: Review = { job, specSha256: hash, facts, reveals: revealsOf(facts), state: 'pending', approvedBy: [], required: this.policy?.approvers ?? 1, receivedAt: at };
    const rule = this.policy === undefined ? -1 : matchingRule(this.policy.autoApprove, facts);
    const review: Review = this.policy === undefined || rule >= 0
      ? { ...base, state: 'approved', approvedBy: [POLICY_APPROVER], ...(rule >= 0 ? { rule } : {}), decidedAt: at }
      : base;
    this.store.put(review);
    this.note(job, `approval.${review.state === 'approved' ? 'auto' : 'pending'}`, hash, review.state === 'approved' ? { rule: rule >= 0 ? rule : 'no approval required' } : { required: review.required });
    return toWire(review);
  }

  /**
   * A decision of the party's compliance staff; returns the job's approval as the coordinator is
   * told it. A refused decision (unknown job, decided already, an approver not allowed or approving
   * twice) is recorded in the ledger too.
   */
  decide(d: Decision): JobApprovalBody {
    try {
      return this.apply(d);
    } catch (err) {
      if (err instanceof FedmarkError) this.note(d.job, 'refused.approval-decision', this.store.get(d.job)?.specSha256 ?? NO_SPEC, { by: d.by, approve: d.approve, code: err.code, reason: err.message });
      throw err;
    }
  }

  private apply(d: Decision): JobApprovalBody {
    const review = this.show(d.job);
    const action = d.approve ? 'approved' : 'rejected';
    if (review.state !== 'pending') throw new FedmarkError('FM_ERR_APPROVAL_STATE', { party: this.party, job: d.job, state: review.state, action });
    const refuse = (reason: string): never => {
      throw new FedmarkError('FM_ERR_APPROVAL_APPROVER', { party: this.party, approver: d.by, job: d.job, reason });
    };
    const allowed = this.policy?.allowedApprovers;
    if (allowed && !allowed.includes(d.by)) refuse(`not among the party's approvers (${allowed.join(', ')})`);
    if (d.by === POLICY_APPROVER) refuse(`"${POLICY_APPROVER}" is reserved for approvals by rule`);
    if (!d.approve && !d.reason) refuse('a rejection needs a reason (--reason)');
    if (d.approve && review.approvedBy.includes(d.by)) refuse(`${d.by} approved it already; the policy asks for ${review.required} different approvers`);
    const at = this.now().toISOString();
    const next: Review = d.approve
      ? { ...review, approvedBy: [...review.approvedBy, d.by], ...(d.reason ? { reason: d.reason } : {}) }
      : { ...review, state: 'rejected', rejectedBy: d.by, reason: d.reason as string, decidedAt: at };
    if (d.approve && next.approvedBy.length >= next.required) {
      next.state = 'approved';
      next.decidedAt = at;
    }
    this.store.put(next);
    this.note(d.job, d.approve ? 'approval.approved' : 'approval.rejected', review.specSha256, { by: d.by, ...(d.reason ? { reason: d.reason } : {}), approvals: `${next.approvedBy.length}/${next.required}` });
    return toWire(next);
  }

  show(job: string): Review {
    const review = this.store.get(job);
    if (!review) throw new FedmarkError('FM_ERR_APPROVAL_NOT_FOUND', { party: this.party, job });
    return review;
  }

  list(state?: Review['state']): Review[] {
    return this.store.list(state);
  }

  /**
   * job.prepare: admitted only if the body is the one approved. Without a review the job is
   * admitted only when the party asks for no approval (and nothing was ever reviewed under its id).
   */
  admitPrepare(job: string, prepare: JobPrepareBody): void {
    const hash = specSha256(prepare);
    const review = this.store.get(job);
    const refuse = (reason: string): never => {
      this.note(job, 'refused.approval-spec', hash, { reason });
      throw new FedmarkError('FM_ERR_APPROVAL_SPEC_CHANGED', { party: this.party, job, reason });
    };
    if (!review) {
      if (this.policy === undefined) return;
      refuse('it was never reviewed here, and this party approves every job before it runs');
    } else if (review.specSha256 !== hash) {
      refuse(`the job to prepare (spec ${hash.slice(0, 12)}…) is not the one reviewed (spec ${review.specSha256.slice(0, 12)}…)`);
    } else if (review.state !== 'approved') {
      refuse(`it is ${review.state} here${review.reason ? ` (${review.reason})` : ''}`);
    }
  }

  private note(job: string, kind: string, sha256: string, detail: Record<string, unknown>): void {
    this.record({ job, kind, to: 'self', bytes: 0, sha256, note: JSON.stringify(detail) });
  }
}

export function toWire(r: Review): JobApprovalBody {
  return {
    state: r.state, specSha256: r.specSha256, approvedBy: r.approvedBy, required: r.required,
    ...(r.rule !== undefined || r.approvedBy.includes(POLICY_APPROVER) ? { auto: true } : {}),
    ...(r.rejectedBy ? { rejectedBy: r.rejectedBy } : {}),
    ...(r.state === 'rejected' && r.reason ? { reason: r.reason } : {}),
  };
}
