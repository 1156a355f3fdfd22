// A party's data catalogue: the datasets its config names, each with one source (a CSV file, a
// Parquet file or a PostgreSQL table or query) and per-dataset column defaults. Jobs name a
// dataset; where it lives — paths, hosts, users, passwords — never leaves this process: errors
// and listings name the dataset only.
//
// A table too large for the party's memory setting (maxTableBytes) stops its load with an error
// naming the dataset (datasetBuilder.ts).
//
// The source's kind is the key the config uses (`csv:`, `parquet:`, `postgres:`), never guessed
// from a file name or its bytes. A job may name a file by `path` only when the config serves
// dataRoots (the configs `fedmark simulate` writes); a party configured with datasets alone
// refuses paths.

import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { FedmarkError, serializeError } from '../../errors/table.ts';
import { DatasetName, type CatalogueEntry, type DatasetSpecWire } from '../../protocol/messages/dataset.ts';
import { parseCsv, type DataSource } from './csv.ts';
import { csvBatches } from './csvStream.ts';
import { datasetFromBatches, loadDataset, type Dataset, type LoadLimits, type TableSpec } from './dataset.ts';
import { describeParquet, readParquetBatches } from './parquet.ts';
import { describePostgres, postgresChangeMarker, readPostgresBatches } from './postgres.ts';
import { osReason, readDataChunks, readDataFile } from './read-file.ts';
import { checkUnderRoots } from './roots.ts';
import type { ColumnType, Table } from './table.ts';
import { parseNumber } from './values.ts';

/** How often scoring asks a PostgreSQL dataset whether it changed, unless its changeCheck says. */
export const DEFAULT_CHECK_SECONDS = 30;

const Column = Type.String({ minLength: 1, maxLength: 256 });
const Defaults = {
  idColumn: Type.Optional(Column),
  consentColumn: Type.Optional(Column),
  categorical: Type.Optional(Type.Array(Column)),
  idCaseSensitive: Type.Optional(Type.Boolean()),
};

const CsvEntry = Type.Object(
  { csv: Type.String({ minLength: 1, description: 'a .csv or .csv.gz file; relative to the config file' }), delimiter: Type.Optional(Type.String({ minLength: 1, maxLength: 1 })), ...Defaults },
  { additionalProperties: false },
);
const ParquetEntry = Type.Object(
  { parquet: Type.String({ minLength: 1, description: 'a Parquet file; relative to the config file' }), ...Defaults },
  { additionalProperties: false },
);
const PostgresEntry = Type.Object(
  {
    postgres: Type.Union([
      Type.Object({ url: Type.String({ pattern: '^postgres(ql)?://' }), table: Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_$]*(\\.[A-Za-z_][A-Za-z0-9_$]*)?$' }) }, { additionalProperties: false }),
      Type.Object({ url: Type.String({ pattern: '^postgres(ql)?://' }), query: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
    ], { description: 'a table (schema.table) or a SELECT, read through COPY ... TO STDOUT' }),
    changeCheck: Type.Optional(Type.Object(
      {
        everySeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400, description: `scoring asks the server whether the rows changed at most this often (default ${DEFAULT_CHECK_SECONDS}); 0: on every request` })),
        query: Type.Optional(Type.String({ minLength: 1, description: 'a cheap SELECT whose first row changes whenever the rows do (e.g. max(updated_at) and count(*)); default for a table: its statistics counters' })),
      },
      { additionalProperties: false, description: 'how scoring learns that the rows changed (docs/operators.md, Scoring cache)' },
    )),
    ...Defaults,
  },
  { additionalProperties: false },
);

export const DatasetsSchema = Type.Record(DatasetName, Type.Union([CsvEntry, ParquetEntry, PostgresEntry]), {
  description: 'the datasets jobs may name: name -> { csv | parquet | postgres, and column defaults }',
});
export type DatasetsConfig = Static<typeof DatasetsSchema>;
type Entry = DatasetsConfig[string];

/** A table loaded for a job, and what identifies its content for checkpoints. */
export interface Loaded {
  dataset: Dataset;
  /** Changes when the source's content may have changed: a file's size and time, a query result's digest. */
  fingerprint: string;
}

export class DataCatalogue {
  private readonly party: string;
  private readonly entries: ReadonlyMap<string, Entry>;
  private readonly baseDir: string;
  private readonly dataRoots: readonly string[] | undefined;
  private readonly checked = new Map<string, Promise<string>>();
  private readonly limits: LoadLimits;

  constructor(party: string, opts: { datasets?: DatasetsConfig; baseDir: string; dataRoots?: readonly string[] | undefined; maxTableBytes?: number | undefined }) {
    this.party = party;
    this.entries = new Map(Object.entries(opts.datasets ?? {}));
    this.baseDir = opts.baseDir;
    this.dataRoots = opts.dataRoots;
    this.limits = { maxBytes: opts.maxTableBytes };
  }

