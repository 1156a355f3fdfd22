// Answers the coordinator's scoring requests at a party. Shards and tables are read once and kept,
// so repeated calls do not re-read files; a table is re-read when its file changes, and a database
// table (which has no cheap change marker) on every request.
// Vertical models: only the guest takes the caller's IDs; it scores the ones in the model's
// intersection and hands the coordinator, per host, the handles of those customers
// (scoring/handles.ts). A host scores handles only and refuses IDs, so it never sees one it does
// not share and cannot be asked whether it holds a customer. Why an ID is unscorable (not held, no
// consent, not shared) is logged here, as counts; the reply says only which positions.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { FedmarkError } from '../../errors/table.ts';
import { parseCsv } from '../data/csv.ts';
import { readFloat64 } from '../../protocol/peer/blobs.ts';
import type { Logger } from 'pino';
import type { Dataset } from '../data/dataset.ts';
import type { DataCatalogue } from '../data/catalogue.ts';
import type { BodyOf } from '../../protocol/messages/index.ts';
import { float64Bytes } from '../../protocol/peer/blobs.ts';
import { readShard, type Shard } from './shard.ts';
import { partialScores, rowIndex, type PartialScores } from './partial.ts';
import { handleIndex, readHandles } from './handles.ts';
import { HANDLE_BYTES } from '../../protocol/messages/score.ts';
import { normalizeId } from '../data/dataset.ts';
import { readHorizontalModel, scoreHorizontal, type HorizontalModel } from './horizontal.ts';
import { workPath } from '../workPath.ts';

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
  private readonly intersections = new Map<string, Promise<{ shared: Map<string, number>; handles: Map<string, Buffer> }>>();
  private readonly handleIndexes = new Map<string, Promise<{ index: Map<string, number>; ids: string[] }>>();
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
      const scored = await scoreHorizontal(horizontal, table.dataset, table.rows, ids);
      this.logUnscorable(body.model, ids.length, scored, new Uint8Array(ids.length).fill(1));
      return this.reply(scored, scored.known);
    }
    const s = await memo(this.shards, key, () => readShard(this.workDir, body.model, body.modelJob, this.party));
    if (s.role !== 'guest') throw new FedmarkError('FM_ERR_SCORE_BY_ID', { party: this.party, model: body.model });
    const table = await this.table(s);
    const started = performance.now();
    const { shared, handles } = await this.sharedWithHosts(body.modelJob, s);
    const rows = ids.map((id) => shared.get(normalizeId(id, s.dataset.idCaseSensitive ?? false)));
    const partial = partialScores(s, table.dataset, table.rows, ids);
    const inIntersection = Uint8Array.from(rows, (r) => (r === undefined ? 0 : 1));
    this.logUnscorable(body.model, ids.length, partial, inIntersection);
    const scorable = Uint8Array.from(partial.known, (k, i) => k & (inIntersection[i] as number));
    const { reply, payload } = this.reply(partial, scorable);
    const hosts = [...handles.keys()];
    const picked = rows.filter((r, i): r is number => scorable[i] === 1);
    const blocks = hosts.map((h) => {
      const all = handles.get(h) as Buffer;
      const block = Buffer.alloc(picked.length * HANDLE_BYTES);
      picked.forEach((r, k) => all.copy(block, k * HANDLE_BYTES, r * HANDLE_BYTES, (r + 1) * HANDLE_BYTES));
      return block;
    });
    this.log.debug({ model: body.model, ids: ids.length, scorable: picked.length, hosts: hosts.length, ms: Math.round(performance.now() - started) }, 'partial scores computed');
    return { reply: { ...reply, hosts }, payload: Buffer.concat([payload, ...blocks]) };
  }

  /** At a host: partial scores of the shared customers the guest named by handle. */
  async scoreHandles(body: BodyOf<'score.handles'>, payload: Uint8Array | undefined): Promise<{ reply: BodyOf<'score.reply'>; payload: Buffer }> {
    if (payload?.length !== body.count * HANDLE_BYTES) throw new FedmarkError('FM_ERR_WIRE_MALFORMED', { reason: `score.handles announces ${body.count} handles and carries ${payload?.length ?? 0} bytes` });
    const s = await memo(this.shards, `${body.model}\u0000${body.modelJob}`, () => readShard(this.workDir, body.model, body.modelJob, this.party));
    if (s.role !== 'host') throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'score.handles', state: `party ${this.party} is the guest of model ${body.model}` });
    const table = await this.table(s);
    const { index, ids: intersection } = await memo(this.handleIndexes, body.modelJob, async () => {
      const [only] = [...(await readHandles(this.workDir, body.modelJob, this.party)).values()];
      return { index: handleIndex(only ?? Buffer.alloc(0)), ids: await this.intersectionIds(body.modelJob) };
    });
    const bytes = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    // A handle this host does not know becomes an empty ID, which no table holds.
    const ids = Array.from({ length: body.count }, (_, i) => {
      const r = index.get(bytes.toString('hex', i * HANDLE_BYTES, (i + 1) * HANDLE_BYTES));
      return r === undefined ? '' : (intersection[r] as string);
    });
    const partial = partialScores(s, table.dataset, table.rows, ids);
    const unknownHandles = ids.filter((id) => id === '').length;
    const unscorable = ids.length - partial.known.reduce((n, k) => n + k, 0);
    if (unscorable > 0) this.log.info({ model: body.model, handles: ids.length, unknownHandles, noLongerScorable: unscorable - unknownHandles }, 'handles not scored');
    this.log.debug({ model: body.model, handles: ids.length, unscorable }, 'partial scores computed');
    return this.reply(partial, partial.known);
  }

  private reply({ scores }: PartialScores, scorable: Uint8Array): { reply: BodyOf<'score.reply'>; payload: Buffer } {
    const unscorable: number[] = [];
    const out = Float64Array.from(scores, (v, i) => (scorable[i] ? v : Number.NaN));
    scorable.forEach((k, i) => k || unscorable.push(i));
    return { reply: { unscorable }, payload: float64Bytes(out) };
  }

  /** Why IDs go unscored, as counts in this party's own log (never the IDs, never to the caller). */
  private logUnscorable(model: string, asked: number, { known, noConsent }: PartialScores, inIntersection: Uint8Array): void {
    const notHeld = known.length - known.reduce((n, k) => n + k, 0) - noConsent.length;
    const notShared = known.reduce((n, k, i) => n + (k && !inIntersection[i] ? 1 : 0), 0);
    if (notHeld + noConsent.length + notShared > 0) this.log.info({ model, ids: asked, notHeld, noConsent: noConsent.length, notShared }, 'IDs not scored');
  }

  /** A horizontal member's whole model, read once; undefined when the model is a vertical shard. */
  private horizontalModel(key: string, body: BodyOf<'score.request'>): Promise<HorizontalModel | undefined> {
    return memo(this.horizontal, key, () => readHorizontalModel(this.workDir, body.model, body.modelJob, this.party));
  }

  /** At the guest: normalised ID → canonical row of the model's intersection, and the handles per host. */
  private sharedWithHosts(job: string, shard: Shard): Promise<{ shared: Map<string, number>; handles: Map<string, Buffer> }> {
    return memo(this.intersections, job, async () => {
      const ids = await this.intersectionIds(job);
      const shared = new Map(ids.map((id, r) => [normalizeId(id, shard.dataset.idCaseSensitive ?? false), r]));
      return { shared, handles: await readHandles(this.workDir, job, this.party) };
    });
  }

  /** Partial scores of the model's whole training intersection, in the canonical PSI order; no handles, no IDs leave. */
  async scoreAll(body: BodyOf<'score.all'>): Promise<{ reply: BodyOf<'score.reply'>; payload: Buffer }> {
    const ids = await this.intersectionIds(body.modelJob);
    const s = await memo(this.shards, `${body.model}\u0000${body.modelJob}`, () => readShard(this.workDir, body.model, body.modelJob, this.party));
    const table = await this.table(s);
    const partial = partialScores(s, table.dataset, table.rows, ids);
    this.logUnscorable(body.model, ids.length, partial, new Uint8Array(ids.length).fill(1));
    return this.reply(partial, partial.known);
  }

  /** At the guest: writes id,score,decile for the intersection, here; only the path goes back. */
  async save(body: BodyOf<'score.save'>, payload: Uint8Array | undefined): Promise<BodyOf<'score.saved'>> {
    const ids = await this.intersectionIds(body.modelJob);
    const values = readFloat64(payload, ids.length * 2, 'score.save');
    const path = workPath(this.workDir, 'scores', `${body.model}-v${body.version}-${new Date().toISOString().replace(/[:.]/g, '-')}.csv`);
    await mkdir(dirname(path), { recursive: true });
    const lines = ['id,score,decile'];
    // NaN marks a customer some party could not score (left the table, withdrew consent): empty score and decile.
    ids.forEach((id, i) => {
      const score = values[2 * i] as number;
      lines.push(`${/[",\n\r]/.test(id) ? `"${id.replaceAll('"', '""')}"` : id},${Number.isFinite(score) ? `${score},${values[2 * i + 1]}` : ','}`);
    });
    await writeFile(path, `${lines.join('\n')}\n`, { mode: 0o600 });
    this.log.info({ model: body.model, version: body.version, rows: ids.length }, 'batch scores written');
    return { path, rows: ids.length };
  }

  private async intersectionIds(job: string): Promise<string[]> {
    const text = await readFile(workPath(this.workDir, 'jobs', job, 'intersection.csv'), 'utf8').catch((err: unknown) => {
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
    // A database is re-read on every request, but its row index is rebuilt only when its rows changed.
    if (cached && cached.version === fingerprint) return cached;
    const table = { version: fingerprint, dataset, rows: rowIndex(dataset) };
    this.tables.set(key, table);
    return table;
  }
}
