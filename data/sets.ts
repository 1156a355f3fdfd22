// Where the public data sets shipped in this folder live (sources, licences and citations in
// README.md beside this file). The demo, the examples, the tests and the benchmarks read only
// these copies, so a fresh clone needs nothing beside it.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

export const DATA_DIR = fileURLToPath(new URL('./', import.meta.url));
export const FATE_DIR = join(DATA_DIR, 'fate');
export const BANK_MARKETING = join(DATA_DIR, 'bank-marketing', 'bank-marketing-balanced.csv.gz');

/** A FATE split by its base name, e.g. `fate('breast_hetero_guest')`. */
export function fate(name: string): string {
  return join(FATE_DIR, `${name}.csv.gz`);
}

/** A data file's text, gunzipped when its name ends in `.gz` (for fixtures that rewrite a set). */
export async function readText(path: string): Promise<string> {
  const bytes = await readFile(path);
  return (path.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
}

export function readTextSync(path: string): string {
  const bytes = readFileSync(path);
  return (path.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
}