  /**
   * The table a job names (`spec`), or another source with the same column settings (`from`: an
   * evaluation table). Column settings are the job's, falling back on the dataset's defaults.
   */
  async load(spec: DatasetSpecWire, from: { dataset?: string | undefined; path?: string | undefined } = spec): Promise<Loaded> {
    if (from.dataset !== undefined && from.path !== undefined) this.badSpec('data', 'give a dataset or a path, not both');
    if (from.path !== undefined) return this.loadPath(spec, from.path);
    if (from.dataset === undefined) this.badSpec('data', 'name a dataset of this party (data: { dataset: NAME })');
    const name = from.dataset;
    const entry = this.entry(name);
    const source: DataSource = { party: this.party, file: `dataset "${name}"` };
    const columns = withDefaults(spec, entry, source);
    if ('csv' in entry) {
      const path = this.resolvePath(entry.csv);
      const dataset = await loadDataset({ ...columns, path, ...(entry.delimiter ? { delimiter: entry.delimiter } : {}) }, { party: this.party, file: source.file }, this.limits);
      return { dataset, fingerprint: await fileFingerprint(path) };
    }
    if ('parquet' in entry) {
      const path = this.resolvePath(entry.parquet);
      const dataset = await datasetFromBatches(readParquetBatches(path, source), columns, source, this.limits);
      return { dataset, fingerprint: await fileFingerprint(path) };
    }
    const dataset = await datasetFromBatches(readPostgresBatches(entry.postgres, source), columns, source, this.limits);
    return { dataset, fingerprint: contentDigest(name, dataset) };
  }

  /**
   * What changes when the table's rows may have changed, had without reading them: a file's stat,
   * a PostgreSQL dataset's changeCheck query or table statistics (postgres.ts); undefined when
   * nothing cheap can tell, and the caller must read the rows again.
   */
  async changeMarker(spec: DatasetSpecWire): Promise<string | undefined> {
    if (spec.path !== undefined) return fileFingerprint(await this.underRoots(spec.path));
    const name = spec.dataset ?? '';
    const entry = this.entry(name);
    const source: DataSource = { party: this.party, file: `dataset "${name}"` };
    if ('postgres' in entry) return postgresChangeMarker(entry.postgres, entry.changeCheck?.query, source);
    return fileFingerprint(this.resolvePath('csv' in entry ? entry.csv : entry.parquet)).catch((err: unknown) => {
      throw new FedmarkError('FM_ERR_DATA_FILE', { ...source, reason: osReason(err) }, { cause: err });
    });
  }

  /** How long a change marker may be trusted before asking again: 0 for a file (a stat is cheap), a database's changeCheck. */
  recheckMs(spec: DatasetSpecWire): number {
    if (spec.path !== undefined) return 0;
    const entry = this.entry(spec.dataset ?? '');
    return 'postgres' in entry ? 1000 * (entry.changeCheck?.everySeconds ?? DEFAULT_CHECK_SECONDS) : 0;
  }

  /** Name, columns with types and row count of every dataset, in name order; nothing else. */
  async list(hidden: readonly string[] = []): Promise<CatalogueEntry[]> {
    const out: CatalogueEntry[] = [];
    for (const name of [...this.entries.keys()].sort()) {
      try {
        const { columns, rows } = await this.describe(name);
        out.push({ name, rows, columns: columns.filter((c) => !hidden.includes(c.name)) });
      } catch (err) {
        out.push({ name, error: serializeError(err) });
      }
    }
    return out;
  }

  private async describe(name: string): Promise<{ columns: Array<{ name: string; type: ColumnType }>; rows: number }> {
    const entry = this.entry(name);
    const source: DataSource = { party: this.party, file: `dataset "${name}"` };
    if ('parquet' in entry) return describeParquet(this.resolvePath(entry.parquet), source);
    if ('postgres' in entry) return describePostgres(entry.postgres, source);
    const options = entry.delimiter ? { ...source, delimiter: entry.delimiter } : source;
    let header: readonly string[] = [];
    let kinds: CellKind[] = [];
    let rows = 0;
    for await (const { table } of csvBatches(readDataChunks(this.resolvePath(entry.csv), source), options)) {
      if (rows === 0) {
        header = table.header;
        kinds = header.map(() => 'integer');
      }
      kinds = kinds.map((kind, c) => widen(kind, table, c));
      rows += table.rows;
    }
    // No data rows: no batch brought the header, so read it from the (header-only) file.
    if (rows === 0) {
      header = parseCsv(await readDataFile(this.resolvePath(entry.csv), source), options).header;
      kinds = header.map(() => 'integer');
    }
    return { columns: header.map((h, c) => ({ name: h.trim(), type: kinds[c]! })), rows };
  }

