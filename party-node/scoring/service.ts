// Answers the coordinator's scoring requests at a party. Shards and tables are read once and kept,
// so repeated calls do not re-read files; a table is re-read when its file changes, and a database
// table (which has no cheap change marker) on every request.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FedmarkError } from '../../protocol/errors.ts';
import { parseCsv } from '../data/csv.ts';
import { readFloat64 } from '../../protocol/vertical/messages.ts';
import type { Logger } from 'pino';
import type { Dataset } from '../data/dataset.ts';
import type { DataCatalogue } from '../data/catalogue.ts';
import type { BodyOf } from '../../protocol/messages/index.ts';
import { float64Bytes } from '../../protocol/vertical/messages.ts';
import { readShard, type Shard } from './shard.ts';
import { partialScores, rowIndex, type PartialScores } from './partial.ts';
import { readHorizontalModel, scoreHorizontal, type HorizontalModel } from './horizontal.ts';

/** The cached promise for `key`, loading it on first use; a failed load is forgotten so a later call retries. */
function memo<T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
  let value = cache.get(key);
  if (!value) {
    value = load();
    cache.set(key, value);
    value.catch(() => cache.delete(key));
  }
  return value;
}

interface Table {
  version: string;
  dataset: Dataset;
  rows: Map<string, number>;
}

export class ScoringService {
  private readonly shards = new Map<string, Promise<Shard>>();
  private readonly horizontal = new Map<string, Promise<HorizontalModel | undefined>>();
  private readonly tables = new Map<string, Table>();
  private readonly party: string;
  private readonly workDir: string;
  private readonly catalogue: DataCatalogue;
  private readonly log: Logger;

  constructor(opts: { party: string; workDir: string; catalogue: DataCatalogue; log: Logger }) {
    this.party = opts.party;
    this.workDir = opts.workDir;
    this.catalogue = opts.catalogue;
    this.log = opts.log;
  }

  async score(body: BodyOf<'score.request'>, ids: readonly string[]): Promise<{ reply: BodyOf<'score.reply'>; payload: Buffer }> {
    const key = `${body.model}\u0000${body.modelJob}`;
    const horizontal = await this.horizontalModel(key, body);
    if (horizontal) {
      const table = await this.table(horizontal.file);
      return this.reply(body, await scoreHorizontal(horizontal, table.dataset, table.rows, ids));
    }
    const s = await memo(this.shards, key, () => readShard(this.workDir, body.model, body.modelJob, this.party));
    const table = await this.table(s);
    const started = performance.now();
    const reply = this.reply(body, partialScores(s, table.dataset, table.rows, ids));
    this.log.debug({ model: body.model, ids: ids.length, unknown: reply.reply.unknown.length, ms: Math.round(performance.now() - started) }, 'partial scores computed');
    return reply;
  }

  private reply(body: BodyOf<'score.request'>, { scores, known, noConsent }: PartialScores): { reply: BodyOf<'score.reply'>; payload: Buffer } {
    const refused = new Set(noConsent);
    const unknown: number[] = [];
    known.forEach((k, i) => k || refused.has(i) || unknown.push(i));
    return { reply: { request: body.request, unknown, noConsent }, payload: float64Bytes(scores) };
  }

  /** A horizontal member's whole model, read once; undefined when the model is a vertical shard. */
  private horizontalModel(key: string, body: BodyOf<'score.request'>): Promise<HorizontalModel | undefined> {
    return memo(this.horizontal, key, () => readHorizontalModel(this.workDir, body.model, body.modelJob, this.party));
  }

  /** Partial scores of the model's whole training intersection, in the canonical PSI order. */
  async scoreAll(body: BodyOf<'score.all'>): Promise<{ reply: BodyOf<'score.reply'>; payload: Buffer }> {
    const ids = await this.intersectionIds(body.modelJob);
    return this.score({ request: body.request, model: body.model, modelJob: body.modelJob, count: ids.length }, ids);
  }

  /** At the guest: writes id,score,decile for the intersection, here; only the path goes back. */
  async save(body: BodyOf<'score.save'>, payload: Uint8Array | undefined): Promise<BodyOf<'score.saved'>> {
    const ids = await this.intersectionIds(body.modelJob);
    const values = readFloat64(payload, ids.length * 2, 'score.save');
    const dir = join(this.workDir, 'scores');
    await mkdir(dir, { recursive: true });
    const path = join(dir, `${body.model}-v${body.version}-${new Date().toISOString().replace(/[:.]/g, '-')}.csv`);
    const lines = ['id,score,decile'];
    ids.forEach((id, i) => lines.push(`${/[",\n\r]/.test(id) ? `"${id.replaceAll('"', '""')}"` : id},${values[2 * i]},${values[2 * i + 1]}`));
    await writeFile(path, `${lines.join('\n')}\n`, { mode: 0o600 });
    this.log.info({ model: body.model, version: body.version, rows: ids.length }, 'batch scores written');
    return { request: body.request, path, rows: ids.length };
  }

  private async intersectionIds(job: string): Promise<string[]> {
    const text = await readFile(join(this.workDir, 'jobs', job, 'intersection.csv'), 'utf8').catch((err: unknown) => {
      throw new FedmarkError('FM_ERR_MODEL_NOT_FOUND', { name: `the intersection of job ${job}`, version: `at party ${this.party}` }, { cause: err });
    });
    return parseCsv(text, { party: this.party, file: 'intersection.csv', delimiter: ',' }).column(0).map((id) => id.trim());
  }

  /** The model's table, re-read when its source changed (a file's stat) or cannot tell (a database). */
  private async table(shard: { dataset: Shard['dataset'] }): Promise<Table> {
    const key = JSON.stringify(shard.dataset);
    const version = await this.catalogue.version(shard.dataset);
    const cached = this.tables.get(key);
    if (cached && version !== undefined && cached.version === version) return cached;
    const { dataset, fingerprint } = await this.catalogue.load(shard.dataset);
    const table = { version: fingerprint, dataset, rows: rowIndex(dataset) };
    this.tables.set(key, table);
    return table;
  }
}
