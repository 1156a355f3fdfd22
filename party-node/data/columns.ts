// Decides which header column plays which role, and refuses ambiguous settings before any
// cell is read: a column may have one role only, and a name may appear once in the header.

import { FedmarkError } from '../../errors/table.ts';
import type { DataSource } from './csv.ts';
import type { TableSpec } from './types.ts';

export interface FeatureColumn {
  name: string;
  index: number;
  categorical: boolean;
}

export interface ColumnPlan {
  id: number;
  label?: number;
  consent?: number;
  /** In the order of spec.features, or of the header when that is not given. */
  features: FeatureColumn[];
}

// The party's log lists the available columns (never the error: the header can be a customer's
// row when the file has none); a wide file would otherwise produce a huge log line.
const MAX_LISTED = 50;

export function planColumns(spec: TableSpec, rawHeader: readonly string[], source: DataSource): ColumnPlan {
  // Header cells are trimmed: "id " in an export means the column id.
  const header = rawHeader.map((h) => h.trim());
  const position = indexHeader(header, source);
  const find = (column: string): number => {
    const i = position.get(column.trim());
    if (i === undefined) {
      throw new FedmarkError('FM_ERR_DATA_COLUMN', { ...source, column }, { local: { columns: listColumns(header) } });
    }
    return i;
  };

  const roles = new Map<string, string>(); // column -> the setting that claimed it
  const claim = (column: string, setting: string): void => {
    const earlier = roles.get(column.trim());
    if (earlier !== undefined) {
      const reason = earlier === setting ? `listed twice in ${setting}` : `in both ${earlier} and ${setting}`;
      throw new FedmarkError('FM_ERR_DATA_COLUMN_TWICE', { ...source, column, reason });
    }
    roles.set(column.trim(), setting);
  };

  claim(spec.idColumn, 'idColumn');
  const plan: ColumnPlan = { id: find(spec.idColumn), features: [] };
  if (spec.labelColumn !== undefined) {
    claim(spec.labelColumn, 'labelColumn');
    plan.label = find(spec.labelColumn);
  }
  if (spec.consentColumn !== undefined) {
    claim(spec.consentColumn, 'consentColumn');
    plan.consent = find(spec.consentColumn);
  }

  const featureNames = spec.features ?? header.filter((h) => !roles.has(h));
  for (const name of featureNames) {
    claim(name, 'features');
    const index = find(name);
    if (header[index] === '') {
      throw new FedmarkError('FM_ERR_DATA_SPEC', {
        ...source,
        field: 'features',
        reason: `header column ${index + 1} has no name; name it or list the features explicitly`,
      });
    }
    plan.features.push({ name: header[index]!, index, categorical: false });
  }

  const categorical = new Set<string>();
  for (const name of spec.categorical ?? []) {
    const column = name.trim();
    if (categorical.has(column)) {
      throw new FedmarkError('FM_ERR_DATA_COLUMN_TWICE', { ...source, column: name, reason: 'listed twice in categorical' });
    }
    categorical.add(column);
    const role = roles.get(column);
    if (role !== undefined && role !== 'features') {
      throw new FedmarkError('FM_ERR_DATA_COLUMN_TWICE', { ...source, column: name, reason: `in both ${role} and categorical` });
    }
    const feature = plan.features.find((f) => f.name === column);
    if (feature === undefined) {
      find(name); // a column absent from the file is reported as such first
      throw new FedmarkError('FM_ERR_DATA_SPEC', {
        ...source,
        field: 'categorical',
        reason: `column "${name}" is not among the features`,
      });
    }
    feature.categorical = true;
  }
  return plan;
}

function indexHeader(header: readonly string[], source: DataSource): Map<string, number> {
  const position = new Map<string, number>();
  header.forEach((name, i) => {
    if (name === '') return; // unnamed columns cannot be referenced; using one as a feature is refused later
    const first = position.get(name);
    if (first !== undefined) {
      // By position only: in a file without a header line these "names" are a customer's values.
      throw new FedmarkError('FM_ERR_DATA_ROW', {
        ...source,
        row: '0 (the header)',
        reason: `columns ${first + 1} and ${i + 1} have the same name (the party's log names it)`,
      }, { local: { column: name } });
    }
    position.set(name, i);
  });
  return position;
}

function listColumns(header: readonly string[]): string {
  const shown = header.slice(0, MAX_LISTED).map((h) => (h === '' ? '(unnamed)' : h)).join(', ');
  return header.length > MAX_LISTED ? `${shown}, … ${header.length - MAX_LISTED} more` : shown;
}
