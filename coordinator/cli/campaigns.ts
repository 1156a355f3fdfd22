// `fedmark campaign create|show|list`: campaigns on a running coordinator.
import { parseArgs } from 'node:util';
import { usageError } from '../../protocol/usage.ts';
import type { CampaignView } from '../campaigns/view.ts';
import type { CampaignRequest } from '../campaigns/service.ts';
import { ApiClient, CONNECTION_HELP, CONNECTION_OPTIONS } from './client.ts';
import { campaignLine, campaignText } from './campaignText.ts';

export const CAMPAIGN_HELP = `usage: fedmark campaign create --name NAME --model MODEL [--version N] (--top PCT | --deciles 1,2 | --audience FILE.csv) --control FRACTION [--guest-arm] [--json]
       fedmark campaign show ID [--json]
       fedmark campaign list [--json]

A campaign on a published vertical propensity or lookalike model. The guest scores the model's
customers (suppressed ones excluded, seeds of a lookalike model too), keeps those the target picks
(the top PCT% by score, the named score deciles, or the customers of an audience file in its work
folder's audiences/), assigns them at random to a contacted arm and a control arm holding back
FRACTION (0 < FRACTION < 1; keyed hash, stratified by score decile), and writes the contact list at
its premises. --guest-arm adds a contacted arm targeted by the guest-alone model (lookalike models):
the report then prices the partners' data in extra conversions. The coordinator keeps counts only.
Outcomes are uploaded at the guest (fedmark party campaign outcomes upload); show then prints the
report: rates with 95% intervals, uplift, the partners' extra conversions, uplift by decile and
the sample size the measured uplift would have needed. A scientist or admin key.

${CONNECTION_HELP}`;

export async function campaignCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: {
      ...CONNECTION_OPTIONS, name: { type: 'string' }, model: { type: 'string' }, version: { type: 'string' }, top: { type: 'string' }, deciles: { type: 'string' },
      audience: { type: 'string' }, control: { type: 'string' }, 'guest-arm': { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return void console.log(CAMPAIGN_HELP);
  const [verb = 'list', id] = positionals;
  const client = await ApiClient.from(values);
  if (verb === 'list') {
    const all = await client.call<CampaignView[]>('GET', '/v1/campaigns');
    return void console.log(values.json ? JSON.stringify(all) : all.length ? all.map(campaignLine).join('\n') : 'no campaigns yet');
  }
  if (verb === 'show') {
    if (!id) usageError('campaign show needs ID');
    const c = await client.call<CampaignView>('GET', `/v1/campaigns/${encodeURIComponent(id)}`);
    return void console.log(values.json ? JSON.stringify(c) : campaignText(c));
  }
  if (verb !== 'create') usageError(`unknown campaign command "${verb}" (create, show or list)`);
  const request = campaignRequest(values);
  const c = await client.call<CampaignView>('POST', '/v1/campaigns', request);
  console.log(values.json ? JSON.stringify(c) : campaignText(c));
}

/** The create request from the flags; the coordinator checks the values, this checks that they are given and are numbers. */
export function campaignRequest(values: { name?: string | undefined; model?: string | undefined; version?: string | undefined; top?: string | undefined; deciles?: string | undefined; audience?: string | undefined; control?: string | undefined; 'guest-arm'?: boolean | undefined }): CampaignRequest {
  const name = values.name ?? usageError('campaign create needs --name NAME');
  const model = values.model ?? usageError('campaign create needs --model MODEL');
  const targets = [values.top, values.deciles, values.audience].filter((t) => t !== undefined);
  if (targets.length !== 1) usageError('campaign create needs one target: --top PCT, --deciles 1,2 or --audience FILE.csv');
  const number = (flag: string, text: string): number => {
    const x = Number(text);
    if (text.trim() === '' || !Number.isFinite(x)) usageError(`campaign create --${flag} takes a number, not "${text}"`);
    return x;
  };
  const target: CampaignRequest['target'] = values.top !== undefined
    ? { topPercent: number('top', values.top) }
    : values.deciles !== undefined ? { deciles: values.deciles.split(',').map((d) => number('deciles', d)) } : { audience: values.audience as string };
  const control = values.control ?? usageError('campaign create needs --control FRACTION (e.g. 0.2)');
  return {
    name, model, target, controlFraction: number('control', control),
    ...(values.version !== undefined ? { version: number('version', values.version) } : {}),
    ...(values['guest-arm'] ? { guestArm: true } : {}),
  };
}
