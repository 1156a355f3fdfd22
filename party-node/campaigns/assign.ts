// The guest's side of a new campaign: from the joint model's score of every intersection row (sent
// by the coordinator, NaN where some party could not or may not score), pick the eligible
// customers (scored, not on the suppression list, not a lookalike seed, in the audience file when
// the target names one), rank them, assign arms with a fresh secret key (keyed hash, stratified by
// the joint score's decile: models/campaign/assignment.ts), apply the target rule with each arm's
// own score, and keep the assignment and the contact list here. Only counts per arm and decile go
// back.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { FedmarkError } from '../../errors/table.ts';
import type { BodyOf } from '../../protocol/messages/index.ts';
import { readFloat64 } from '../../protocol/peer/blobs.ts';
import { assignArms } from '../../models/campaign/assignment.ts';
import { isTargeted, rankDeciles, type Ranked } from '../../models/campaign/target.ts';
import { parseCsv } from '../data/csv.ts';
import { workPath } from '../workPath.ts';
import { readPopulationScores } from '../jobs/lookalike/audience.ts';
import { suppressedKeys, suppressionKey } from '../suppression/list.ts';
import { CampaignStore, type Arm, type Assigned } from './store.ts';

/** The model's intersection at this party, in canonical order (written by PSI: party-node/jobs/psi.ts). */
export async function intersectionIds(workDir: string, job: string, party: string): Promise<string[]> {
  const text = await readFile(workPath(workDir, 'jobs', job, 'intersection.csv'), 'utf8').catch((err: unknown) => {
    throw new FedmarkError('FM_ERR_MODEL_NOT_FOUND', { name: `the intersection of job ${job}`, version: `at party ${party}` }, { cause: err });
  });
  return parseCsv(text, { party, file: 'intersection.csv', delimiter: ',' }).column(0).map((id) => id.trim());
}

async function audienceKeys(workDir: string, party: string, name: string): Promise<Set<string>> {
  const path = workPath(workDir, 'audiences', name);
  const bytes = await readFile(path).catch((err: NodeJS.ErrnoException) => {
    throw new FedmarkError('FM_ERR_CAMPAIGN_INPUT', { field: 'target.audience', reason: `party ${party} has no readable audience file ${name} (${err.code ?? err.message})` });
  });
  const table = parseCsv(bytes, { party, file: name });
  const col = ['id', 'customer_id'].map((c) => table.header.indexOf(c)).find((i) => i >= 0);
  if (col === undefined) throw new FedmarkError('FM_ERR_DATA_COLUMN', { party, file: name, column: 'id' });
  return new Set(table.column(col).map(suppressionKey));
}

export interface AssignContext {
  workDir: string;
  party: string;
  log: Logger;
  /**
   * The party's minCohortSize: the scores come from the coordinator, which could leave all but a
   * few rows unscored to single customers out (and learn, from the counts, whether they are
   * suppressed, seeds or, later, converted); a campaign with fewer eligible customers is refused.
   */
  minCohortSize?: number | undefined;
}

