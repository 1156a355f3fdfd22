// Per-party approval and four-eyes publishing, with a real coordinator, party-node processes and
// the `fedmark` command run as the compliance officer and the approver would run it.
//   guest: PSI jobs need two different approvers (alice, bob); vertical LR jobs are approved by rule.
//   host: PSI jobs with the guest are approved by rule; anything else waits for one approver.
// The coordinator publishes only with four eyes. The attacker is the coordinator itself: it sends
// the host a job.prepare other than the one the host approved.
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSecret } from '../protocol/auth/tokens.ts';
import type { BodyOf, MessageKind } from '../protocol/messages/index.ts';
import type { JobSpec, JobView, ModelCard } from '../protocol/messages/jobSpec.ts';
import { ledgerPath, readLedger } from '../party-node/audit/ledger.ts';
import { verifyChain } from '../party-node/audit/verify.ts';
import { fate } from '../data/sets.ts';
import { until } from './fixtures.ts';
import { chromiumInstalled, launchChromium, signIn, tableCells } from './browser.fixture.ts';
import { breastVertical, startDeployment, type Deployment } from './deployment.fixture.ts';

const CLI = fileURLToPath(new URL('../bin/fedmark.ts', import.meta.url));
const BOB = newSecret('fmk');
const TRAINER_AS_APPROVER = newSecret('fmk');
const SHOTS = fileURLToPath(new URL('../.fedmark/e2e-screenshots/', import.meta.url));
/** The dashboard checks run off CI only where Chromium is installed; CI installs it. */
const BROWSER = process.env.CI === 'true' || chromiumInstalled();
let d: Deployment;
let chromium: Awaited<ReturnType<typeof launchChromium>> | undefined;
/** When set, the host's job.prepare for this job goes out with another dataset. */
let swapFor: string | undefined;

beforeAll(async () => {
  d = await startDeployment('approvals', ['guest', 'host'], {
    partyConfig: {
      guest: { policy: { approval: { approvers: 2, allowedApprovers: ['alice', 'bob'], autoApprove: [{ models: ['vertical/logistic'] }] } } },
      host: { policy: { approval: { autoApprove: [{ models: ['psi'], partners: ['guest'] }] } } },
    },
    extraKeys: [
      { id: 'bob', role: 'approver', key: BOB },
      // The scientist who submits the jobs also holds an approver key.
      { id: 'scientist-approver', role: 'approver', key: TRAINER_AS_APPROVER, person: 'test-scientist' },
    ],
    coordinatorConfig: { fourEyesPublish: true },
  });
  const links = d.coordinator.links;
  const send = links.send.bind(links);
  links.send = <K extends MessageKind>(party: string, kind: K, body: BodyOf<K>, opts: { job?: string; payload?: Uint8Array } = {}) => {
    if (kind !== 'job.prepare' || party !== 'host' || opts.job === undefined || opts.job !== swapFor) return send(party, kind, body, opts);
    const prepare = body as BodyOf<'job.prepare'>;
    return send(party, kind, { ...prepare, dataset: { ...prepare.dataset, path: fate('default_credit_hetero_host') } } as BodyOf<K>, opts);
  };
}, 60_000);

afterAll(async () => {
  await chromium?.close();
  await d?.close();
});

function fedmark(args: string[], key?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--disable-warning=ExperimentalWarning', CLI, ...args], {
      env: { ...process.env, FEDMARK_URL: d.url, ...(key ? { FEDMARK_KEY: key } : {}) },
    }, (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

const approvals = (party: string, ...args: string[]) => fedmark(['party', 'approvals', ...args, '--work-dir', join(d.dir, party)]);

async function submit(spec: JobSpec): Promise<string> {
  const res = await d.api<{ id: string }>('POST', '/v1/jobs', spec);
  expect(res.status).toBe(202);
  return res.body.id;
}

const view = (id: string) => d.coordinator.store.job(id) as JobView;
/** Until both parties have reported and one waits for its staff. */
const awaiting = (id: string) => until(() => view(id).state === 'awaiting-approval' && view(id).approvals?.length === 2 && view(id).approvals?.some((a) => a.state === 'pending'), 30_000, `${id} awaiting approval`);
const ledger = (party: string, job: string) => readLedger(ledgerPath(join(d.dir, party))).filter((e) => e.job === job);

/**
 * The job's page in the dashboard, as the scientist who submitted it sees it: the rows of its
 * approvals table and the page's notice; the page is saved as `shot` for the docs.
 */
async function jobPage(id: string, shot: string): Promise<{ approvals: string[][]; notice: string; empty: string[] }> {
  chromium ??= await launchChromium();
  await mkdir(SHOTS, { recursive: true });
  const page = await signIn(chromium.browser, d.url, d.keys.scientist);
  try {
    await page.goto(`${d.url}/ui/#/jobs/${id}`);
    await page.waitForSelector('#job-approvals');
    const approvals = await tableCells(page, '#job-approvals');
    const notice = (await page.locator('.notice-error').count()) > 0 ? ((await page.textContent('.notice-error')) ?? '') : (await page.textContent('#progress-phase')) ?? '';
    const empty = await page.locator('td.empty').allTextContents();
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(SHOTS, shot) });
    return { approvals, notice, empty };
  } finally {
    await page.close();
  }
}

