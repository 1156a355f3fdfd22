// Loading and checking a process configuration (coordinator or party node): YAML file, schema
// defaults, first problem named by field, frozen result.
import { readFile } from 'node:fs/promises';
import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { FedmarkError } from './errors.ts';

export async function loadConfigFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new FedmarkError('FM_ERR_CFG_INVALID', { source: path, field: '(file)', reason: (err as NodeJS.ErrnoException).code ?? 'unreadable' }, { cause: err });
  }
  try {
    return parseYaml(text) ?? {};
  } catch (err) {
    throw new FedmarkError('FM_ERR_CFG_INVALID', { source: path, field: '(file)', reason: `not YAML: ${(err as Error).message.split('\n')[0]}` });
  }
}

export function validateConfig<S extends TSchema>(schema: S, input: unknown, source: string): Readonly<Static<S>> {
  const value = Value.Default(schema, structuredClone(input ?? {}));
  if (!Value.Check(schema, value)) {
    const first = Value.Errors(schema, value).First();
    throw new FedmarkError('FM_ERR_CFG_INVALID', {
      source,
      field: first?.path.replace(/^\//, '').replaceAll('/', '.') || '(root)',
      reason: first?.message ?? 'invalid',
    });
  }
  return Object.freeze(value) as Readonly<Static<S>>;
}
