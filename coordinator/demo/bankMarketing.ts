// The lookalike demo's data: the UCI bank-marketing sample split vertically as a bank and a
// partner would hold it, with a generated customer ID, and a seed audience of half of the
// subscribers (the other half hidden, to measure how many of them the lookalike finds).
//   bank (guest):    customer_id, age, job, marital, education, default, balance, housing, loan
//   partner (host):  customer_id, contact, day, month, campaign, pdays, previous, poutcome (rows shuffled)
//   seeds.csv:       customer_id of the seed subscribers; hidden.csv: the other subscribers
// `duration` is left out (known only after the call) and `y` goes only into seeds/hidden.
// Deterministic: the seed half is chosen by a hash of (seed, ID), the partner's order by a seeded shuffle.
// splitBankMarketingHorizontal splits the same customers among members instead (horizontal lookalike).
import { mkdir, writeFile } from 'node:fs/promises';
import { readText } from '../../data/sets.ts';
import { join } from 'node:path';
import { FedmarkError } from '../../errors/table.ts';
import { hashUnit } from '../../models/split/hashSplit.ts';
import { permutation } from '../../models/random.ts';

export const BANK_COLUMNS = ['age', 'job', 'marital', 'education', 'default', 'balance', 'housing', 'loan'] as const;
export const PARTNER_COLUMNS = ['contact', 'day', 'month', 'campaign', 'pdays', 'previous', 'poutcome'] as const;
export const BANK_CATEGORICAL = ['job', 'marital', 'education', 'default', 'housing', 'loan'] as const;
export const PARTNER_CATEGORICAL = ['contact', 'month', 'poutcome'] as const;
/** Every generated ID starts with this, so a test can scan any byte stream for leaked IDs. */
export const ID_PREFIX = 'bmcust-';

export interface BankMarketingSplit {
  bank: string;
  partner: string;
  seeds: string;
  hidden: string;
  rows: number;
  seedCount: number;
  hiddenCount: number;
}

/** The source's records with their generated IDs (row r is customer r) and a column lookup. */
interface SourceTable {
  records: Array<{ id: string; cells: string[] }>;
  col: (name: string) => number;
}

async function readSource(source: string): Promise<SourceTable> {
  const text = await readText(source).catch((err: NodeJS.ErrnoException) => {
    throw new FedmarkError('FM_ERR_DATA_FILE', { party: 'demo', file: source, reason: err.code ?? err.message });
  });
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const header = (lines[0] ?? '').split(';');
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new FedmarkError('FM_ERR_DATA_COLUMN', { party: 'demo', file: source, column: name }, { local: { columns: header.join(', ') } });
    return i;
  };
  const width = String(lines.length).length;
  const records = lines.slice(1).map((line, k) => {
    const cells = line.split(';');
    if (cells.length !== header.length || cells.some((c) => c.includes('"'))) {
      throw new FedmarkError('FM_ERR_DATA_ROW', { party: 'demo', file: source, row: k + 1, reason: `expected ${header.length} unquoted fields` });
    }
    return { id: `${ID_PREFIX}${String(k + 1).padStart(width, '0')}`, cells };
  });
  return { records, col };
}

/** Splits the `;`-separated source (header with the columns above, `duration` and `y`) into files under `outDir`. */
export async function splitBankMarketing(source: string, outDir: string, opts: { seed?: number; seedShare?: number } = {}): Promise<BankMarketingSplit> {
  const seed = opts.seed ?? 7;
  const seedShare = opts.seedShare ?? 0.5;
  const { records, col } = await readSource(source);
  const bankIdx = BANK_COLUMNS.map(col);
  const partnerIdx = PARTNER_COLUMNS.map(col);
  const yIdx = col('y');
  const bank = [['customer_id', ...BANK_COLUMNS].join(';')];
  const partnerRows: string[] = [];
  const seeds = ['customer_id'];
  const hidden = ['customer_id'];
  for (const { id, cells } of records) {
    bank.push([id, ...bankIdx.map((i) => cells[i])].join(';'));
    partnerRows.push([id, ...partnerIdx.map((i) => cells[i])].join(';'));
    if (cells[yIdx] === 'yes') (hashUnit(seed, id) < seedShare ? seeds : hidden).push(id);
  }
  const order = permutation(partnerRows.length, seed);
  const partner = [['customer_id', ...PARTNER_COLUMNS].join(';'), ...Array.from(order, (i) => partnerRows[i] as string)];
  await mkdir(outDir, { recursive: true });
  const files = { bank: join(outDir, 'bank.csv'), partner: join(outDir, 'partner.csv'), seeds: join(outDir, 'seeds.csv'), hidden: join(outDir, 'hidden.csv') };
  await Promise.all([
    writeFile(files.bank, `${bank.join('\n')}\n`),
    writeFile(files.partner, `${partner.join('\n')}\n`),
    writeFile(files.seeds, `${seeds.join('\n')}\n`),
    writeFile(files.hidden, `${hidden.join('\n')}\n`),
  ]);
  return { ...files, rows: records.length, seedCount: seeds.length - 1, hiddenCount: hidden.length - 1 };
}