function psiJob(name: string): JobSpec {
  return { name, kind: 'psi', parties: breastVertical(name, 1).parties };
}

describe('per-party job approval', () => {
  it('a vertical job waits for the host, which sees it and approves it from the CLI; then it runs', async () => {
    const id = await submit(breastVertical('approved-model', 1));
    await awaiting(id);
    expect(view(id).approvals).toEqual([
      expect.objectContaining({ party: 'guest', state: 'approved', auto: true, approvedBy: ['policy'] }),
      expect.objectContaining({ party: 'host', state: 'pending', approvedBy: [], required: 1 }),
    ]);
    // Nothing was prepared while it waited.
    expect(ledger('host', id).map((e) => e.kind)).toEqual(['approval.pending', 'job.approval']);
    if (BROWSER) {
      const shown = await jobPage(id, 'job-awaiting-approval.png');
      expect(shown.approvals).toEqual([['guest', 'approved', 'its policy', ''], ['host', 'pending', '– (0/1)', '']]);
      expect(shown.notice).toBe('waiting for approval by host');
      expect(shown.empty).toContain('Waiting for the parties to load their data…');
    }

    const list = await approvals('host', 'list');
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(`${id}  pending   approved-model (vertical/logistic, propensity) with guest  0/1 approvals`);
    const show = await approvals('host', 'show', id);
    expect(show.stdout).toContain('  purpose:   propensity');
    expect(show.stdout).toContain('  model:     vertical/logistic, this party as host');
    expect(show.stdout).toContain('  partners:  guest');
    expect(show.stdout).toContain('  features:  every other column of the table (the job lists none)');
    expect(show.stdout).toMatch(/ {2}reveals: {3}PSI: .* its partial scores on the evaluation rows to the guest/);

    const approve = await approvals('host', 'approve', id, '--as', 'alice');
    expect(approve.stderr).toBe('');
    expect(approve.stdout.trim()).toBe(`approved ${id} as alice: the job is now approved here (1/1 approvals (alice))`);
    const done = await d.coordinator.runner.waitFor(id);
    expect(done.state).toBe('succeeded');
    expect(done.submittedBy).toBe('test-scientist');
    expect(done.approvals?.find((a) => a.party === 'host')).toMatchObject({ state: 'approved', approvedBy: ['alice'] });
    const host = readLedger(ledgerPath(join(d.dir, 'host')));
    expect(verifyChain(host).ok).toBe(true);
    const kinds = host.filter((e) => e.job === id).map((e) => e.kind);
    expect(kinds.indexOf('approval.approved')).toBeLessThan(kinds.indexOf('job.ready'));
    expect(host.find((e) => e.job === id && e.kind === 'approval.approved')?.note).toBe('{"by":"alice","approvals":"1/1"}');
  }, 120_000);

  it('a job rejected by a party ends rejected with its reason, before anything is exchanged', async () => {
    const id = await submit(breastVertical('rejected-model', 1));
    await awaiting(id);
    const reject = await approvals('host', 'reject', id, '--as', 'carol', '--reason', 'tumour data may not be used for marketing');
    expect(reject.stdout.trim()).toBe(`rejected ${id} as carol: the job is now rejected here (rejected by carol: tumour data may not be used for marketing)`);
    const done = await d.coordinator.runner.waitFor(id);
    expect(done.state).toBe('rejected');
    expect(done.error).toEqual({ code: 'FM_ERR_JOB_REJECTED', message: `party host rejected job ${id}: tumour data may not be used for marketing (carol)` });
    for (const party of ['guest', 'host']) expect(ledger(party, id).filter((e) => e.kind === 'job.ready' || e.kind === 'relay.send')).toEqual([]);
    if (BROWSER) {
      const shown = await jobPage(id, 'job-rejected.png');
      expect(shown.approvals).toEqual([['guest', 'approved', 'its policy', ''], ['host', 'rejected', '– (0/1)', 'tumour data may not be used for marketing (carol)']]);
      expect(shown.empty).toContain('No party loaded its data for this job.');
      expect(shown.notice).toBe(`FM_ERR_JOB_REJECTED: party host rejected job ${id}: tumour data may not be used for marketing (carol)`);
    }
    // Deciding again, or on a job that does not exist, is refused and recorded.
    const again = await approvals('host', 'approve', id, '--as', 'alice');
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`FM_ERR_APPROVAL_STATE: party host: job ${id} is rejected and cannot be approved`);
    const unknown = await approvals('host', 'approve', 'job-does-not-exist', '--as', 'alice');
    expect(unknown.stderr).toContain('FM_ERR_APPROVAL_NOT_FOUND: party host has no job job-does-not-exist to approve');
    expect(ledger('host', 'job-does-not-exist').map((e) => e.kind)).toEqual(['refused.approval-decision']);
  }, 120_000);

  it('a PSI job is approved by the host\'s rule and needs two different approvers at the guest', async () => {
    const id = await submit(psiJob('two-approvers'));
    await awaiting(id);
    expect(view(id).approvals?.find((a) => a.party === 'host')).toMatchObject({ state: 'approved', auto: true });
    expect(ledger('host', id)[0]?.note).toBe('{"rule":0}');
    expect((await approvals('guest', 'approve', id, '--as', 'alice')).stdout).toContain('the job is now pending here (1/2 approvals (alice))');
    await until(() => view(id).approvals?.find((a) => a.party === 'guest')?.approvedBy.includes('alice'), 10_000, 'first approval reported');
    expect(view(id).state).toBe('awaiting-approval');
    expect((await approvals('guest', 'approve', id, '--as', 'alice')).stderr).toContain('alice may not approve job');
    expect((await approvals('guest', 'approve', id, '--as', 'mallory')).stderr).toContain('mallory may not approve job');
    expect(view(id).state).toBe('awaiting-approval');
    await approvals('guest', 'approve', id, '--as', 'bob');
    const done = await d.coordinator.runner.waitFor(id);
    expect(done.state).toBe('succeeded');
    expect(done.result?.psi?.intersectionSize).toBe(569);
    expect(done.approvals?.find((a) => a.party === 'guest')).toMatchObject({ state: 'approved', approvedBy: ['alice', 'bob'], required: 2 });
  }, 120_000);

  it('a coordinator that swaps the job after the host approved it is refused at job.prepare', async () => {
    const id = await submit(breastVertical('swapped', 1));
    swapFor = id;
    try {
      await awaiting(id);
      await approvals('host', 'approve', id, '--as', 'alice');
      const done = await d.coordinator.runner.waitFor(id);
      expect(done.state).toBe('failed');
      expect(done.error?.code).toBe('FM_ERR_APPROVAL_SPEC_CHANGED');
      expect(done.error?.message).toMatch(new RegExp(`^party host refused job ${id}: the job to prepare \\(spec [0-9a-f]{12}…\\) is not the one reviewed \\(spec [0-9a-f]{12}…\\)$`));
    } finally {
      swapFor = undefined;
    }
    // The host read nothing and sent nothing but its refusal; the refusal is in its ledger.
    expect(ledger('host', id).map((e) => e.kind)).toEqual(['approval.pending', 'job.approval', 'approval.approved', 'job.approval', 'refused.approval-spec', 'job.failed']);
  }, 120_000);
});

