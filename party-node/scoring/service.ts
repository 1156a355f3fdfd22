// Answers the coordinator's scoring requests at a party. Shards and tables are read once and kept,
// so repeated calls do not re-read files; a table is re-read when its file changes.
import { stat } from 'node:fs/promises';
import type { Logger } from 'pino';
import { loadDataset, type Dataset } from '../data/dataset.ts';
import { checkUnderRoots } from '../data/roots.ts';
import type { BodyOf } from '../../protocol/messages/index.ts';
import { float64Bytes } from '../../protocol/vertical/messages.ts';
import { readShard, type Shard } from './shard.ts';
import { partialScores, rowIndex } from './partial.ts';

interface Table {
  mtimeMs: number;
  dataset: Dataset;
  rows: Map<string, number>;
}

export class ScoringService {
  private readonly shards = new Map<string, Promise<Shard>>();
  private readonly tables = new Map<string, Table>();
  private readonly party: string;
  private readonly workDir: string;
  private readonly dataRoots: readonly string[];
  private readonly log: Logger;

  constructor(opts: { party: string; workDir: string; dataRoots: readonly string[]; log: Logger }) {
    this.party = opts.party;
    this.workDir = opts.workDir;
    this.dataRoots = opts.dataRoots;
    this.log = opts.log;
  }

  async score(body: BodyOf<'score.request'>, ids: readonly string[]): Promise<{ reply: BodyOf<'score.reply'>; payload: Buffer }> {
    const key = `${body.model}\u0000${body.modelJob}`;
    let shard = this.shards.get(key);
    if (!shard) {
      shard = readShard(this.workDir, body.model, body.modelJob, this.party);
      this.shards.set(key, shard);
      shard.catch(() => this.shards.delete(key));
    }
    const s = await shard;
    const table = await this.table(s);
    const started = performance.now();
    const { scores, known, noConsent } = partialScores(s, table.dataset, table.rows, ids);
    const refused = new Set(noConsent);
    const unknown: number[] = [];
    known.forEach((k, i) => k || refused.has(i) || unknown.push(i));
    this.log.debug({ model: body.model, ids: ids.length, unknown: unknown.length, ms: Math.round(performance.now() - started) }, 'partial scores computed');
    return { reply: { request: body.request, unknown, noConsent }, payload: float64Bytes(scores) };
  }

  private async table(shard: Shard): Promise<Table> {
    const path = await checkUnderRoots(this.party, shard.dataset.path, this.dataRoots);
    const { mtimeMs } = await stat(path);
    const cached = this.tables.get(path);
    if (cached && cached.mtimeMs === mtimeMs) return cached;
    const dataset = await loadDataset({ ...shard.dataset, path }, { party: this.party });
    const table = { mtimeMs, dataset, rows: rowIndex(dataset) };
    this.tables.set(path, table);
    return table;
  }
}
