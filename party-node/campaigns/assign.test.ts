// The guest's side of campaign.assign, on a work folder laid out as PSI and a lookalike job leave
// it: eligibility (scored, not suppressed, not a seed), arms, targeting by each arm's own score,
// the files for the guest's staff, and a coordinator that tries to single customers out.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../testing/fixtures.ts';
import { float64Bytes } from '../../protocol/peer/blobs.ts';
import { savePopulationScores } from '../jobs/lookalike/audience.ts';
import { SuppressionList } from '../suppression/list.ts';
import { assignCampaign } from './assign.ts';
import { CampaignStore } from './store.ts';

const N = 1000;
const ids = Array.from({ length: N }, (_, i) => `C${String(i).padStart(4, '0')}`);
const log = pino({ level: 'silent' });

/** A guest work folder with the intersection of job-1 and, for lookalike, its population scores (joint score i, guest-alone score −i: the reverse ranking). */
async function guestFolder(): Promise<string> {
  const dir = await tempDir('campaign-assign');
  await mkdir(join(dir, 'jobs', 'job-1'), { recursive: true });
  await writeFile(join(dir, 'jobs', 'job-1', 'intersection.csv'), `id\n${ids.join('\n')}\n`);
  const seed = Uint8Array.from(ids, (_, i) => (i % 10 === 0 ? 1 : 0));
  await savePopulationScores(dir, 'lal', 'job-1', { ids, scores: Float64Array.from(ids, (_, i) => i), seed, guestOnly: Float64Array.from(ids, (_, i) => -i) });
  return dir;
}

const body = (campaign: string, extra: Record<string, unknown> = {}) => ({
  campaign, model: 'lal', modelJob: 'job-1', purpose: 'lookalike' as const, target: { topPercent: 20 }, controlFraction: 0.2, guestArm: true, ...extra,
});
const scores = (f: (i: number) => number) => float64Bytes(Float64Array.from(ids, (_, i) => f(i)));

describe('campaign assignment at the guest', () => {
  it('targets the eligible customers by each arm\'s own score, splits them 40/40/20 within deciles, and keeps the assignment here', async () => {
    const dir = await guestFolder();
    const list = new SuppressionList(dir);
    list.add([{ id: 'c0999', reason: 'opt-out', date: '2026-12-01' }, { id: 'C0998', reason: 'opt-out', date: '2026-12-01' }]);
    list.close();
    // Row 997 unscorable at some party (NaN); seeds are every tenth row.
    const reply = await assignCampaign({ workDir: dir, party: 'bank', log }, body('cmp-1'), scores((i) => (i === 997 ? Number.NaN : i)));
    // 1000 − 100 seeds − 2 suppressed − 1 unscorable.
    expect(reply.population).toBe(897);
    expect(reply.suppressed).toBe(2);
    const store = new CampaignStore(dir);
    const assigned = store.assignment('cmp-1');
    store.close();
    const byArm = (arm: string) => assigned.filter((a) => a.arm === arm);
    expect(assigned.some((a) => ['C0999', 'C0998', 'C0997', 'C0990'].includes(a.id))).toBe(false);
    // Joint and control are targeted by the joint score (high i), the guest arm by the guest-alone score (low i).
    expect(Math.min(...byArm('joint').map((a) => Number(a.id.slice(1))))).toBeGreaterThan(700);
    expect(Math.min(...byArm('control').map((a) => Number(a.id.slice(1))))).toBeGreaterThan(700);
    expect(Math.max(...byArm('guest').map((a) => Number(a.id.slice(1))))).toBeLessThan(300);
    // Each arm's targeted share is about 20% of its part of the population.
    const sizes = reply.arms.map((a) => a.deciles.reduce((s, d) => s + d.size, 0));
    expect(sizes).toEqual([byArm('joint').length, byArm('guest').length, byArm('control').length]);
    expect(sizes[0]! / (0.4 * 897)).toBeCloseTo(0.2, 1);
    expect(sizes[2]! / (0.2 * 897)).toBeCloseTo(0.2, 1);
    expect(reply.arms[0]?.deciles.map((d) => d.decile)).toEqual([1, 2]);
    const contacts = await readFile(join(dir, 'campaigns', 'cmp-1', 'contacts.csv'), 'utf8');
    expect(contacts.split('\n').filter(Boolean).length - 1).toBe(sizes[0]! + sizes[1]!);
    expect(contacts).not.toMatch(/,control,/);
  });

  it('draws a new key per campaign: the same customers land in other arms', async () => {
    const dir = await guestFolder();
    await assignCampaign({ workDir: dir, party: 'bank', log }, body('a', { guestArm: false, target: { deciles: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] } }), scores((i) => i));
    await assignCampaign({ workDir: dir, party: 'bank', log }, body('b', { guestArm: false, target: { deciles: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] } }), scores((i) => i));
    const store = new CampaignStore(dir);
    const a = new Map(store.assignment('a').map((x) => [x.id, x.arm]));
    const moved = store.assignment('b').filter((x) => a.get(x.id) !== x.arm).length;
    store.close();
    // Two independent 80/20 splits of 900 differ for about 2·0.8·0.2·900 = 288 customers.
    expect(moved).toBeGreaterThan(150);
    await expect(assignCampaign({ workDir: dir, party: 'bank', log }, body('a'), scores((i) => i))).rejects.toMatchObject({ code: 'FM_ERR_CAMPAIGN_INPUT' });
  });

  it('refuses a coordinator that leaves all but a few rows unscored to single customers out, under the party\'s minCohortSize', async () => {
    const dir = await guestFolder();
    const isolate = scores((i) => (i === 501 || i === 502 ? i : Number.NaN));
    await expect(assignCampaign({ workDir: dir, party: 'bank', log, minCohortSize: 100 }, body('probe', { guestArm: false }), isolate))
      .rejects.toMatchObject({ code: 'FM_ERR_POLICY_REFUSED', message: expect.stringMatching(/campaign probe would have 2 eligible customers, fewer than its minimum of 100/) });
    const store = new CampaignStore(dir);
    expect(store.has('probe')).toBe(false);
    store.close();
  });

  it('refuses a guest-alone arm without guest-alone scores, and a payload of the wrong size', async () => {
    const dir = await guestFolder();
    await expect(assignCampaign({ workDir: dir, party: 'bank', log }, body('p', { purpose: 'propensity' }), scores((i) => i))).rejects.toMatchObject({ code: 'FM_ERR_CAMPAIGN_INPUT', params: { field: 'guestArm' } });
    await expect(assignCampaign({ workDir: dir, party: 'bank', log }, body('q'), float64Bytes(new Float64Array(3)))).rejects.toThrow(/campaign\.assign/);
  });
});
