// Reads a YAML job file, resolves data paths against the file's own folder, and checks it,
// naming the file and the field of the first problem.
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { FedmarkError } from '../../errors/table.ts';
import { checkJobSpec } from '../../protocol/jobs/validate.ts';
import type { JobSpec } from '../../protocol/messages/jobSpec.ts';

export async function readJobFile(file: string): Promise<JobSpec> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new FedmarkError('FM_ERR_JOB_INVALID', { file, field: '(file)', reason: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message }, { cause: err });
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new FedmarkError('FM_ERR_JOB_INVALID', { file, field: '(file)', reason: `not YAML: ${(err as Error).message.split('\n')[0]}` });
  }
  const base = dirname(resolve(file));
  if (isRecord(raw) && Array.isArray(raw.parties)) {
    for (const party of raw.parties) {
      if (!isRecord(party)) continue;
      for (const key of ['data', 'evaluation', 'seeds']) {
        const table = party[key];
        if (isRecord(table) && typeof table.path === 'string' && !isAbsolute(table.path)) table.path = resolve(base, table.path);
      }
    }
  }
  if (isRecord(raw) && isRecord(raw.seeds) && typeof raw.seeds.path === 'string' && !isAbsolute(raw.seeds.path)) raw.seeds.path = resolve(base, raw.seeds.path);
  const checked = checkJobSpec(raw);
  if ('problem' in checked) throw new FedmarkError('FM_ERR_JOB_INVALID', { file, field: checked.problem.field, reason: checked.problem.reason });
  return checked.spec;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
