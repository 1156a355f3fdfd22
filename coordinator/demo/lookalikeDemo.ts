// The demo's lookalike step: split bank-marketing as a bank and a partner would hold it, run
// examples/bank-marketing-lookalike.yaml, re-cut the audience through the HTTP API, measure
// how many of the subscribers kept out of the seeds the audience finds, and end with a short
// simulated campaign on the model (campaignDemo.ts).
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BANK_MARKETING } from '../../data/sets.ts';
import { readJobFile } from '../jobs/jobFile.ts';
import type { VerticalJobSpec } from '../../protocol/messages/jobSpec.ts';
import { guestAudience, simulate, type SimulateOptions, type SimulationResult } from '../simulate.ts';
import { splitBankMarketing, type BankMarketingSplit } from './bankMarketing.ts';
import { audienceRecall } from './audienceRecall.ts';
import { runCampaignDemo } from './campaignDemo.ts';
import type { CampaignView } from '../campaigns/view.ts';
import { campaignText } from '../cli/campaignText.ts';

export const LOOKALIKE_JOB = fileURLToPath(new URL('../../examples/bank-marketing-lookalike.yaml', import.meta.url));

/** The example job file pointed at a copy of the split (its bank, partner and seed files), with `overrides`. */
export async function lookalikeJobFor(split: BankMarketingSplit, overrides: Partial<VerticalJobSpec> = {}): Promise<VerticalJobSpec> {
  const spec = await readJobFile(LOOKALIKE_JOB);
  if (spec.kind !== 'vertical') throw new Error(`${LOOKALIKE_JOB}: not a vertical job`);
  const [bank, partner] = spec.parties;
  if (!bank || !partner) throw new Error(`${LOOKALIKE_JOB}: no bank and partner`);
  bank.data.path = split.bank;
  partner.data.path = split.partner;
  return { ...spec, seeds: { path: split.seeds, idColumn: 'customer_id' }, ...overrides };
}

export interface LookalikeDemo {
  result: SimulationResult;
  split: BankMarketingSplit;
  /** Hidden subscribers in the audience. */
  hidden?: { found: number; total: number; recall: number };
  /** The audience re-cut at 10% through the API. */
  recut?: { path: string; size: number };
  /** The simulated campaign's report, or why it could not run. */
  campaign?: CampaignView | { error: string };
  /** Seconds the campaign step took (opt-outs, publishing, scoring, assignment, outcomes, report). */
  campaignSeconds?: number;
}

/** `afterCampaign`: runs once the simulated campaign has its report, while the coordinator is still up (e.g. to screenshot its dashboard page). */
export async function runLookalikeDemo(opts: Omit<SimulateOptions, 'afterJob'> & { afterCampaign?: (ctx: { url: string; adminKey: string; campaign: CampaignView }) => Promise<void> } = {}): Promise<LookalikeDemo> {
  // Where the example job file expects its data: .fedmark/demo-data/ next to examples/ (not committed).
  const split = await splitBankMarketing(BANK_MARKETING, resolve(dirname(LOOKALIKE_JOB), '../.fedmark/demo-data/bank-marketing'));
  const spec = await readJobFile(LOOKALIKE_JOB);
  let recut: LookalikeDemo['recut'];
  let campaign: LookalikeDemo['campaign'];
  let campaignSeconds: number | undefined;
  const { afterCampaign: _, ...simulateOpts } = opts;
  const result = await simulate(spec, {
    ...simulateOpts,
    afterJob: async ({ url, adminKey, result: r }) => {
      const res = await fetch(`${url}/v1/models/${r.model?.name}/versions/${r.model?.version}/audience`, {
        method: 'POST', headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ audienceFraction: 0.1 }),
      });
      if (res.ok) recut = ((await res.json()) as { audience: { path: string; size: number } }).audience;
      if (r.model) {
        const started = performance.now();
        campaign = await runCampaignDemo({ url, adminKey, model: r.model, bankDir: resolve(r.runDir, 'party-bank'), hiddenFile: split.hidden })
          .catch((err: unknown) => ({ error: err instanceof Error ? err.message : String(err) }));
        campaignSeconds = (performance.now() - started) / 1000;
        if (opts.afterCampaign && !('error' in campaign)) await opts.afterCampaign({ url, adminKey, campaign });
      }
    },
  });
  const audience = guestAudience(result);
  const hidden = audience ? await audienceRecall(audience.path, split.hidden) : undefined;
  return { result, split, ...(hidden ? { hidden } : {}), ...(recut ? { recut } : {}), ...(campaign ? { campaign, campaignSeconds } : {}) };
}

export function describeCampaignDemo(d: LookalikeDemo): string {
  if (!d.campaign) return '';
  if ('error' in d.campaign) return `\nStep 3, a simulated campaign, could not run: ${d.campaign.error}`;
  return [
    `\nStep 3, a simulated campaign on the lookalike model (${d.campaignSeconds?.toFixed(1)} s; outcomes drawn from the data's own labels, see docs/campaigns.md):`,
    campaignText(d.campaign),
  ].join('\n');
}

export function describeLookalikeDemo(d: LookalikeDemo): string {
  if (!d.hidden || !d.result.audience) return '';
  const model = d.result.model;
  return [
    `Of the ${d.hidden.total} subscribers the bank kept out of the seeds, the audience (the top 20% of the`,
    `${d.split.rows - d.split.seedCount} customers who are not seeds) holds ${d.hidden.found}: recall ${d.hidden.recall.toFixed(3)} at 20%, where random picking finds 0.200.`,
    `The audience file stays at the bank: ${d.result.audience.path}`,
    ...(d.recut ? [`Re-cut at 10% through the API without retraining (${d.recut.size} customers): ${d.recut.path}`] : []),
    'A marketing engineer would call, with a scientist key against a running coordinator:',
    `  curl -s -X POST http://127.0.0.1:7400/v1/models/${model?.name}/versions/${model?.version}/audience \\`,
    `    -H "authorization: Bearer $FEDMARK_API_KEY" -H 'content-type: application/json' -d '{"audienceSize": 500}'`,
  ].join('\n');
}
