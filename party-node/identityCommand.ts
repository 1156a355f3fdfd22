// `fedmark party identity`: prints this party's identity fingerprint (creating the key on first use)
// for the operator to give to each partner out of band, and the pins this party holds.
import { parseArgs } from 'node:util';
import { Type } from '@sinclair/typebox';
import { validateConfig } from '../protocol/config.ts';
import { usageError } from '../protocol/usage.ts';
import { fingerprint, normaliseFingerprint } from '../protocol/identity/signedKey.ts';
import { applyDerivedDefaults, PartyConfigSchema, readPartyConfigFile } from './config.ts';
import { identityPath, loadOrCreateIdentity } from '../protocol/identity/keyFile.ts';

const IdentityFields = Type.Pick(PartyConfigSchema, ['id', 'identity', 'workDir', 'knownPartners']);

export const IDENTITY_HELP = `usage: fedmark party identity --config FILE [--json]

Prints this party's identity fingerprint (SHA-256 of its Ed25519 identity key), creating the key
file (mode 0600) if there is none yet. Give the fingerprint to each partner's operator by a channel
the coordinator does not control (a call, a signed letter); they pin it under knownPartners: in their
party config, and you pin theirs. A job with a partner whose key is not signed by its pinned
identity is refused.`;

export async function identityCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } } });
  if (values.help) return void console.log(IDENTITY_HELP);
  const configFile = values.config ?? usageError('party identity needs --config FILE');
  const raw = await readPartyConfigFile(configFile);
  applyDerivedDefaults(raw, configFile);
  // Only these fields matter here: the token and the coordinator may not be set yet on a new host.
  const config = validateConfig(IdentityFields, { id: raw.id, knownPartners: raw.knownPartners, workDir: raw.workDir, identity: raw.identity }, configFile);
  const file = identityPath(config);
  const { identity, created } = loadOrCreateIdentity(file);
  const mine = fingerprint(identity.publicKey);
  const pins = Object.fromEntries(Object.entries(config.knownPartners).map(([id, pin]) => [id, normaliseFingerprint(pin)]));
  if (values.json) return void console.log(JSON.stringify({ party: config.id, fingerprint: mine, file, created, knownPartners: pins }));
  console.log(`${config.id} identity fingerprint (SHA-256, Ed25519):\n  ${mine}`);
  console.log(`key file: ${file}${created ? ' (created now)' : ''}`);
  console.log(`each partner pins it in its party config:\n  knownPartners:\n    ${config.id}: "${mine}"`);
  const pinned = Object.entries(pins);
  console.log(pinned.length === 0 ? 'partners pinned here: none yet' : `partners pinned here:\n${pinned.map(([id, pin]) => `  ${id}: ${pin}`).join('\n')}`);
}