describe('four-eyes publishing', () => {
  it('refuses publish without an approver and approval by the trainer; accepts a different approver', async () => {
    const model = d.coordinator.store.models('approved-model')[0];
    expect(model?.status).toBe('candidate');
    const publish = await fedmark(['models', 'publish', 'approved-model', '1'], d.keys.scientist);
    expect(publish.code).toBe(1);
    expect(publish.stderr).toContain('FM_ERR_MODEL_APPROVAL: model approved-model version 1: this coordinator publishes only with four eyes');
    const byTrainer = await fedmark(['models', 'approve', 'approved-model', '1'], TRAINER_AS_APPROVER);
    expect(byTrainer.stderr).toContain('FM_ERR_MODEL_APPROVAL: model approved-model version 1: test-scientist trained it and may not also approve it; another approver must');
    const byScientist = await fedmark(['models', 'approve', 'approved-model', '1'], d.keys.scientist);
    expect(byScientist.stderr).toContain('FM_ERR_AUTH_ROLE: a scientist key may not do this (allowed: approver)');
    expect(d.coordinator.store.model('approved-model', 1)?.status).toBe('candidate');

    const ok = await fedmark(['models', 'approve', 'approved-model', '1', '--note', 'lift and AUC checked'], BOB);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toMatch(/trained by test-scientist; approved by bob at \d{4}-\d\d-\d\dT.* on auc 0\.\d{4}/);
    const card = (await d.api<{ status: string; card: ModelCard }>('GET', '/v1/models/approved-model/versions/1')).body;
    expect(card.status).toBe('published');
    expect(card.card.approval).toMatchObject({ trainedBy: 'test-scientist', approvedBy: 'bob', note: 'lift and AUC checked', figures: { auc: card.card.metrics.auc } });
  }, 60_000);
});
