// A campaign's outcomes at the guest: a CSV with customer_id, converted (0/1) and optionally value,
// checked row by row against the campaign's assignment before anything is recorded (a customer not
// in the campaign, a repeated customer, a missing column or a value that is not 0/1 stops the
// upload, naming file, row and column). The tally per arm and decile counts customers on the
// suppression list at upload time apart: they were not contacted and are not in `size`. Customers
// of the campaign without a row count as not converted (a CRM usually exports converters only).
import { readFile } from 'node:fs/promises';
import { FedmarkError } from '../../errors/table.ts';
import type { ValuedArm, ValuedCell } from '../../models/campaign/cells.ts';
import { parseCsv } from '../data/csv.ts';
import { suppressionKey } from '../suppression/list.ts';
import type { Arm, Assigned } from './store.ts';

export interface Outcome {
  converted: 0 | 1;
  value: number;
}

export const OUTCOME_COLUMNS = { id: 'customer_id', converted: 'converted', value: 'value' } as const;

export async function readOutcomes(party: string, file: string, assignment: ReadonlyMap<string, Assigned>): Promise<Map<string, Outcome>> {
  const bytes = await readFile(file).catch((err: NodeJS.ErrnoException) => {
    throw new FedmarkError('FM_ERR_DATA_FILE', { party, file, reason: err.code ?? err.message });
  });
  const table = parseCsv(bytes, { party, file });
  const fail = (row: number, column: string, reason: string): never => {
    throw new FedmarkError('FM_ERR_CAMPAIGN_OUTCOMES', { party, file, row, column, reason });
  };
  const at = (name: string, required: boolean): number => {
    const i = table.header.indexOf(name);
    if (i < 0 && required) fail(1, name, `the header lacks it (expected ${OUTCOME_COLUMNS.id}, ${OUTCOME_COLUMNS.converted} and optionally ${OUTCOME_COLUMNS.value}; found ${table.header.join(', ')})`);
    return i;
  };
  const ids = table.column(at(OUTCOME_COLUMNS.id, true));
  const converted = table.column(at(OUTCOME_COLUMNS.converted, true));
  const valueAt = at(OUTCOME_COLUMNS.value, false);
  const values = valueAt >= 0 ? table.column(valueAt) : undefined;
  const outcomes = new Map<string, Outcome>();
  const firstRow = new Map<string, number>();
  ids.forEach((raw, r) => {
    // Row numbers as a spreadsheet shows them: the header is row 1.
    const row = r + 2;
    const key = suppressionKey(raw);
    if (key === '') fail(row, OUTCOME_COLUMNS.id, 'the ID is empty');
    if (!assignment.has(key)) fail(row, OUTCOME_COLUMNS.id, 'this customer is not in the campaign');
    const first = firstRow.get(key);
    if (first !== undefined) fail(row, OUTCOME_COLUMNS.id, `the customer repeats row ${first}`);
    firstRow.set(key, row);
    const c = (converted[r] ?? '').trim();
    if (c !== '0' && c !== '1') fail(row, OUTCOME_COLUMNS.converted, `"${c}" is not 0 or 1`);
    const v = (values?.[r] ?? '').trim();
    const value = v === '' ? 0 : Number(v);
    if (!Number.isFinite(value)) fail(row, OUTCOME_COLUMNS.value, `"${v}" is not a number`);
    outcomes.set(key, { converted: c === '1' ? 1 : 0, value });
  });
  return outcomes;
}

export interface Tally {
  arms: ValuedArm[];
  /** Customers of the campaign without a row (counted as not converted). */
  missing: number;
  /** Rows of customers on the suppression list, left out of the counts. */
  suppressedRows: number;
}

export function tallyOutcomes(arms: readonly Arm[], assignment: readonly Assigned[], outcomes: ReadonlyMap<string, Outcome>, suppressed: ReadonlySet<string>): Tally {
  const cells = new Map(arms.map((a) => [a, new Map<number, ValuedCell>()]));
  let missing = 0;
  let suppressedRows = 0;
  for (const a of assignment) {
    const byDecile = cells.get(a.arm);
    if (!byDecile) continue;
    const cell = byDecile.get(a.decile) ?? { decile: a.decile, size: 0, conversions: 0, suppressed: 0, value: 0 };
    byDecile.set(a.decile, cell);
    const outcome = outcomes.get(a.key);
    if (suppressed.has(a.key)) {
      cell.suppressed++;
      if (outcome) suppressedRows++;
      continue;
    }
    cell.size++;
    if (!outcome) {
      missing++;
      continue;
    }
    cell.conversions += outcome.converted;
    cell.value += outcome.value;
  }
  return {
    arms: arms.map((name) => ({ name, deciles: [...(cells.get(name) as Map<number, ValuedCell>).values()].sort((x, y) => x.decile - y.decile) })),
    missing,
    suppressedRows,
  };
}
