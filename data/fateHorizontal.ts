// FATE's horizontal splits (data/fate, see data/README.md) as matrices, and the skewed three-member
// split of default_credit that the horizontal tests and benchmarks train on: members of 5,000, 1,200
// and 300 rows drawn from the pooled rows of the three published members, each 90% from its own
// tertile of the credit limit (x0), the rest from the other two. Ties at the tertile cuts run the
// first two tertiles short, which leaves 4,406, 1,140 and 285 rows. Deterministic. The files are
// clean numeric CSV (id, y, x0, …), so a split on ',' is enough here; the party node has the real loader.
import { fate, readTextSync } from './sets.ts';
import { matrix, type Matrix } from '../models/matrix.ts';
import { deriveSeed, permutation } from '../models/random.ts';

export interface LabelledTable {
  x: Matrix;
  y: Uint8Array;
}

function rowsOf(name: string): string[][] {
  return tableOf(name).rows;
}

function tableOf(name: string): { header: string[]; rows: string[][] } {
  const lines = readTextSync(fate(name)).trim().split(/\r?\n/);
  return { header: (lines[0] as string).split(','), rows: lines.slice(1).map((l) => l.split(',')) };
}

function toTable(rows: readonly string[][]): LabelledTable {
  const cols = (rows[0] as string[]).length - 2;
  const x = new Float64Array(rows.length * cols);
  rows.forEach((r, i) => {
    for (let j = 0; j < cols; j++) x[i * cols + j] = Number(r[j + 2]);
  });
  return { x: matrix(x, rows.length, cols), y: Uint8Array.from(rows, (r) => Number(r[1])) };
}

/** A `<prefix>_homo_<part>` table: features (the columns after id and y) and labels. */
export function readHorizontal(name: string): LabelledTable {
  return toTable(rowsOf(name));
}

/** The skewed split as CSV rows (id, y, x0, …) under the published header, for tests that write member files. */
export function skewedDefaultCreditRows(): { header: string[]; members: string[][][] } {
  const parts = ['guest', 'host_1', 'host_2'].map((p) => tableOf(`default_credit_homo_${p}`));
  const all = parts.flatMap((t) => t.rows);
  const limits = all.map((r) => Number(r[2])).sort((a, b) => a - b);
  const cuts = [limits[Math.floor(all.length / 3)] as number, limits[Math.floor((2 * all.length) / 3)] as number];
  const tertile = (r: string[]) => (Number(r[2]) < cuts[0]! ? 0 : Number(r[2]) < cuts[1]! ? 1 : 2);
  const pools = [0, 1, 2].map((t) => {
    const pool = all.filter((r) => tertile(r) === t);
    return Array.from(permutation(pool.length, deriveSeed(5, t)), (i) => pool[i] as string[]);
  });
  const members = [5000, 1200, 300].map((n, k) => {
    const own = Math.round(0.9 * n);
    const mine = (pools[k] as string[][]).splice(0, own);
    const others = [0, 1, 2].filter((t) => t !== k).flatMap((t) => (pools[t] as string[][]).splice(0, Math.ceil((n - own) / 2)));
    return [...mine, ...others];
  });
  return { header: (parts[0] as { header: string[] }).header, members };
}

export function skewedDefaultCredit(): LabelledTable[] {
  return skewedDefaultCreditRows().members.map(toTable);
}
