// `fedmark party`: runs a party node next to the data.
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { applyDerivedDefaults, partyConfig, readPartyConfigFile } from './config.ts';
import { PartyNode } from './node.ts';
import { auditCommand } from './audit/command.ts';
import { identityCommand } from './identityCommand.ts';
import { modelCommand } from './explain/modelCommand.ts';
import { suppressionCommand } from './suppression/command.ts';
import { campaignOutcomesCommand } from './campaigns/command.ts';
import { approvalsCommand } from './approvals/command.ts';
import { FedmarkError } from '../errors/table.ts';

export const PARTY_HELP = `usage: fedmark party --config FILE [--coordinator URL] [--id ID]
       fedmark party identity --config FILE [--json]
       fedmark party audit (--config FILE | --work-dir DIR) [--job ID] [--json]
       fedmark party model show NAME (--config FILE | --work-dir DIR) [--version V | --job ID] [--json]
       fedmark party suppression add|remove|list|import … (--config FILE | --work-dir DIR)
       fedmark party campaign outcomes upload FILE --campaign ID (--config FILE | --work-dir DIR)
       fedmark party approvals list|show|approve|reject (--config FILE | --work-dir DIR) …

Runs a party node: dials out to the coordinator (no inbound port), serves the datasets its
config names to the jobs it is given, and keeps raw rows and IDs on this machine. The token
comes from FEDMARK_PARTY_TOKEN (preferred) or the config file. Its identity key (created at first
start, beside the config file unless \`identity\` says where) signs its per-job keys; partners'
fingerprints are pinned under \`knownPartners\`. See docs/operators.md, "Party config".`;

export async function partyCommand(argv: string[]): Promise<void> {
  if (argv[0] === 'audit') return auditCommand(argv.slice(1));
  if (argv[0] === 'identity') return identityCommand(argv.slice(1));
  if (argv[0] === 'model') return modelCommand(argv.slice(1));
  if (argv[0] === 'suppression') return suppressionCommand(argv.slice(1));
  if (argv[0] === 'campaign') return campaignOutcomesCommand(argv.slice(1));
  if (argv[0] === 'approvals') return approvalsCommand(argv.slice(1));
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' }, coordinator: { type: 'string' }, id: { type: 'string' }, help: { type: 'boolean' } } });
  if (values.help) return void console.log(PARTY_HELP);
  const raw = values.config ? await readPartyConfigFile(values.config) : {};
  if (values.coordinator) raw.coordinator = values.coordinator;
  if (values.id) raw.id = values.id;
  if (process.env.FEDMARK_PARTY_TOKEN) raw.token = process.env.FEDMARK_PARTY_TOKEN;
  if (process.env.FEDMARK_TF_BACKEND) raw.tensorBackend = process.env.FEDMARK_TF_BACKEND;
  if (raw.token === undefined) {
    throw new FedmarkError('FM_ERR_CFG_INVALID', { source: values.config ?? 'flags', field: 'token', reason: 'missing: set FEDMARK_PARTY_TOKEN on this host (preferred) or token in the config file (fedmark token --party ID makes one on the coordinator host)' });
  }
  applyDerivedDefaults(raw, values.config);
  const config = partyConfig(raw, values.config ?? 'flags');
  const log = pino({ level: config.logLevel, base: { role: 'party', party: config.id } });
  // A dataset's relative path reads as the operator wrote it: relative to the config file.
  const node = new PartyNode(config, log, { baseDir: values.config ? dirname(resolve(values.config)) : process.cwd() });
  node.link.on('fatal', (err) => {
    process.stderr.write(`fedmark party: ${err.code}: ${err.message}\n`);
    void node.stop().then(() => process.exit(3));
  });
  const stop = () => void node.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await node.start();
}
