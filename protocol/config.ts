// Loading and checking a process configuration (coordinator or party node): YAML file, schema
// defaults, first problem named by field, frozen result.
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { FedmarkError } from '../errors/table.ts';

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

/**
 * Resolves the relative file paths of a config file against the file's folder, in place, as an
 * operator reads them ("store: coordinator.db" beside coordinator.yaml), whatever the working
 * directory of the process. `fields` are dotted paths; a field holding an array of strings has each
 * resolved. ":memory:" (the in-memory store) is left alone.
 */
export function resolveConfigPaths(raw: Record<string, unknown>, fields: readonly string[], baseDir: string): void {
  const one = (v: unknown): unknown => (typeof v === 'string' && v !== ':memory:' && !isAbsolute(v) ? resolve(baseDir, v) : v);
  for (const field of fields) {
    const parts = field.split('.');
    let holder: unknown = raw;
    for (const part of parts.slice(0, -1)) holder = typeof holder === 'object' && holder !== null ? (holder as Record<string, unknown>)[part] : undefined;
    if (typeof holder !== 'object' || holder === null) continue;
    const obj = holder as Record<string, unknown>;
    const key = parts[parts.length - 1] as string;
    obj[key] = Array.isArray(obj[key]) ? (obj[key] as unknown[]).map(one) : one(obj[key]);
  }
}