/** Numeric columns every member keeps as they are (`duration` left out, as above). */
export const HORIZONTAL_NUMERIC = ['age', 'balance', 'day', 'campaign', 'pdays', 'previous'] as const;
/** One-hot encoded in the split (horizontal jobs take numeric features): one 0/1 column per level seen in the source. */
export const HORIZONTAL_ONE_HOT = [...BANK_CATEGORICAL, ...PARTNER_CATEGORICAL] as const;

export interface HorizontalMemberFiles {
  data: string;
  seeds: string;
  hidden: string;
  rows: number;
  seedCount: number;
  hiddenCount: number;
}

/**
 * The same source split horizontally: each customer (by a hash of its generated ID) goes to one
 * member, with every column but `duration` and `y` — the categorical ones one-hot encoded with
 * the levels of the whole source, so all members share one schema. Each member's seeds are half of
 * its own subscribers; the rest of them are its hidden list. Files `<member>.csv`,
 * `<member>-seeds.csv`, `<member>-hidden.csv` under `outDir`.
 */
export async function splitBankMarketingHorizontal(
  source: string, outDir: string, members: readonly string[], opts: { seed?: number; seedShare?: number } = {},
): Promise<Record<string, HorizontalMemberFiles>> {
  const seed = opts.seed ?? 7;
  const seedShare = opts.seedShare ?? 0.5;
  const { records, col } = await readSource(source);
  const numeric = HORIZONTAL_NUMERIC.map(col);
  const yIdx = col('y');
  const oneHot = HORIZONTAL_ONE_HOT.map((name) => {
    const at = col(name);
    return { name, at, levels: [...new Set(records.map((r) => r.cells[at] as string))].sort() };
  });
  const header = ['customer_id', ...HORIZONTAL_NUMERIC, ...oneHot.flatMap((c) => c.levels.map((l) => `${c.name}_${l.replace(/[^A-Za-z0-9]+/g, '_')}`))].join(';');
  const out = new Map(members.map((m) => [m, { data: [header], seeds: ['customer_id'], hidden: ['customer_id'] }]));
  for (const { id, cells } of records) {
    // Another hash than the seed choice's, so a member's share of seeds does not depend on where it sits.
    const member = members[Math.min(members.length - 1, Math.floor(hashUnit(seed + 1, id) * members.length))] as string;
    const files = out.get(member) as { data: string[]; seeds: string[]; hidden: string[] };
    const flags = oneHot.flatMap((c) => c.levels.map((l) => (cells[c.at] === l ? '1' : '0')));
    files.data.push([id, ...numeric.map((i) => cells[i]), ...flags].join(';'));
    if (cells[yIdx] === 'yes') (hashUnit(seed, id) < seedShare ? files.seeds : files.hidden).push(id);
  }
  await mkdir(outDir, { recursive: true });
  const result: Record<string, HorizontalMemberFiles> = {};
  for (const [m, files] of out) {
    const paths = { data: join(outDir, `${m}.csv`), seeds: join(outDir, `${m}-seeds.csv`), hidden: join(outDir, `${m}-hidden.csv`) };
    await Promise.all([
      writeFile(paths.data, `${files.data.join('\n')}\n`),
      writeFile(paths.seeds, `${files.seeds.join('\n')}\n`),
      writeFile(paths.hidden, `${files.hidden.join('\n')}\n`),
    ]);
    result[m] = { ...paths, rows: files.data.length - 1, seedCount: files.seeds.length - 1, hiddenCount: files.hidden.length - 1 };
  }
  return result;
}