  private async loadPath(spec: DatasetSpecWire, wanted: string): Promise<Loaded> {
    const path = await this.underRoots(wanted);
    const columns = { ...spec };
    delete columns.dataset;
    delete columns.path;
    const { idColumn } = columns;
    if (idColumn === undefined) this.badSpec('idColumn', 'expected a column name');
    const dataset = await loadDataset({ ...columns, idColumn, path }, { party: this.party }, this.limits);
    return { dataset, fingerprint: await fileFingerprint(path) };
  }

  /** A job's file path (a table or a seed file) after the data-root check, checked once per path: scoring asks on every request. */
  underRoots(wanted: string): Promise<string> {
    const roots = this.dataRoots;
    if (roots === undefined) throw new FedmarkError('FM_ERR_DATA_NO_PATHS', { party: this.party });
    let checked = this.checked.get(wanted);
    if (checked === undefined) {
      checked = checkUnderRoots(this.party, wanted, roots);
      this.checked.set(wanted, checked);
      checked.catch(() => this.checked.delete(wanted));
    }
    return checked;
  }

  private entry(name: string): Entry {
    const entry = this.entries.get(name);
    if (entry === undefined) throw new FedmarkError('FM_ERR_DATA_UNKNOWN_DATASET', { party: this.party, dataset: name });
    return entry;
  }

  private resolvePath(path: string): string {
    return isAbsolute(path) ? path : resolve(this.baseDir, path);
  }

  private badSpec(field: string, reason: string): never {
    throw new FedmarkError('FM_ERR_DATA_SPEC', { party: this.party, file: 'the job', field, reason });
  }
}

/** The job's column settings over the dataset's defaults; the ID column must come from one of them. */
function withDefaults(spec: DatasetSpecWire, entry: Entry, source: DataSource): TableSpec {
  if (spec.delimiter !== undefined) {
    throw new FedmarkError('FM_ERR_DATA_SPEC', { ...source, field: 'delimiter', reason: 'a catalogue dataset\'s format is set in the party\'s config, not in the job' });
  }
  const idColumn = spec.idColumn ?? entry.idColumn;
  if (idColumn === undefined) throw new FedmarkError('FM_ERR_DATA_SPEC', { ...source, field: 'idColumn', reason: 'neither the job nor the party\'s catalogue names the ID column' });
  const out: TableSpec = { idColumn };
  const consent = spec.consentColumn ?? entry.consentColumn;
  const categorical = spec.categorical ?? entry.categorical;
  const caseSensitive = spec.idCaseSensitive ?? entry.idCaseSensitive;
  if (consent !== undefined) out.consentColumn = consent;
  if (categorical !== undefined) out.categorical = categorical;
  if (caseSensitive !== undefined) out.idCaseSensitive = caseSensitive;
  if (spec.labelColumn !== undefined) out.labelColumn = spec.labelColumn;
  if (spec.features !== undefined) out.features = spec.features;
  return out;
}

type CellKind = 'integer' | 'number' | 'text';

/** A CSV column's type as its cells show it: integer or number when every present cell is one. */
function widen(kind: CellKind, table: Table, column: number): CellKind {
  if (kind === 'text') return kind;
  let out: CellKind = kind;
  for (let r = 0; r < table.rows; r++) {
    const n = parseNumber(table.field(r, column));
    if (n === undefined) return 'text';
    if (!Number.isNaN(n) && !Number.isInteger(n)) out = 'number';
  }
  return out;
}

/**
 * Path, inode, size, modification and change times: cheap, and changes whenever a file is
 * written or replaced — the change time too, which a copy that keeps the modification time
 * (cp -p, rsync -t) cannot set back.
 */
export async function fileFingerprint(path: string): Promise<string> {
  const s = await stat(path);
  return `file\u0000${path}\u0000${s.ino}\u0000${s.size}\u0000${s.mtimeMs}\u0000${s.ctimeMs}`;
}

/** A database has no modification time to trust: the loaded IDs, labels and features are the content. */
function contentDigest(name: string, dataset: Dataset): string {
  const hash = createHash('sha256').update(`${name}\u0000`);
  for (let r = 0; r < dataset.rows; r++) hash.update(`${dataset.idList.at(r)}\u0000`);
  hash.update(`${dataset.featureNames.join('\u0000')}\u0000`);
  // In blocks of rows, so the digest never makes the whole row-major matrix.
  const block = 4096;
  for (let from = 0; from < dataset.rows; from += block) {
    const rows = Uint32Array.from({ length: Math.min(block, dataset.rows - from) }, (_, k) => from + k);
    const values = dataset.selectRows(rows);
    hash.update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }
  if (dataset.labels) hash.update(dataset.labels);
  return `content\u0000${hash.digest('hex')}`;
}
