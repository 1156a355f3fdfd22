// The approval desk: rules that approve without anyone, one and two approvers, rejections with a
// reason, every decision (and every refused one) in the ledger, and the spec hash checked at
// job.prepare so a job swapped after approval is refused.
import { describe, expect, it } from 'vitest';
import type { JobPrepareBody } from '../../protocol/messages/job.ts';
import type { OutboundRecord } from '../audit/ledger.ts';
import { ApprovalDesk } from './desk.ts';
import { ApprovalStore } from './store.ts';
import type { ApprovalPolicy } from './rules.ts';

const prepare: JobPrepareBody = {
  name: 'credit', kind: 'vertical', role: 'host', peers: [{ id: 'bank', role: 'guest' }],
  dataset: { dataset: 'customers', idColumn: 'id', features: ['age', 'income'] },
};

function desk(policy: ApprovalPolicy | undefined) {
  const ledger: OutboundRecord[] = [];
  const d = new ApprovalDesk({ party: 'insurer', policy, store: new ApprovalStore(':memory:'), record: (e) => void ledger.push(e) });
  return { d, ledger };
}

function refusal(fn: () => unknown): { code?: string; message: string } {
  try {
    fn();
  } catch (err) {
    return err as { code?: string; message: string };
  }
  throw new Error('expected a refusal');
}

const policy = (over: Partial<ApprovalPolicy> = {}): ApprovalPolicy => ({ approvers: 1, autoApprove: [], ...over });

