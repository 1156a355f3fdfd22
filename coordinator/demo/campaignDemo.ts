// The demo's last step, a short simulated campaign on the lookalike model: a few customers opt out
// at the bank, the model is published, a campaign targets the top 20% of the non-seed customers
// with a guest-alone arm and a 20% control group, and the bank's staff upload outcomes. The
// outcomes are simulated from the data's own labels: a hidden subscriber (one the job never saw as
// a seed) converts with probability 0.5 when contacted and 0.1 when held back, anyone else with
// 0.03 and 0.01; so a model that ranks hidden subscribers higher earns more conversions. The bank's
// side runs through the `fedmark party` commands a bank's staff would use, on the bank's work folder.
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FedmarkError } from '../../errors/table.ts';
import { mulberry32 } from '../../models/random.ts';
import type { CampaignView } from '../campaigns/view.ts';

const CLI = fileURLToPath(new URL('../../bin/fedmark.ts', import.meta.url));

/** Conversion probabilities of the simulation: [contacted, held back], for hidden subscribers and for the others. */
const SUBSCRIBER = [0.5, 0.1] as const;
const OTHER = [0.03, 0.01] as const;

async function fedmarkParty(args: string[]): Promise<void> {
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', CLI, 'party', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  if (code !== 0) throw new FedmarkError('FM_ERR_INTERNAL', { reason: `fedmark party ${args[0]} failed: ${stderr.trim()}` });
}

function ids(text: string): string[] {
  return text.split(/\r?\n/).slice(1).filter(Boolean).map((l) => l.split(/[,;]/)[0] as string);
}

export interface CampaignDemoInput {
  url: string;
  adminKey: string;
  model: { name: string; version: number };
  /** The bank's work folder. */
  bankDir: string;
  /** The subscribers kept out of the seeds (customer_id). */
  hiddenFile: string;
}

export async function runCampaignDemo(o: CampaignDemoInput): Promise<CampaignView> {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${o.url}${path}`, { method, headers: { authorization: `Bearer ${o.adminKey}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
    const json = (await res.json()) as T & { code?: string; message?: string };
    if (!res.ok) throw new FedmarkError('FM_ERR_INTERNAL', { reason: `${method} ${path}: ${json.code}: ${json.message}` });
    return json;
  };
  const hidden = new Set(ids(await readFile(o.hiddenFile, 'utf8')));
  // Three hidden subscribers opt out before the campaign: they are never targeted, only counted.
  const optOuts = join(o.bankDir, '..', 'campaign-opt-outs.csv');
  await writeFile(optOuts, `customer_id,reason,date\n${[...hidden].slice(0, 3).map((id) => `${id},asked not to be contacted,2026-12-01`).join('\n')}\n`);
  await fedmarkParty(['suppression', 'import', optOuts, '--work-dir', o.bankDir, '--party', 'bank']);
  await call('POST', `/v1/models/${encodeURIComponent(o.model.name)}/versions/${o.model.version}/publish`);
  const created = await call<CampaignView>('POST', '/v1/campaigns', { name: 'term deposit (demo)', model: o.model.name, version: o.model.version, target: { topPercent: 20 }, controlFraction: 0.2, guestArm: true });
  // The bank's staff pull every assigned customer's outcome from their CRM; here, simulated.
  const assignment = (await readFile(join(o.bankDir, 'campaigns', created.id, 'assignment.csv'), 'utf8')).split('\n').slice(1).filter(Boolean).map((l) => l.split(','));
  const next = mulberry32(2026);
  const rows = assignment.map(([id, arm]) => {
    const [contacted, heldBack] = hidden.has(id as string) ? SUBSCRIBER : OTHER;
    return `${id},${next() / 2 ** 32 < (arm === 'control' ? heldBack : contacted) ? 1 : 0}`;
  });
  const outcomes = join(o.bankDir, '..', 'campaign-outcomes.csv');
  await writeFile(outcomes, `customer_id,converted\n${rows.join('\n')}\n`);
  await fedmarkParty(['campaign', 'outcomes', 'upload', outcomes, '--campaign', created.id, '--work-dir', o.bankDir, '--party', 'bank']);
  return call<CampaignView>('GET', `/v1/campaigns/${created.id}`);
}
