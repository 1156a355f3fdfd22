// A suppression list file: CSV with customer_id, reason and date (YYYY-MM-DD) columns, e.g. the
// export of a CRM's opt-out register. Every row is checked before any is recorded, so a bad file
// records nothing; the error names the file, the row and the column.
import { readFile } from 'node:fs/promises';
import { FedmarkError } from '../../errors/table.ts';
import { parseCsv } from '../data/csv.ts';
import { checkEntry, suppressionKey } from './list.ts';

export const SUPPRESSION_COLUMNS = ['customer_id', 'reason', 'date'] as const;

export async function readSuppressionFile(party: string, file: string): Promise<Array<{ id: string; reason: string; date: string }>> {
  const bytes = await readFile(file).catch((err: NodeJS.ErrnoException) => {
    throw new FedmarkError('FM_ERR_DATA_FILE', { party, file, reason: err.code ?? err.message });
  });
  const table = parseCsv(bytes, { party, file });
  const at = SUPPRESSION_COLUMNS.map((name) => {
    const i = table.header.indexOf(name);
    if (i < 0) throw new FedmarkError('FM_ERR_SUPPRESSION_INPUT', { party, file, row: 1, column: name, reason: `the header lacks it (expected ${SUPPRESSION_COLUMNS.join(', ')})` });
    return table.column(i);
  });
  const [ids, reasons, dates] = at as [string[], string[], string[]];
  const seen = new Map<string, number>();
  return ids.map((id, r) => {
    const entry = { id: id.trim(), reason: (reasons[r] ?? '').trim(), date: (dates[r] ?? '').trim() };
    // Row numbers as a spreadsheet shows them: the header is row 1.
    const row = r + 2;
    checkEntry(party, { file, row }, entry);
    const key = suppressionKey(entry.id);
    const first = seen.get(key);
    if (first !== undefined) throw new FedmarkError('FM_ERR_SUPPRESSION_INPUT', { party, file, row, column: 'customer_id', reason: `the ID repeats row ${first}` });
    seen.set(key, row);
    return entry;
  });
}
