// Campaigns and opt-outs end to end (issue 17): a lookalike model trained on bank-marketing by a
// bank and a partner (real coordinator and party processes), a campaign on its top 30% with a
// guest-alone arm and a 30% control, outcomes simulated at the bank with a known uplift, and the
// suppression list honoured before the arms are assigned (not targeted, counted) and after (not
// counted in the arm, counted as suppressed). No customer ID may cross the coordinator.
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { VerticalJobSpec } from '../protocol/messages/jobSpec.ts';
import { simulate } from '../coordinator/simulate.ts';
import { ID_PREFIX, splitBankMarketing, type BankMarketingSplit } from '../coordinator/demo/bankMarketing.ts';
import { lookalikeJobFor } from '../coordinator/demo/lookalikeDemo.ts';
import { BANK_MARKETING } from '../data/sets.ts';
import { readPopulationScores } from '../party-node/jobs/lookalike/audience.ts';
import { CampaignStore, type Assigned } from '../party-node/campaigns/store.ts';
import type { CampaignView } from '../coordinator/campaigns/view.ts';
import { rng, shuffleInPlace, tempDir } from './fixtures.ts';

const CLI = fileURLToPath(new URL('../bin/fedmark.ts', import.meta.url));

function fedmark(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', CLI, ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => void (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** True conversion rates per arm: targeting with the joint model adds 10 points over control, 5 over the guest-alone model. */
const RATES = { joint: 0.15, guest: 0.1, control: 0.05 } as const;

let dir: string;
let split: BankMarketingSplit;

beforeAll(async () => {
  dir = await tempDir('campaign');
  split = await splitBankMarketing(BANK_MARKETING, join(dir, 'data'));
});

describe('a campaign on the bank-marketing lookalike model, with opt-outs', () => {
  it('reports rates, uplift and the partners\' extra conversions around the true values, and honours the suppression list', async () => {
    const spec = await lookalikeJobFor(split);
    // Fewer epochs than the example: the campaign needs a ranking, not the best one.
    spec.training = { ...(spec.training as NonNullable<VerticalJobSpec['training']>), epochs: 5 };
    const runDir = join(dir, 'run');
    const bankDir = join(runDir, 'party-bank');
    let leakedFrames = 0;
    const seen: {
      before?: string[]; created?: CampaignView; pending?: CampaignView; report?: CampaignView; cliJson?: CampaignView; cliText?: string;
      assignment?: Assigned[]; after?: Assigned[]; expected?: Record<string, { size: number; conversions: number; suppressed: number }>;
      bad?: Array<{ code: number; stderr: string }>; badStatus?: Record<string, { status: number; code: string; message: string }>; recorded?: boolean; scoresFile?: string;
      audienceIds?: string[];
    } = {};
    const result = await simulate(spec, {
      runDir,
      tap: ({ bytes }) => void (Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes(ID_PREFIX) && leakedFrames++),
      afterJob: async ({ url, adminKey, scorerKey, result: r }) => {
        const api = async (method: string, path: string, body?: unknown, key = adminKey) => {
          const res = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
          return { status: res.status, json: (await res.json()) as Record<string, unknown> };
        };
        const name = r.model?.name as string;
        // Five of the best-scored non-seeds opt out before the campaign: one by the command, four by a file.
        const population = await readPopulationScores(bankDir, name, r.job);
        const candidates = population.ids.map((id, i) => ({ id, s: population.scores[i] as number, seed: population.seed[i] })).filter((c) => c.seed === 0).sort((a, b) => b.s - a.s);
        seen.before = candidates.slice(0, 5).map((c) => c.id);
        expect((await fedmark(['party', 'suppression', 'add', seen.before[0] as string, '--reason', 'opt-out by phone', '--work-dir', bankDir])).code).toBe(0);
        const importFile = join(dir, 'optouts.csv');
        await writeFile(importFile, `customer_id,reason,date\n${seen.before.slice(1).map((id) => `${id},consent withdrawn,2026-11-30`).join('\n')}\n`);
        expect((await fedmark(['party', 'suppression', 'import', importFile, '--work-dir', bankDir])).code).toBe(0);

        await api('POST', `/v1/models/${name}/versions/1/publish`);
        // Batch scoring and the audience honour the list from now on.
        const all = await api('POST', `/v1/models/${name}/batch-score`, { all: true }, scorerKey);
        seen.scoresFile = await readFile((all.json.writtenAt as { path: string }).path, 'utf8');
        const recut = await api('POST', `/v1/models/${name}/versions/1/audience`, { audienceFraction: 0.05 });
        seen.audienceIds = (await readFile((recut.json.audience as { path: string }).path, 'utf8')).split('\n').slice(1).map((l) => l.split(',')[0] as string);

        seen.badStatus = {};
        for (const [label, body] of [
          ['control 0', { name: 'c', model: name, target: { topPercent: 30 }, controlFraction: 0 }],
          ['control 1', { name: 'c', model: name, target: { topPercent: 30 }, controlFraction: 1 }],
          ['unknown model', { name: 'c', model: 'no-such-model', target: { topPercent: 30 }, controlFraction: 0.2 }],
        ] as const) {
          const res = await api('POST', '/v1/campaigns', body);
          seen.badStatus[label] = { status: res.status, code: String(res.json.code), message: String(res.json.message) };
        }

        const created = await api('POST', '/v1/campaigns', { name: 'term deposit, December', model: name, target: { topPercent: 30 }, controlFraction: 0.3, guestArm: true });
        expect(created.status).toBe(201);
        seen.created = created.json as unknown as CampaignView;
        const id = seen.created.id;
        const store = new CampaignStore(bankDir);
        seen.assignment = store.assignment(id);
        store.close();

        // Bad outcome files first: each is refused, naming file, row and column, and records nothing.
        const byArm = (arm: string) => (seen.assignment as Assigned[]).filter((a) => a.arm === arm);
        const first = byArm('joint')[0] as Assigned;
        const bad = [
          ['unknown.csv', `customer_id,converted\n${first.id},1\nnot-in-campaign,0\n`],
          ['duplicate.csv', `customer_id,converted\n${first.id},1\n${first.id},0\n`],
          ['columns.csv', `customer,converted\n${first.id},1\n`],
          ['notbinary.csv', `customer_id,converted\n${first.id},yes\n`],
        ];
        seen.bad = [];
        for (const [file, text] of bad) {
          await writeFile(join(dir, file as string), text as string);
          seen.bad.push(await fedmark(['party', 'campaign', 'outcomes', 'upload', join(dir, file as string), '--campaign', id, '--work-dir', bankDir, '--party', 'bank']));
        }
        seen.pending = (await api('GET', `/v1/campaigns/${id}`)).json as unknown as CampaignView;

        // Two joint and two control customers opt out after the assignment.
        const random = rng(17);
        const late = [...shuffleInPlace([...byArm('joint')], random).slice(0, 2), ...shuffleInPlace([...byArm('control')], random).slice(0, 2)];
        for (const a of late) expect((await fedmark(['party', 'suppression', 'add', a.id, '--reason', 'opt-out', '--work-dir', bankDir])).code).toBe(0);
        const lateKeys = new Set(late.map((a) => a.key));
        // Outcomes of a known uplift: in each arm exactly round(rate · n) of the customers still contactable convert, chosen at random.
        const lines = ['customer_id,converted,value'];
        seen.expected = {};
        for (const arm of ['joint', 'guest', 'control'] as const) {
          const reachable = shuffleInPlace(byArm(arm).filter((a) => !lateKeys.has(a.key)), random);
          const conversions = Math.round(RATES[arm] * reachable.length);
          reachable.forEach((a, k) => lines.push(`${a.id},${k < conversions ? 1 : 0},${k < conversions ? 1000 : 0}`));
          seen.expected[arm] = { size: reachable.length, conversions, suppressed: byArm(arm).length - reachable.length };
        }
        const outcomes = join(dir, 'outcomes.csv');
        await writeFile(outcomes, `${lines.join('\n')}\n`);
        const upload = await fedmark(['party', 'campaign', 'outcomes', 'upload', outcomes, '--campaign', id, '--work-dir', bankDir, '--party', 'bank']);
        expect(upload.stderr).toBe('');
        expect(upload.code).toBe(0);
        seen.report = (await api('GET', `/v1/campaigns/${id}`)).json as unknown as CampaignView;
        const show = await fedmark(['campaign', 'show', id, '--json', '--url', url, '--key', adminKey]);
        seen.cliJson = JSON.parse(show.stdout) as CampaignView;
        seen.cliText = (await fedmark(['campaign', 'show', id, '--url', url, '--key', adminKey])).stdout;
        // A retired model takes no new campaign.
        await api('POST', `/v1/models/${name}/versions/1/retire`);
        const retired = await api('POST', '/v1/campaigns', { name: 'c', model: name, version: 1, target: { topPercent: 30 }, controlFraction: 0.2 });
        seen.badStatus.retired = { status: retired.status, code: String(retired.json.code), message: String(retired.json.message) };
      },
    });
    expect(result.error).toBeUndefined();

    // Suppressed before the campaign: no score in the batch file, not in the audience, not assigned, counted.
    const before = seen.before as string[];
    for (const id of before) expect(seen.scoresFile).toContain(`\n${id},,\n`);
    expect(seen.audienceIds?.filter((id) => before.includes(id))).toEqual([]);
    expect(seen.created?.suppressedAtAssignment).toBe(5);
    expect(seen.assignment?.filter((a) => before.includes(a.id))).toEqual([]);

    // Arms: a 35/35/30 split of the top 30% of the eligible customers, by their arm's own score.
    const created = seen.created as CampaignView;
    const sizes = Object.fromEntries(created.assigned.map((a) => [a.name, a.size]));
    const targeted = Object.values(sizes).reduce((s, n) => s + n, 0);
    expect(targeted / created.population).toBeGreaterThan(0.27);
    expect(targeted / created.population).toBeLessThan(0.33);
    expect((sizes.control as number) / targeted).toBeCloseTo(0.3, 1);

    // Bad input: clear errors, nothing recorded.
    expect(seen.badStatus?.['control 0']).toMatchObject({ status: 400, code: 'FM_ERR_CAMPAIGN_INPUT' });
    expect(seen.badStatus?.['control 0']?.message).toMatch(/controlFraction: must be strictly between 0 and 1/);
    expect(seen.badStatus?.['control 1']).toMatchObject({ status: 400, code: 'FM_ERR_CAMPAIGN_INPUT' });
    expect(seen.badStatus?.['unknown model']).toMatchObject({ status: 404, code: 'FM_ERR_MODEL_NOT_FOUND' });
    expect(seen.badStatus?.retired).toMatchObject({ status: 409, code: 'FM_ERR_MODEL_STATE' });
    expect(seen.badStatus?.retired?.message).toMatch(/is retired and cannot run a campaign/);
    const [unknown, duplicate, columns, notBinary] = seen.bad ?? [];
    expect(unknown?.code).toBe(2);
    expect(unknown?.stderr).toMatch(/FM_ERR_CAMPAIGN_OUTCOMES: party bank: outcome file .*unknown\.csv row 3, column "customer_id": this customer is not in the campaign; nothing was recorded/);
    expect(duplicate?.stderr).toMatch(/duplicate\.csv row 3, column "customer_id": the customer repeats row 2/);
    expect(columns?.stderr).toMatch(/columns\.csv row 1, column "customer_id": the header lacks it/);
    expect(notBinary?.stderr).toMatch(/notbinary\.csv row 2, column "converted": "yes" is not 0 or 1/);
    expect(seen.pending?.status).toBe('awaiting-outcomes');
    expect(seen.pending?.arms).toBeUndefined();

    // The report: the counts the bank holds, intervals around the known truth.
    const report = seen.report as CampaignView;
    expect(report.status).toBe('reported');
    const expected = seen.expected as Record<string, { size: number; conversions: number; suppressed: number }>;
    expect(report.arms?.map((a) => [a.name, a.size, a.conversions, a.suppressed])).toEqual(['joint', 'guest', 'control'].map((n) => [n, expected[n]?.size, expected[n]?.conversions, expected[n]?.suppressed]));
    expect(report.arms?.find((a) => a.name === 'joint')?.suppressed).toBe(2);
    expect(report.arms?.find((a) => a.name === 'control')?.suppressed).toBe(2);
    for (const a of report.arms ?? []) {
      expect(a.ci95[0]).toBeLessThanOrEqual(a.rate as number);
      expect(a.ci95[1]).toBeGreaterThanOrEqual(a.rate as number);
      expect(a.ci95[0]).toBeLessThanOrEqual(RATES[a.name]);
      expect(a.ci95[1]).toBeGreaterThanOrEqual(RATES[a.name]);
    }
    const trueUplift = RATES.joint - RATES.control;
    expect(report.uplift?.ci95[0]).toBeLessThan(trueUplift);
    expect(report.uplift?.ci95[1]).toBeGreaterThan(trueUplift);
    expect(report.uplift?.relative).toBeCloseTo((expected.joint!.conversions / expected.joint!.size) / (expected.control!.conversions / expected.control!.size) - 1, 10);
    const trueExtra = (RATES.joint - RATES.guest) * expected.joint!.size;
    expect(report.partnerContribution?.ci95[0]).toBeLessThan(trueExtra);
    expect(report.partnerContribution?.ci95[1]).toBeGreaterThan(trueExtra);
    expect(report.byDecile?.map((d) => d.decile)).toEqual([1, 2, 3]);
    expect(report.sampleSizePerArm).toBeGreaterThan(0);
    expect(report.arms?.find((a) => a.name === 'joint')?.value).toBe(expected.joint!.conversions * 1000);
    expect(seen.cliJson).toEqual(report);
    expect(seen.cliText).toMatch(/uplift, joint over control: \+\d+\.\d+ pts/);
    expect(seen.cliText).toMatch(/extra conversions over the guest-alone model/);
    expect(leakedFrames).toBe(0);
    // Training with real processes, then a dozen CLI processes: minutes on a loaded 2-core machine.
  }, 600_000);
});
