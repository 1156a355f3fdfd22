// What a command run on the party's own host (audit, suppression lists, campaign outcomes) needs
// from the party's config without starting the node: its ID, work folder and policy. The config is
// validated as `fedmark party` would, so the command works on the folder the node uses.
import { basename, resolve } from 'node:path';
import { applyDerivedDefaults, partyConfig, readPartyConfigFile } from './config.ts';
import type { PolicyConfig } from './policy.ts';
import { usageError } from '../protocol/usage.ts';

export interface HostParty {
  id: string;
  workDir: string;
  policy: PolicyConfig;
}

export const HOST_OPTIONS = { config: { type: 'string' }, 'work-dir': { type: 'string' }, party: { type: 'string' } } as const;

/** From --config FILE, or from --work-dir DIR (with --party ID to name the party in messages; else the folder's name). */
export async function hostParty(values: { config?: string | undefined; 'work-dir'?: string | undefined; party?: string | undefined }, command: string): Promise<HostParty> {
  if (values.config) {
    const raw = await readPartyConfigFile(values.config);
    // The token is not needed here and may live only in the node's environment.
    raw.token ??= 'unused-by-host-commands';
    applyDerivedDefaults(raw, values.config);
    const config = partyConfig(raw, values.config);
    return { id: config.id, workDir: config.workDir, policy: config.policy ?? {} };
  }
  if (!values['work-dir']) usageError(`${command} needs --config FILE or --work-dir DIR`);
  return { id: values.party ?? basename(resolve(values['work-dir'])), workDir: values['work-dir'], policy: {} };
}
