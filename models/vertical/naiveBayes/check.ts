// The naive Bayes scorecard's checks of a party's table, before PSI (nothing is exchanged yet):
// the guest's labels must hold both classes (the prior and every WOE need events and non-events),
// and a host must have a column that forms two bins of at least minCell rows on its whole table —
// else none of its bins could be counted on the training rows, and it would take part for nothing.
import { FedmarkError } from '../../../errors/table.ts';
import type { PartyTable } from '../model.ts';
import { countedColumns, fitNaiveBayesBins } from './bins.ts';
import type { NaiveBayesTraining } from './settings.ts';

export function checkNaiveBayesTable(table: PartyTable, t: NaiveBayesTraining): void {
  const fail = (column: string, reason: string) => new FedmarkError('FM_ERR_DATA_MODEL', { party: table.party, file: table.file, column, reason });
  if (table.role === 'guest' && table.labels) {
    let positives = 0;
    for (const v of table.labels) positives += v;
    if (positives === 0 || positives === table.labels.length) throw fail('(label)', `all ${table.labels.length} labels are ${positives === 0 ? 0 : 1}; naive Bayes needs both classes`);
  }
  if (table.role !== 'host') return;
  const binning = fitNaiveBayesBins(table.x, table.names, table.categorical, t.bins, t.minCell);
  if (countedColumns(binning).length === 0) {
    throw fail(binning.features.map((f) => f.name).join(', ') || '(none)', `no column forms two bins of at least training.minCell = ${t.minCell} rows, even on the whole table: this host's data could not weigh in the model`);
  }
}