export async function assignCampaign(ctx: AssignContext, body: BodyOf<'campaign.assign'>, payload: Uint8Array | undefined): Promise<BodyOf<'campaign.assigned'>> {
  const store = new CampaignStore(ctx.workDir);
  try {
    if (store.has(body.campaign)) throw new FedmarkError('FM_ERR_CAMPAIGN_INPUT', { field: 'id', reason: `party ${ctx.party} holds a campaign ${body.campaign} already` });
    const ids = await intersectionIds(ctx.workDir, body.modelJob, ctx.party);
    const scores = readFloat64(payload, ids.length, 'campaign.assign');
    const suppressed = suppressedKeys(ctx.workDir);
    const keys = ids.map(suppressionKey);
    const population = body.purpose === 'lookalike' ? await readPopulationScores(ctx.workDir, body.model, body.modelJob) : undefined;
    const byKey = population ? new Map(population.ids.map((id, i) => [suppressionKey(id), i])) : undefined;
    const audience = 'audience' in body.target ? await audienceKeys(ctx.workDir, ctx.party, body.target.audience) : undefined;
    const seedAt = (i: number) => {
      const k = byKey?.get(keys[i] as string);
      return k !== undefined && population?.seed[k] === 1;
    };
    let suppressedCount = 0;
    const eligible = new Uint8Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const listed = suppressed.has(keys[i] as string);
      if (listed) suppressedCount++;
      eligible[i] = Number.isFinite(scores[i]) && !listed && !seedAt(i) && (audience === undefined || audience.has(keys[i] as string)) ? 1 : 0;
    }
    const joint = rankDeciles(scores, eligible);
    if (ctx.minCohortSize !== undefined && joint.eligible < ctx.minCohortSize) {
      throw new FedmarkError('FM_ERR_POLICY_REFUSED', { party: ctx.party, rule: 'minCohortSize', reason: `campaign ${body.campaign} would have ${joint.eligible} eligible customers, fewer than its minimum of ${ctx.minCohortSize}` });
    }
    if (joint.eligible === 0) throw new FedmarkError('FM_ERR_CAMPAIGN_INPUT', { field: 'target', reason: 'no customer is eligible (scored, not suppressed, not a seed, in the audience)' });
    let guest: Ranked | undefined;
    if (body.guestArm) {
      const alone = population?.guestOnly;
      if (!population || !alone || !byKey) throw new FedmarkError('FM_ERR_CAMPAIGN_INPUT', { field: 'guestArm', reason: `party ${ctx.party} keeps no guest-alone scores for model ${body.model} (they are kept for lookalike models trained by this version)` });
      guest = rankDeciles(Float64Array.from(keys, (k, i) => (eligible[i] ? (alone[byKey.get(k) ?? -1] ?? Number.NaN) : Number.NaN)), eligible);
    }
    const members = Array.from(eligible.keys()).filter((i) => eligible[i]);
    const names: Arm[] = body.guestArm ? ['joint', 'guest', 'control'] : ['joint', 'control'];
    const f = body.controlFraction;
    const fractions = body.guestArm ? [(1 - f) / 2, (1 - f) / 2, f] : [1 - f, f];
    const key = randomBytes(32);
    const arms = assignArms(members.map((i) => keys[i] as string), members.map((i) => joint.decile[i] as number), fractions, key);
    const assigned: Assigned[] = [];
    members.forEach((i, k) => {
      const arm = names[arms[k] as number] as Arm;
      const ranking = arm === 'guest' ? (guest as Ranked) : joint;
      if ('audience' in body.target || isTargeted(body.target, ranking, i)) assigned.push({ key: keys[i] as string, id: ids[i] as string, arm, decile: ranking.decile[i] as number });
    });
    // For the guest's staff: whom to contact, and every arm (control included) to pull outcomes for.
    const contacts = workPath(ctx.workDir, 'campaigns', body.campaign, 'contacts.csv');
    await mkdir(dirname(contacts), { recursive: true });
    await writeFile(contacts, listing(assigned.filter((a) => a.arm !== 'control')), { mode: 0o600 });
    await writeFile(workPath(ctx.workDir, 'campaigns', body.campaign, 'assignment.csv'), listing(assigned), { mode: 0o600 });
    store.save({ id: body.campaign, model: body.model, modelJob: body.modelJob, key }, assigned);
    ctx.log.info({ campaign: body.campaign, population: joint.eligible, targeted: assigned.length, suppressed: suppressedCount, contacts }, 'campaign assigned');
    return { population: joint.eligible, suppressed: suppressedCount, arms: names.map((name) => ({ name, deciles: cells(assigned.filter((a) => a.arm === name)) })) };
  } finally {
    store.close();
  }
}

function listing(assigned: readonly Assigned[]): string {
  return `id,arm,decile\n${assigned.map((a) => `${/[",\n\r]/.test(a.id) ? `"${a.id.replaceAll('"', '""')}"` : a.id},${a.arm},${a.decile}\n`).join('')}`;
}

function cells(assigned: readonly Assigned[]): Array<{ decile: number; size: number }> {
  const sizes = new Map<number, number>();
  for (const a of assigned) sizes.set(a.decile, (sizes.get(a.decile) ?? 0) + 1);
  return [...sizes].sort((a, b) => a[0] - b[0]).map(([decile, size]) => ({ decile, size }));
}
