// The lookalike demo's data: the UCI bank-marketing sample split vertically as a bank and a
// partner would hold it, with a generated customer ID, and a seed audience of half of the
// subscribers (the other half hidden, to measure how many of them the lookalike finds).
//   bank (guest):    customer_id, age, job, marital, education, default, balance, housing, loan
//   partner (host):  customer_id, contact, day, month, campaign, pdays, previous, poutcome (rows shuffled)
//   seeds.csv:       customer_id of the seed subscribers; hidden.csv: the other subscribers
// `duration` is left out (known only after the call) and `y` goes only into seeds/hidden.
// Deterministic: the seed half is chosen by a hash of (seed, ID), the partner's order by a seeded shuffle.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FedmarkError } from '../../protocol/errors.ts';
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

/** Splits the `;`-separated source (header with the columns above, `duration` and `y`) into files under `outDir`. */
export async function splitBankMarketing(source: string, outDir: string, opts: { seed?: number; seedShare?: number } = {}): Promise<BankMarketingSplit> {
  const seed = opts.seed ?? 7;
  const seedShare = opts.seedShare ?? 0.5;
  const text = await readFile(source, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new FedmarkError('FM_ERR_DATA_FILE', { party: 'demo', file: source, reason: err.code ?? err.message });
  });
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const header = (lines[0] ?? '').split(';');
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new FedmarkError('FM_ERR_DATA_COLUMN', { party: 'demo', file: source, column: name, columns: header.join(', ') });
    return i;
  };
  const bankIdx = BANK_COLUMNS.map(col);
  const partnerIdx = PARTNER_COLUMNS.map(col);
  const yIdx = col('y');
  const width = String(lines.length).length;
  const bank = [['customer_id', ...BANK_COLUMNS].join(';')];
  const partnerRows: string[] = [];
  const seeds = ['customer_id'];
  const hidden = ['customer_id'];
  for (let r = 1; r < lines.length; r++) {
    const cells = (lines[r] as string).split(';');
    if (cells.length !== header.length || cells.some((c) => c.includes('"'))) {
      throw new FedmarkError('FM_ERR_DATA_ROW', { party: 'demo', file: source, row: r, reason: `expected ${header.length} unquoted fields` });
    }
    const id = `${ID_PREFIX}${String(r).padStart(width, '0')}`;
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
  return { ...files, rows: lines.length - 1, seedCount: seeds.length - 1, hiddenCount: hidden.length - 1 };
}
