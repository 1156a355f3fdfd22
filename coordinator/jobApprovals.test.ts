// The coordinator's record of approvals: what each party reported shows in the job's view, who is
// still to approve, an event per change (not per repeat), and a job awaiting approval is resumed
// after a restart (and re-asks only the parties that have not approved).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JobApprovalBody } from '../protocol/messages/approval.ts';
import type { JobSpec } from '../protocol/messages/jobSpec.ts';
import { tempDir } from '../testing/fixtures.ts';
import { Store } from './store.ts';

const spec = { name: 'j', kind: 'psi', parties: [{ id: 'bank', role: 'guest', data: { path: 'a.csv' } }, { id: 'insurer', role: 'host', data: { path: 'b.csv' } }] } as JobSpec;
const hash = 'a'.repeat(64);
const pending: JobApprovalBody = { state: 'pending', specSha256: hash, approvedBy: [], required: 2 };

describe('job approvals in the store', () => {
  it('shows each party\'s report in the view and who is still to approve', async () => {
    const path = join(await tempDir('approvals-store'), 'c.db');
    const store = new Store(path);
    store.createJob('job-1', spec, 'alice');
    expect(store.approvalsMissing('job-1', ['bank', 'insurer'])).toEqual(['bank', 'insurer']);
    store.setApproval('job-1', 'bank', { state: 'approved', specSha256: hash, approvedBy: ['policy'], required: 1, auto: true });
    store.setApproval('job-1', 'insurer', pending);
    store.setApproval('job-1', 'insurer', pending);
    store.setState('job-1', 'awaiting-approval');
    store.setApproval('job-1', 'insurer', { ...pending, approvedBy: ['carol'] });
    expect(store.approvalsMissing('job-1', ['bank', 'insurer'])).toEqual(['insurer']);
    const view = store.job('job-1');
    expect(view).toMatchObject({ state: 'awaiting-approval', submittedBy: 'alice' });
    expect(view?.approvals).toEqual([
      { party: 'bank', state: 'approved', specSha256: hash, approvedBy: ['policy'], required: 1, auto: true, at: expect.any(String) },
      { party: 'insurer', state: 'pending', specSha256: hash, approvedBy: ['carol'], required: 2, at: expect.any(String) },
    ]);
    // One event per change: the repeated pending report adds none.
    expect(store.events('job-1').map((e) => e.type)).toEqual(['job.queued', 'approval.approved', 'approval.pending', 'job.awaiting-approval', 'approval.pending']);
    store.close();

    // A restarted coordinator picks the job up again.
    const reopened = new Store(path);
    expect(reopened.unfinishedJobs().map((j) => j.id)).toEqual(['job-1']);
    reopened.setApproval('job-1', 'insurer', { state: 'rejected', specSha256: hash, approvedBy: ['carol'], required: 2, rejectedBy: 'dave', reason: 'no' });
    reopened.setState('job-1', 'rejected');
    expect(reopened.unfinishedJobs()).toEqual([]);
    expect(reopened.job('job-1')?.approvals?.[1]).toMatchObject({ state: 'rejected', rejectedBy: 'dave', reason: 'no' });
    reopened.close();
  });
});
