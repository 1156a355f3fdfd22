// Scoring reads a party's current rows, not the snapshot a model was trained on: the table of the
// dataset (or simulate's path) the model names, read through the catalogue and kept per dataset
// and column set until its source changes. Before a kept table is used, the catalogue's change
// marker is asked for — a file's stat on every request (microseconds), a PostgreSQL dataset's
// changeCheck query or table statistics at most every `changeCheck.everySeconds` — and the table
// is read again when the marker differs or cannot be had. A failed check or read fails the request
// (the caller retries): a customer removed from the source must not be scored from a stale copy.
//
// Memory: only the columns the model uses (the model file's `inputs`; all of the job's columns
// for a model file without them), as the loader's typed columns, no labels, and the IDs in their
// compact column with a typed-array index (data/idHash.ts). While a changed table is read, the old
// one is still held, so the peak is twice one table.
import type { Logger } from 'pino';
import type { DataCatalogue } from '../data/catalogue.ts';
import type { Dataset } from '../data/dataset.ts';
import { IdRowIndex } from '../data/idHash.ts';
import type { DatasetSpecWire } from '../../protocol/messages/dataset.ts';

/** The source columns a model reads, as its model file records them. */
export interface ModelColumns {
  columns: readonly string[];
  categorical: readonly string[];
}

export interface CurrentTable {
  dataset: Dataset;
  index: IdRowIndex;
  /** The source's change marker taken before the read; undefined when the source has none. */
  marker: string | undefined;
}

interface Kept {
  table: CurrentTable;
  /** When the marker was last confirmed, by `now`. */
  checkedAt: number;
}

export class CurrentRows {
  private readonly catalogue: DataCatalogue;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly kept = new Map<string, Kept>();
  private readonly pending = new Map<string, Promise<CurrentTable>>();
  private counts = { checks: 0, loads: 0 };

  constructor(opts: { catalogue: DataCatalogue; log: Logger; now?: () => number }) {
    this.catalogue = opts.catalogue;
    this.log = opts.log;
    this.now = opts.now ?? (() => performance.now());
  }

  /** Change checks asked of sources and tables read, since start: what the cache saves is told by these. */
  get stats(): { checks: number; loads: number } {
    return { ...this.counts };
  }

  /** The current table of `spec`, with only `columns` when given. Concurrent callers share one check and read. */
  table(spec: DatasetSpecWire, columns?: ModelColumns): Promise<CurrentTable> {
    const key = JSON.stringify([spec, columns ?? null]);
    const pending = this.pending.get(key);
    if (pending) return pending;
    const kept = this.kept.get(key);
    if (kept && this.now() - kept.checkedAt < this.catalogue.recheckMs(spec)) return Promise.resolve(kept.table);
    const refreshed = this.refresh(key, spec, columns, kept).finally(() => this.pending.delete(key));
    this.pending.set(key, refreshed);
    return refreshed;
  }

  private async refresh(key: string, spec: DatasetSpecWire, columns: ModelColumns | undefined, kept: Kept | undefined): Promise<CurrentTable> {
    const checkedAt = this.now();
    // Taken before the read: a change during the read leaves an older marker, so the next request reads again.
    const marker = await this.catalogue.changeMarker(spec);
    this.counts.checks++;
    if (kept && marker !== undefined && marker === kept.table.marker) {
      kept.checkedAt = checkedAt;
      return kept.table;
    }
    const { dataset } = await this.catalogue.load(columns ? withColumns(spec, columns) : spec);
    this.counts.loads++;
    const table = { dataset, index: new IdRowIndex(dataset.idList), marker };
    this.kept.set(key, { table, checkedAt });
    this.log.info({
      dataset: spec.dataset ?? 'a job path', rows: dataset.rows, columns: dataset.featureNames.length,
      bytes: dataset.byteLength + table.index.byteLength, reason: kept ? 'the source changed' : 'first use',
    }, 'scoring table read');
    return table;
  }
}

/** The job's table settings reading only the model's columns, and no label (scoring needs none, and a new customer has none yet). */
function withColumns(spec: DatasetSpecWire, { columns, categorical }: ModelColumns): DatasetSpecWire {
  const out: DatasetSpecWire = { ...spec, features: [...columns], categorical: [...categorical] };
  delete out.labelColumn;
  return out;
}
