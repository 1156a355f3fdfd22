// Test fixtures built from the UCI default-of-credit-card split in data/fate: shuffled, thinned, with
// messy IDs and a consent column, written to a temp dir. Deterministic given a seed.
import { readFile, writeFile } from 'node:fs/promises';
import { fate, readText } from '../data/sets.ts';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn, type ChildProcess } from 'node:child_process';
import { stringify as toYaml } from 'yaml';
import { until } from '../coordinator/partyProcesses.ts';
import { identityFile, partnersOf } from '../coordinator/simulate.ts';
import type { Coordinator } from '../coordinator/server.ts';
export { until };
export { freePort, tempDir } from '../testing/fixtures.ts';

const PARTY_CLI = fileURLToPath(new URL('../bin/fedmark.ts', import.meta.url));


export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffleInPlace<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

export interface MessyTable {
  path: string;
  /** Normalised IDs (trimmed, lower-cased) of the rows that consented. */
  consenting: Set<string>;
}

/**
 * Rewrites a FATE table: keeps `keep` of the rows, shuffles them, turns id 123 into a customer
 * code with random case and stray spaces, and adds a consent column where `noConsent` of rows
 * say no in one of several spellings.
 */
export async function messyCopy(opts: {
  source: string; out: string; seed: number; keep: number; noConsent: number; delimiter: ',' | ';'; crlf: boolean;
  plant?: { ids: string[]; featureValue: string };
}): Promise<MessyTable> {
  const random = rng(opts.seed);
  const lines = (await readText(opts.source)).trim().split(/\r?\n/);
  const header = (lines[0] as string).split(',');
  const body = shuffleInPlace(lines.slice(1).filter(() => random() < opts.keep), random);
  const consenting = new Set<string>();
  const noWords = ['N', 'no', '0', 'false', ''];
  const rows = body.map((line) => {
    const cells = line.split(',');
    const code = `Cust-${cells[0]}-AbC`;
    const messy = [...code].map((ch) => (random() < 0.5 ? ch.toUpperCase() : ch.toLowerCase())).join('');
    const id = `${random() < 0.3 ? ' ' : ''}${messy}${random() < 0.3 ? '  ' : ''}`;
    const consent = random() < opts.noConsent ? (noWords[Math.floor(random() * noWords.length)] as string) : random() < 0.5 ? 'Y' : 'yes';
    if (consent === 'Y' || consent === 'yes') consenting.add(code.toLowerCase());
    return [`"${id}"`, ...cells.slice(1), consent];
  });
  for (const planted of opts.plant?.ids ?? []) {
    const cells = (lines[1] as string).split(',');
    const values = header.slice(1).map((name, i) => (name === 'y' ? (cells[i + 1] as string) : opts.plant?.featureValue ?? '0'));
    rows.push([planted, ...values, 'Y']);
    consenting.add(planted.toLowerCase());
  }
  const eol = opts.crlf ? '\r\n' : '\n';
  const text = [[...header, 'consent'].join(opts.delimiter), ...rows.map((r) => r.join(opts.delimiter))].join(eol) + eol;
  await writeFile(opts.out, text);
  return { path: opts.out, consenting };
}

export async function readIntersection(path: string): Promise<string[]> {
  const lines = (await readFile(path, 'utf8')).trim().split('\n').slice(1);
  return lines.map((l) => l.replace(/^"|"$/g, '').replaceAll('""', '"').trim().toLowerCase());
}


/**
 * Starts `fedmark party` as its own process for party `id` of a test's coordinator: its config under
 * `dir` (work folder, identity and pinned partners there too, `extra` added), its token in the
 * environment; resolves once the coordinator sees it online.
 */
export async function spawnParty(o: {
  dir: string;
  id: string;
  coordinator: Pick<Coordinator, 'url' | 'links'>;
  token: string;
  pins: Record<string, string>;
  extra?: Record<string, unknown>;
  connectMs?: number;
}): Promise<ChildProcess> {
  const file = join(o.dir, `${o.id}.yaml`);
  await writeFile(file, toYaml({
    id: o.id, coordinator: o.coordinator.url.replace('http', 'ws'), workDir: join(o.dir, o.id), threads: 1, logLevel: 'warn',
    identity: identityFile(o.dir, o.id), knownPartners: partnersOf(o.pins, o.id), ...o.extra,
  }));
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', PARTY_CLI, 'party', '--config', file], { env: { ...process.env, FEDMARK_PARTY_TOKEN: o.token }, stdio: 'ignore' });
  await until(() => o.coordinator.links.isOnline(o.id), o.connectMs ?? 20_000, `${o.id} online`);
  return child;
}

/**
 * Breast's host table cut in two by columns (its first ten features and the next ten), each with the
 * ID column, written into `dir`: the host side of a three-party job. Returns the two files' paths.
 */
export async function splitBreastHost(dir: string): Promise<[string, string]> {
  const lines = (await readText(fate('breast_hetero_host'))).trim().split(/\r?\n/).map((l) => l.split(','));
  const part = (from: number, to: number) => lines.map((cells) => [cells[0], ...cells.slice(from, to)].join(',')).join('\n') + '\n';
  const paths: [string, string] = [join(dir, 'host-a.csv'), join(dir, 'host-b.csv')];
  await writeFile(paths[0], part(1, 11));
  await writeFile(paths[1], part(11, 21));
  return paths;
}
