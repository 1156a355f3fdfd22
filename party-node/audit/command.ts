// `fedmark party audit`: verifies this party's ledger and says, per job, what left the premises and
// to whom. For compliance staff: it reads only the party's own files and needs no coordinator.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { applyDerivedDefaults, readPartyConfigFile } from '../config.ts';
import { FedmarkError } from '../../errors/table.ts';
import { ledgerPath, readLedger } from './ledger.ts';
import { REFUSAL_PREFIX } from './refusal.ts';
import { summariseByJob, verifyChain, type JobSummary } from './verify.ts';
import { usageError } from '../../protocol/usage.ts';

export const AUDIT_HELP = `usage: fedmark party audit (--config FILE | --work-dir DIR) [--job ID] [--json]

Verifies the party's audit ledger (WORK_DIR/audit.db: one hash-chained entry for every message
this party sent, and for the notices it received, e.g. a partner's refused decryption request)
and summarises per job what left, to the coordinator and to each partner.
Exit code 0 when the chain is intact, 1 when an entry was edited, deleted or reordered.`;

export async function auditCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' }, 'work-dir': { type: 'string' }, job: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } } });
  if (values.help) return void console.log(AUDIT_HELP);
  if (!values.config && !values['work-dir']) usageError('party audit needs --config FILE or --work-dir DIR');
  const workDir = values['work-dir'] ?? (await workDirOf(values.config as string));
  const path = ledgerPath(workDir);
  if (!existsSync(path)) throw new FedmarkError('FM_ERR_CFG_INVALID', { source: values.config ?? '--work-dir', field: 'workDir', reason: `no audit ledger at ${path}` });
  const entries = readLedger(path);
  const check = verifyChain(entries);
  const jobs = summariseByJob(entries, values.job);
  if (values.json) {
    console.log(JSON.stringify({ ledger: path, ...check, jobs }));
  } else {
    console.log(check.ok
      ? `ledger ${path}: ${check.entries} entries, chain intact (head ${check.head})`
      : `ledger ${path}: CHAIN BROKEN at entry ${check.problem?.seq}: ${check.problem?.reason}`);
    if (values.job && jobs.length === 0) console.log(`no messages for job ${values.job}`);
    for (const s of jobs) console.log(describeJob(s));
  }
  if (!check.ok) process.exitCode = 1;
}

/** The work folder `fedmark party` uses with this config: a relative path is read from the file's folder. */
async function workDirOf(configFile: string): Promise<string> {
  const raw = await readPartyConfigFile(configFile);
  applyDerivedDefaults(raw, configFile);
  return String(raw.workDir);
}

function describeJob(s: JobSummary): string {
  const lines = [`${s.job}: ${s.messages} message${s.messages === 1 ? '' : 's'}, ${formatBytes(s.bytes)}, ${s.first} – ${s.last}`];
  for (const [to, kinds] of Object.entries(s.to)) {
    const label = to === 'coordinator' ? 'to the coordinator' : to === 'self' ? 'recorded here, nothing sent (notices received, e.g. a partner\'s refused decryption request; suppression-list changes)' : `to ${to} (sealed, through the relay)`;
    const sent = Object.entries(kinds).filter(([kind]) => !kind.startsWith(REFUSAL_PREFIX));
    const refused = Object.entries(kinds).filter(([kind]) => kind.startsWith(REFUSAL_PREFIX));
    if (sent.length > 0) lines.push(`  ${label}: ${sent.map(([kind, k]) => `${kind} ×${k.messages} (${formatBytes(k.bytes)})`).join(', ')}`);
    if (refused.length > 0) lines.push(`  refused, concerning ${to}: ${refused.map(([kind, k]) => `${kind.slice(REFUSAL_PREFIX.length)} ×${k.messages}`).join(', ')}`);
  }
  return lines.join('\n');
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
