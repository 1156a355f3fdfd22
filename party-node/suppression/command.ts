// `fedmark party suppression`: the party's opt-out list, edited on the party's host. Nothing here
// talks to the coordinator: the list stays in the work folder, and the running node reads it on
// every scoring call, audience and campaign.
import { parseArgs } from 'node:util';
import { usageError } from '../../protocol/usage.ts';
import { HOST_OPTIONS, hostParty } from '../hostCommand.ts';
import { readSuppressionFile } from './importFile.ts';
import { checkEntry, SuppressionList } from './list.ts';

export const SUPPRESSION_HELP = `usage: fedmark party suppression add ID --reason TEXT [--date YYYY-MM-DD] (--config FILE | --work-dir DIR)
       fedmark party suppression remove ID (--config FILE | --work-dir DIR)
       fedmark party suppression list [--json] (--config FILE | --work-dir DIR)
       fedmark party suppression import FILE (--config FILE | --work-dir DIR)

The party's suppression list: customers who asked not to be contacted or withdrew consent. It is
kept in WORK_DIR/suppression.db, never leaves this host, and counts from the moment it is
recorded: a listed customer gets no score (batch or online), is in no lookalike audience, and in a
campaign is never contacted (reports count them per arm). FILE is a CSV with customer_id, reason
and date columns; every row is checked before any is recorded. Each change is recorded in the
audit ledger as a digest (fedmark party audit shows it under "(no job)").`;

export async function suppressionCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: { ...HOST_OPTIONS, reason: { type: 'string' }, date: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return void console.log(SUPPRESSION_HELP);
  const [verb, arg] = positionals;
  if (!verb || !['add', 'remove', 'list', 'import'].includes(verb)) usageError(verb === undefined ? 'party suppression needs a command: add, remove, list or import' : `unknown party suppression command "${verb}" (add, remove, list or import)`);
  if (verb !== 'list' && !arg) usageError(`party suppression ${verb} needs ${verb === 'import' ? 'FILE' : 'ID'}`);
  const party = await hostParty(values, `party suppression ${verb}`);
  const list = new SuppressionList(party.workDir);
  try {
    if (verb === 'list') {
      const entries = list.list();
      if (values.json) return void console.log(JSON.stringify(entries));
      console.log(entries.length === 0 ? 'the suppression list is empty' : entries.map((e) => `${e.id}\t${e.date}\t${e.reason}\t(recorded ${e.recordedAt})`).join('\n'));
      return;
    }
    if (verb === 'remove') {
      const removed = list.remove([arg as string]);
      return void console.log(removed ? `${arg} removed from the suppression list` : `${arg} was not on the suppression list`);
    }
    const entries = verb === 'import'
      ? await readSuppressionFile(party.id, arg as string)
      : [{ id: (arg as string).trim(), reason: values.reason ?? usageError('party suppression add needs --reason TEXT'), date: values.date ?? new Date().toISOString().slice(0, 10) }];
    if (verb === 'add') checkEntry(party.id, { file: 'the command line', row: 1 }, entries[0] as { id: string; reason: string; date: string });
    const added = list.add(entries);
    console.log(`${added} added, ${entries.length - added} updated; ${list.keys().size} customers on the suppression list`);
  } finally {
    list.close();
  }
}