describe('approval desk', () => {
  it('approves every job by policy when the party asks for no approval, and records it', () => {
    const { d, ledger } = desk(undefined);
    expect(d.review('job-1', prepare)).toMatchObject({ state: 'approved', approvedBy: ['policy'], auto: true, required: 1 });
    expect(ledger.map((e) => e.kind)).toEqual(['approval.auto']);
    expect(() => d.admitPrepare('job-1', { ...prepare, attempt: 2 })).not.toThrow();
    // A job never reviewed is let through only because this party asks for no approval.
    expect(() => d.admitPrepare('job-2', prepare)).not.toThrow();
  });

  it('leaves a job pending until one approver approves; shows what it uses and reveals', () => {
    const { d, ledger } = desk(policy());
    expect(d.review('job-1', prepare)).toMatchObject({ state: 'pending', approvedBy: [] });
    const shown = d.show('job-1');
    expect(shown.facts).toMatchObject({ purpose: 'propensity', model: 'vertical/logistic', partners: ['bank'], columns: { id: 'id', features: ['age', 'income'] } });
    expect(shown.reveals).toMatch(/partial scores on the evaluation rows to the guest/);
    expect(refusal(() => d.admitPrepare('job-1', prepare)).message).toBe('party insurer refused job job-1: it is pending here');
    expect(d.decide({ job: 'job-1', by: 'alice', approve: true })).toMatchObject({ state: 'approved', approvedBy: ['alice'] });
    expect(() => d.admitPrepare('job-1', prepare)).not.toThrow();
    expect(ledger.map((e) => [e.kind, e.note])).toEqual([
      ['approval.pending', '{"required":1}'],
      ['refused.approval-spec', '{"reason":"it is pending here"}'],
      ['approval.approved', '{"by":"alice","approvals":"1/1"}'],
    ]);
  });

  it('needs two different people when the policy asks for two', () => {
    const { d } = desk(policy({ approvers: 2 }));
    d.review('job-1', prepare);
    expect(d.decide({ job: 'job-1', by: 'alice', approve: true })).toMatchObject({ state: 'pending', approvedBy: ['alice'], required: 2 });
    const twice = refusal(() => d.decide({ job: 'job-1', by: 'alice', approve: true }));
    expect(twice.code).toBe('FM_ERR_APPROVAL_APPROVER');
    expect(twice.message).toBe('party insurer: alice may not approve job job-1: alice approved it already; the policy asks for 2 different approvers');
    expect(d.decide({ job: 'job-1', by: 'bob', approve: true })).toMatchObject({ state: 'approved', approvedBy: ['alice', 'bob'] });
    expect(refusal(() => d.decide({ job: 'job-1', by: 'carol', approve: true })).code).toBe('FM_ERR_APPROVAL_STATE');
  });

  it('rejects with a reason only, and the rejection is final', () => {
    const { d, ledger } = desk(policy());
    d.review('job-1', prepare);
    expect(refusal(() => d.decide({ job: 'job-1', by: 'alice', approve: false })).message).toMatch(/a rejection needs a reason/);
    expect(d.decide({ job: 'job-1', by: 'alice', approve: false, reason: 'income may not be used for marketing' })).toEqual({
      state: 'rejected', specSha256: expect.stringMatching(/^[0-9a-f]{64}$/), approvedBy: [], required: 1, rejectedBy: 'alice', reason: 'income may not be used for marketing',
    });
    expect(refusal(() => d.admitPrepare('job-1', prepare)).message).toMatch(/it is rejected here \(income may not be used for marketing\)/);
    expect(ledger.filter((e) => e.kind.startsWith('refused.')).length).toBe(2);
  });

  it('refuses approvers outside the list, and a job it never saw, with a ledger record', () => {
    const { d, ledger } = desk(policy({ allowedApprovers: ['alice', 'bob'] }));
    d.review('job-1', prepare);
    expect(refusal(() => d.decide({ job: 'job-1', by: 'mallory', approve: true })).message).toBe('party insurer: mallory may not approve job job-1: not among the party\'s approvers (alice, bob)');
    const gone = refusal(() => d.decide({ job: 'job-9', by: 'alice', approve: true }));
    expect(gone.code).toBe('FM_ERR_APPROVAL_NOT_FOUND');
    expect(ledger.filter((e) => e.kind === 'refused.approval-decision').map((e) => e.job)).toEqual(['job-1', 'job-9']);
  });

  it('auto-approves by rule only jobs every field of the rule admits', () => {
    const { d } = desk(policy({ autoApprove: [{ purposes: ['propensity'], partners: ['bank'], models: ['vertical/logistic'], columns: ['id', 'age', 'income'] }] }));
    expect(d.review('job-1', prepare)).toMatchObject({ state: 'approved', approvedBy: ['policy'], auto: true });
    expect(d.show('job-1').rule).toBe(0);
    const other = [
      { ...prepare, peers: [{ id: 'bank', role: 'guest' as const }, { id: 'broker', role: 'host' as const }] },
      { ...prepare, dataset: { ...prepare.dataset, features: ['age', 'income', 'postcode'] } },
      { ...prepare, dataset: { dataset: 'customers', idColumn: 'id' } },
      { ...prepare, purpose: 'lookalike' as const },
      { name: prepare.name, kind: 'psi' as const, role: 'host' as const, peers: prepare.peers, dataset: { dataset: 'customers', idColumn: 'id' } },
    ];
    other.forEach((p, i) => expect(d.review(`job-x${i}`, p).state).toBe('pending'));
  });

  it('refuses a job swapped after approval, at review and at prepare', () => {
    const { d, ledger } = desk(policy());
    d.review('job-1', prepare);
    d.decide({ job: 'job-1', by: 'alice', approve: true });
    const swapped: JobPrepareBody = { ...prepare, dataset: { ...prepare.dataset, features: ['age', 'income', 'health_score'] } };
    const err = refusal(() => d.admitPrepare('job-1', swapped));
    expect(err.code).toBe('FM_ERR_APPROVAL_SPEC_CHANGED');
    expect(err.message).toMatch(/^party insurer refused job job-1: the job to prepare \(spec [0-9a-f]{12}…\) is not the one reviewed \(spec [0-9a-f]{12}…\)$/);
    expect(d.review('job-1', swapped)).toMatchObject({ state: 'rejected', rejectedBy: 'policy', reason: expect.stringMatching(/the job changed after it was first reviewed/) });
    expect(ledger.filter((e) => e.kind === 'refused.approval-spec').length).toBe(2);
  });
});
