// The model's input rows from the current table, matched by column name, not position: the
// current rows may hold categories the training rows did not (or lack some they had), so the
// one-hot blocks of the current table differ from the model's. A category the model knows but
// the table no longer holds is a column of zeros; a category the model never saw is left out,
// giving that row an all-zero block, as a missing category does in training.
import { FedmarkError } from '../../errors/table.ts';
import type { Dataset } from '../data/dataset.ts';

const plans = new WeakMap<Dataset, Map<string, Int32Array>>();

/** Rows × names.length, row-major: the values of `dataset`'s rows `rows` under the model's input names (default: the table's own). */
export function inputRows(dataset: Dataset, rows: readonly number[], names?: readonly string[]): Float64Array {
  const x = dataset.selectRows(rows);
  if (names === undefined) return x;
  const at = columnsOf(dataset, names);
  const width = dataset.featureNames.length;
  const out = new Float64Array(rows.length * names.length);
  for (let k = 0; k < rows.length; k++) {
    for (let j = 0; j < at.length; j++) {
      const c = at[j] as number;
      if (c >= 0) out[k * at.length + j] = x[k * width + c] as number;
    }
  }
  return out;
}

/** Per input name, its column in the table, or −1 for a category the table no longer holds. */
function columnsOf(dataset: Dataset, names: readonly string[]): Int32Array {
  let byNames = plans.get(dataset);
  if (!byNames) {
    byNames = new Map();
    plans.set(dataset, byNames);
  }
  const key = names.join('\u0000');
  let at = byNames.get(key);
  if (at) return at;
  const position = new Map(dataset.featureNames.map((n, c) => [n, c]));
  at = Int32Array.from(names, (name) => {
    const c = position.get(name);
    if (c !== undefined) return c;
    if (Object.hasOwn(dataset.encodings, categoryColumn(name, dataset))) return -1;
    throw new FedmarkError('FM_ERR_DATA_COLUMN', { party: dataset.party, file: dataset.file, column: name });
  });
  byNames.set(key, at);
  return at;
}

/** The categorical column a one-hot name `column=category` belongs to, or the name itself. */
function categoryColumn(name: string, dataset: Dataset): string {
  for (const column of Object.keys(dataset.encodings)) if (name.startsWith(`${column}=`)) return column;
  return name;
}
