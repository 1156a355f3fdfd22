// `fedmark party approvals`: the party's compliance staff list the jobs waiting for them, read what
// a job uses here and what the party would reveal, and approve or reject it. Runs on the party's
// host and talks to the running node through its control socket (control.ts).
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { usageError } from '../../protocol/usage.ts';
import { applyDerivedDefaults, readPartyConfigFile } from '../config.ts';
import { askControl, controlSocketPath, type ControlRequest } from './control.ts';
import type { Review } from './store.ts';

export const APPROVALS_HELP = `usage: fedmark party approvals list (--config FILE | --work-dir DIR) [--all] [--json]
       fedmark party approvals show JOB (--config FILE | --work-dir DIR) [--json]
       fedmark party approvals approve JOB (--config FILE | --work-dir DIR) [--as NAME] [--reason TEXT]
       fedmark party approvals reject JOB (--config FILE | --work-dir DIR) [--as NAME] --reason TEXT

Jobs that would use this party's data wait for its approval when its policy has an approval
section (docs/operators.md, "Job approval"). list shows the pending ones (--all: every job seen);
show prints a job's purpose, model, partners, the columns it uses here and what this party would
reveal; approve and reject record the decision under your name (--as, default your login name)
in the audit ledger and tell the coordinator. A rejection needs a reason; with approvers: 2 in the
policy a job runs once two different people have approved it. Talks to the party node running with
this config (its control socket WORK_DIR/control.sock).`;

export async function approvalsCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: { config: { type: 'string' }, 'work-dir': { type: 'string' }, as: { type: 'string' }, reason: { type: 'string' }, all: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean' } },
  });
  const [verb, job] = positionals;
  if (values.help || verb === undefined) return void console.log(APPROVALS_HELP);
  if (!values.config && !values['work-dir']) usageError('party approvals needs --config FILE or --work-dir DIR');
  const socket = controlSocketPath(values['work-dir'] ?? (await workDirOf(values.config as string)));
  const needJob = () => job ?? usageError(`party approvals ${verb} needs a job id (fedmark party approvals list shows them)`);
  let request: ControlRequest;
  switch (verb) {
    case 'list': request = { op: 'list', ...(values.all ? {} : { state: 'pending' as const }) }; break;
    case 'show': request = { op: 'show', job: needJob() }; break;
    case 'approve': case 'reject':
      request = { op: 'decide', job: needJob(), by: values.as ?? userInfo().username, approve: verb === 'approve', ...(values.reason ? { reason: values.reason } : {}) };
      if (verb === 'reject' && !values.reason) usageError('party approvals reject needs --reason TEXT: the coordinator and the scientist see it');
      break;
    default: return usageError(`unknown party approvals command "${verb}" (list, show, approve or reject)`);
  }
  const reply = await askControl(socket, request);
  if (values.json) return void console.log(JSON.stringify(reply));
  if ('reviews' in reply) {
    if (reply.reviews.length === 0) return void console.log(values.all ? 'no jobs reviewed yet' : 'no jobs wait for approval');
    for (const r of reply.reviews) console.log(`${r.job}  ${r.state.padEnd(8)}  ${r.facts.name} (${r.facts.model}, ${r.facts.purpose}) with ${r.facts.partners.join(', ')}  ${approvals(r)}`);
    return;
  }
  if (request.op === 'decide') console.log(`${request.approve ? 'approved' : 'rejected'} ${request.job} as ${request.by}: the job is now ${reply.review.state} here (${approvals(reply.review)})`);
  else console.log(describeReview(reply.review));
}

function approvals(r: Review): string {
  if (r.state === 'rejected') return `rejected by ${r.rejectedBy}: ${r.reason}`;
  if (r.rule !== undefined) return `approved by policy rule ${r.rule + 1}`;
  return `${r.approvedBy.length}/${r.required} approvals${r.approvedBy.length > 0 ? ` (${r.approvedBy.join(', ')})` : ''}`;
}

export function describeReview(r: Review): string {
  const c = r.facts.columns;
  const features = c.features ? c.features.join(', ') : r.facts.featuresListed ? '(none)' : 'every other column of the table (the job lists none)';
  return [
    `job ${r.job}: ${r.facts.name}, ${r.state} (${approvals(r)})`,
    `  purpose:   ${r.facts.purpose}`,
    `  model:     ${r.facts.model}, this party as ${r.facts.role}`,
    `  partners:  ${r.facts.partners.join(', ')}`,
    `  dataset:   ${r.facts.dataset}`,
    `  columns:   ID ${c.id ?? '(catalogue default)'}${c.label ? `, label ${c.label}` : ''}${c.consent ? `, consent ${c.consent}` : ''}`,
    `  features:  ${features}${c.categorical ? ` (categorical: ${c.categorical.join(', ')})` : ''}`,
    `  reveals:   ${r.reveals}`,
    `  spec hash: ${r.specSha256} (the job is refused at prepare if it changes)`,
    `  received:  ${r.receivedAt}${r.decidedAt ? `, decided ${r.decidedAt}` : ''}`,
  ].join('\n');
}

async function workDirOf(configFile: string): Promise<string> {
  const raw = await readPartyConfigFile(configFile);
  applyDerivedDefaults(raw, configFile);
  return String(raw.workDir);
}
