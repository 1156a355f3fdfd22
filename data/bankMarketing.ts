// Reads the bank-marketing sample (data/bank-marketing, see data/README.md) into columns for the
// model tests and benchmarks: numeric columns as numbers, categorical ones as category indices
// (categories sorted by code unit, as the party node's loader orders them), the label y as 0/1.
// The party node has the real loader; this is for code that needs the table without a party.

import type { Matrix } from '../models/matrix.ts';
import { BANK_MARKETING, readTextSync } from './sets.ts';

export const BANK_MARKETING_CATEGORICAL = Object.freeze(['job', 'marital', 'education', 'default', 'housing', 'loan', 'contact', 'month', 'poutcome']);
/** The demo's vertical split (coordinator/demo/bankMarketing.ts), `duration` left out. */
export const BANK_MARKETING_GUEST = Object.freeze(['age', 'job', 'marital', 'education', 'default', 'balance', 'housing', 'loan']);
export const BANK_MARKETING_HOST = Object.freeze(['contact', 'day', 'month', 'campaign', 'pdays', 'previous', 'poutcome']);

export type BankMarketingColumn =
  | { kind: 'numeric'; values: Float64Array }
  | { kind: 'categorical'; codes: Float64Array; levels: string[] };

export interface BankMarketingTable {
  /** A generated ID per row, `bm-<row>`. */
  ids: string[];
  y: Uint8Array;
  columns: Map<string, BankMarketingColumn>;
}

export function readBankMarketing(): BankMarketingTable {
  const lines = readTextSync(BANK_MARKETING).split(/\r?\n/).filter((l) => l.length > 0);
  const header = (lines[0] ?? '').split(';');
  const cells = lines.slice(1).map((l) => l.split(';'));
  const at = (name: string): number => {
    const j = header.indexOf(name);
    if (j < 0) throw new Error(`${BANK_MARKETING}: no column ${name}`);
    return j;
  };
  const columns = new Map<string, BankMarketingColumn>();
  for (const name of header) {
    if (name === 'y') continue;
    const j = at(name);
    if (BANK_MARKETING_CATEGORICAL.includes(name)) {
      const levels = [...new Set(cells.map((r) => r[j] as string))].sort();
      const index = new Map(levels.map((l, k) => [l, k]));
      columns.set(name, { kind: 'categorical', codes: Float64Array.from(cells, (r) => index.get(r[j] as string) as number), levels });
    } else {
      columns.set(name, { kind: 'numeric', values: Float64Array.from(cells, (r) => Number(r[j])) });
    }
  }
  const y = at('y');
  return { ids: cells.map((_, i) => `bm-${i + 1}`), y: Uint8Array.from(cells, (r) => (r[y] === 'yes' ? 1 : 0)), columns };
}

/** The named columns side by side, with the indices of the categorical ones. */
export function bankMarketingMatrix(table: BankMarketingTable, names: readonly string[]): { x: Matrix; categorical: number[]; names: string[] } {
  const rows = table.y.length;
  const cols = names.length;
  const data = new Float64Array(rows * cols);
  const categorical: number[] = [];
  names.forEach((name, j) => {
    const c = table.columns.get(name);
    if (c === undefined) throw new Error(`${BANK_MARKETING}: no column ${name}`);
    if (c.kind === 'categorical') categorical.push(j);
    const v = c.kind === 'categorical' ? c.codes : c.values;
    for (let i = 0; i < rows; i++) data[i * cols + j] = v[i] as number;
  });
  return { x: { data, rows, cols }, categorical, names: [...names] };
}
