// Logistic regression's check of a host's table, before PSI (nothing is exchanged yet): at least one
// column must take two values. Standardisation maps a column that is the same (or missing) on every
// row to zeros, so such a host's weights stay 0: it would take part, see every encrypted residual,
// and add nothing, while the result reported its "contribution" as a real figure.
import { FedmarkError } from '../../../errors/table.ts';
import { anyColumnVaries } from '../columnVaries.ts';
import type { PartyTable } from '../model.ts';

export function checkLogisticTable(table: PartyTable): void {
  if (table.role !== 'host') return;
  const cols = table.names.length;
  if (anyColumnVaries(table, cols, (x, i, j) => x.data[i * cols + j] as number)) return;
  throw new FedmarkError('FM_ERR_DATA_MODEL', {
    party: table.party,
    file: table.file,
    column: table.names.join(', ') || '(none)',
    reason: 'no usable feature: every column is the same or missing on every row, so this host would add nothing to the model',
  });
}
