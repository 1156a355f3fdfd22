// `fedmark party model show NAME [--version V | --job ID] [--json]`: this party's own part of a
// vertical model, read from its model files on this host (no coordinator needed): for compliance
// staff and scientists at the party. Versions are counted here as the coordinator counts them for
// the jobs this party trained: its model files of NAME in the order they were trained.
import { readdir, readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { applyDerivedDefaults, readPartyConfigFile } from '../config.ts';
import { FedmarkError } from '../../errors/table.ts';
import { usageError } from '../../protocol/usage.ts';
import { workPath } from '../workPath.ts';
import { describeModel, formatModel } from './describeModel.ts';

export const MODEL_HELP = `usage: fedmark party model show NAME (--config FILE | --work-dir DIR [--id ID]) [--version V | --job ID] [--json]

Prints this party's own part of vertical model NAME from its model file on this host: LR
coefficients by feature, or scorecard points per bin for a binned model, the intercept at the
guest, and the information value of each of its features when the job asked for it
(explain: { iv: true }). Of the other parties it shows only how many there are. Without
--version or --job: the newest model file of NAME here; --version V: the V-th trained here.`;

export async function modelCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: { config: { type: 'string' }, 'work-dir': { type: 'string' }, id: { type: 'string' }, version: { type: 'string' }, job: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } },
  });
  if (values.help) return void console.log(MODEL_HELP);
  const [sub, name] = positionals;
  if (sub !== 'show') usageError(`party model has one subcommand, show (got ${sub ?? 'none'}) (see fedmark party model --help)`);
  if (!name) usageError('party model show needs NAME (see fedmark party model --help)');
  if (!values.config && !values['work-dir']) usageError('party model show needs --config FILE or --work-dir DIR');
  if (values.version !== undefined && values.job !== undefined) usageError('party model show takes --version or --job, not both');
  const version = values.version === undefined ? undefined : Number(values.version);
  if (version !== undefined && !(Number.isInteger(version) && version >= 1)) usageError(`party model show --version must be a whole number from 1 (got ${values.version})`);
  const { workDir, id } = await whereFrom(values.config, values['work-dir'], values.id);
  const files = await trainedFiles(workDir, name);
  const picked = values.job !== undefined ? files.find((f) => f.job === values.job) : version !== undefined ? files[version - 1] : files.at(-1);
  if (!picked) throw new FedmarkError('FM_ERR_MODEL_NOT_FOUND', { name, version: values.job !== undefined ? `of job ${values.job}` : String(version ?? '(any)') });
  const shown = describeModel(name, picked.body, `model file of ${name} at party ${id ?? 'here'}`);
  console.log(values.json ? JSON.stringify({ ...(id === undefined ? {} : { party: id }), ...shown }) : formatModel(shown, id));
}

async function whereFrom(config: string | undefined, workDir: string | undefined, id: string | undefined): Promise<{ workDir: string; id: string | undefined }> {
  if (workDir !== undefined) return { workDir, id };
  const raw = await readPartyConfigFile(config as string);
  applyDerivedDefaults(raw, config);
  return { workDir: String(raw.workDir), id: id ?? (typeof raw.id === 'string' ? raw.id : undefined) };
}

/** The model files of `name` here, oldest first (by the time each was trained, then by job). */
async function trainedFiles(workDir: string, name: string): Promise<Array<{ job: string; body: unknown; at: string }>> {
  const dir = workPath(workDir, 'models', name);
  const entries = await readdir(dir).catch(() => [] as string[]);
  const files = await Promise.all(entries.filter((e) => e.endsWith('.json')).map(async (e) => {
    const body: unknown = JSON.parse(await readFile(workPath(dir, e), 'utf8'));
    const at = typeof body === 'object' && body !== null && typeof (body as { trainedAt?: unknown }).trainedAt === 'string' ? (body as { trainedAt: string }).trainedAt : '';
    return { job: e.slice(0, -'.json'.length), body, at };
  }));
  return files.sort((a, b) => a.at.localeCompare(b.at) || a.job.localeCompare(b.job));
}
