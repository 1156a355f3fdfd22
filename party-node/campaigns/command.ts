// `fedmark party campaign outcomes upload`: the guest's staff record a campaign's outcomes on the
// guest's host. The file is checked against the campaign's assignment and the aggregates per arm
// and decile are kept in the work folder; the coordinator reads them (and nothing else) the next
// time someone shows the campaign.
import { parseArgs } from 'node:util';
import { FedmarkError } from '../../errors/table.ts';
import { usageError } from '../../protocol/usage.ts';
import { poolSmallCells } from '../../models/campaign/cells.ts';
import { HOST_OPTIONS, hostParty } from '../hostCommand.ts';
import { suppressedKeys } from '../suppression/list.ts';
import { readOutcomes, tallyOutcomes } from './outcomes.ts';
import { CampaignStore, type Arm } from './store.ts';

export const CAMPAIGN_OUTCOMES_HELP = `usage: fedmark party campaign outcomes upload FILE --campaign ID (--config FILE | --work-dir DIR) [--json]

Records a campaign's outcomes at the guest. FILE is a CSV with customer_id, converted (0 or 1) and
optionally value (e.g. the amount subscribed). Every row is checked before anything is recorded: a
customer not in the campaign, a repeated customer, a missing column or a converted value other than
0/1 stops the upload with the file, row and column. Customers of the campaign without a row count as
not converted; customers on the suppression list now are counted apart (not contacted). Only counts
per arm and score decile leave this host, pooled across deciles up to the policy's
minCampaignCellSize; a new upload replaces the previous one.`;

const ARM_ORDER: readonly Arm[] = ['joint', 'guest', 'control'];

export async function campaignOutcomesCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: { ...HOST_OPTIONS, campaign: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return void console.log(CAMPAIGN_OUTCOMES_HELP);
  const [what, verb, file] = positionals;
  if (what !== 'outcomes' || verb !== 'upload') usageError('party campaign takes one command: outcomes upload FILE --campaign ID');
  if (!file) usageError('party campaign outcomes upload needs FILE');
  const campaign = values.campaign ?? usageError('party campaign outcomes upload needs --campaign ID');
  const party = await hostParty(values, 'party campaign outcomes upload');
  const store = new CampaignStore(party.workDir);
  try {
    if (!store.has(campaign)) throw new FedmarkError('FM_ERR_CAMPAIGN_NOT_FOUND', { campaign: `${campaign} (at party ${party.id})` });
    const assignment = store.assignment(campaign);
    const byKey = new Map(assignment.map((a) => [a.key, a]));
    const outcomes = await readOutcomes(party.id, file, byKey);
    const arms = ARM_ORDER.filter((arm) => assignment.some((a) => a.arm === arm));
    const tally = tallyOutcomes(arms, assignment, outcomes, suppressedKeys(party.workDir));
    const min = party.policy.minCampaignCellSize;
    const released = min === undefined ? tally.arms : poolSmallCells(tally.arms, min);
    const at = store.saveResults(campaign, released);
    const totals = released.map((arm) => ({
      name: arm.name,
      size: arm.deciles.reduce((s, d) => s + d.size, 0),
      conversions: arm.deciles.reduce((s, d) => s + d.conversions, 0),
      suppressed: arm.deciles.reduce((s, d) => s + d.suppressed, 0),
    }));
    if (values.json) return void console.log(JSON.stringify({ campaign, recordedAt: at, rows: outcomes.size, missing: tally.missing, suppressedRows: tally.suppressedRows, arms: totals }));
    console.log(`campaign ${campaign}: ${outcomes.size} outcome rows recorded at ${at}`);
    for (const t of totals) console.log(`  ${t.name.padEnd(7)} ${t.conversions} of ${t.size} converted; ${t.suppressed} suppressed (not contacted)`);
    if (tally.missing > 0) console.log(`  ${tally.missing} customers of the campaign had no row: counted as not converted`);
    if (tally.suppressedRows > 0) console.log(`  ${tally.suppressedRows} rows of suppressed customers not counted`);
    console.log('The coordinator reads these counts (and nothing else) the next time the campaign is shown.');
  } finally {
    store.close();
  }
}
