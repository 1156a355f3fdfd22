// Answers the coordinator's scoring requests at a party, with the scorer of the model kind the
// request names (a model file of another kind is refused, never guessed at). Model files are read
// once and kept; the party's rows are its dataset's current ones, kept until the source changes
// (currentRows.ts), so a changed value is scored as it is now and a removed customer is unscorable.
// Vertical models (vertical.ts): only the guest takes the caller's IDs; it scores the ones in the
// model's intersection and hands the coordinator, per host, the handles of those customers
// (scoring/handles.ts). A host scores handles only and refuses IDs, so it never sees one it does
// not share and cannot be asked whether it holds a customer. Horizontal models (horizontal.ts): a
// member scores its own customers with its whole model. Why an ID is unscorable (not held, no
// consent, not shared) is logged here, as counts; the reply says only which positions.
// A model combined at the guest (trees): the guest's first reply carries a request nonce and no
// contributions; each host seals its decisions for the guest under that nonce; score.combine brings
// the sealed blobs to the guest, which answers logits only (guestWalk.ts).
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { FedmarkError } from '../../errors/table.ts';
import { readFloat64 } from '../../protocol/peer/blobs.ts';
import type { Logger } from 'pino';
import type { DataCatalogue } from '../data/catalogue.ts';
import type { BodyOf } from '../../protocol/messages/index.ts';
import { float64Bytes } from '../../protocol/peer/blobs.ts';
import { contributions, ownReasons, reasonsOf, type PartialScores } from './partial.ts';
import { CurrentRows, type CurrentTable } from './currentRows.ts';
import { readVerticalPart, type VerticalPart } from './vertical.ts';
import { readHandles, readSealKey } from './handles.ts';
import { guestLogits, PendingRequests } from './guestWalk.ts';
import { sealFlags } from '../../protocol/peer/sealedFlags.ts';
import { unpackBlobs } from '../../protocol/peer/blobs.ts';
import { HandleIndex, readIntersection, sharedIndex } from './intersection.ts';
import type { IdColumn } from '../data/idColumn.ts';
import type { IdRowIndex } from '../data/idHash.ts';
import { HANDLE_BYTES } from '../../protocol/messages/score.ts';
import { normalizeId } from '../data/dataset.ts';
import { readHorizontalModel, scoreHorizontal, type HorizontalModel } from './horizontal.ts';
import { workPath } from '../workPath.ts';
import { SuppressionList } from '../suppression/list.ts';
import { withholdSuppressed } from '../suppression/honour.ts';

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

export class ScoringService {
  private readonly parts = new Map<string, Promise<VerticalPart>>();
  private readonly horizontal = new Map<string, Promise<HorizontalModel>>();
  private readonly intersections = new Map<string, Promise<{ shared: IdRowIndex; handles: Map<string, Buffer> }>>();
  private readonly handleIndexes = new Map<string, Promise<{ index: HandleIndex; ids: IdColumn }>>();
  /** At the guest of a model combined at the guest: the requests whose sealed decisions it awaits. */
  private readonly pending = new PendingRequests();
  private readonly party: string;
  private readonly workDir: string;
  private readonly log: Logger;
  /** The party's current rows, kept until their source changes. */
  readonly rows: CurrentRows;
  /** Opened at the first scoring call and kept: each lookup sees every entry committed before it, by any process. */
  private suppression: SuppressionList | undefined;

  constructor(opts: { party: string; workDir: string; catalogue: DataCatalogue; log: Logger; now?: () => number }) {
    this.party = opts.party;
    this.workDir = opts.workDir;
    this.log = opts.log;
    this.rows = new CurrentRows({ catalogue: opts.catalogue, log: opts.log, ...(opts.now ? { now: opts.now } : {}) });
  }

  close(): void {
    this.suppression?.close();
    this.suppression = undefined;
  }

  /** Scores IDs with the scorer of the kind the coordinator names. */
  async score(body: BodyOf<'score.request'>, ids: readonly string[]): Promise<{ reply: BodyOf<'score.reply'>; payload: Buffer }> {
    return body.kind === 'horizontal' ? this.scoreMember(body, ids) : this.scoreAtGuest(body, ids);
  }

  /** A horizontal member: its own customers, with its whole model. */
  private async scoreMember(body: BodyOf<'score.request'>, ids: readonly string[]): Promise<{ reply: BodyOf<'score.reply'>; payload: Buffer }> {
    const m = await memo(this.horizontal, `${body.model}\u0000${body.modelJob}`, () => readHorizontalModel(this.workDir, body.model, body.modelJob, this.party));
    const table = await this.rows.table(m.file.dataset, m.file.inputs);
    const scored = await scoreHorizontal(m, table.dataset, table.index, ids);
    this.withhold(body.model, scored, ids);
    this.logUnscorable(body.model, ids.length, scored, new Uint8Array(ids.length).fill(1));
    return this.reply(scored, scored.known);
  }

  /** The guest of a vertical model: its contributions for the IDs of the intersection, and per host their handles. */
  private async scoreAtGuest(body: BodyOf<'score.request'>, ids: readonly string[]): Promise<{ reply: BodyOf<'score.reply'>; payload: Buffer }> {
    const part = await this.part(body);
    if (part.file.role !== 'guest') throw new FedmarkError('FM_ERR_SCORE_BY_ID', { party: this.party, model: body.model });
    const table = await this.table(part);
    const started = performance.now();
    const idCaseSensitive = part.file.dataset.idCaseSensitive ?? false;
    const { shared, handles } = await this.sharedWithHosts(body.modelJob, idCaseSensitive);
    const rows = ids.map((id) => shared.get(normalizeId(id, idCaseSensitive)));
    const partial = this.contributions(part, table, ids);
    this.withhold(body.model, partial, ids);
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
    this.log.debug({ model: body.model, ids: ids.length, scorable: picked.length, hosts: hosts.length, ms: Math.round(performance.now() - started) }, 'contributions computed');
    if (part.combineAt === 'guest') {
      if (body.reasons !== undefined) throw new FedmarkError('FM_ERR_WIRE_REQUEST', { field: 'reasons', reason: `model ${body.model} is combined at the guest (trees): it gives no reason codes` });
      const nonce = this.pending.issue({ model: body.model, modelJob: body.modelJob, ids: ids.filter((_, i) => scorable[i] === 1), handles: new Map(hosts.map((h, k) => [h, blocks[k] as Buffer])) });
      return { reply: { ...reply, hosts, nonce }, payload: Buffer.concat([payload, ...blocks]) };
    }
    if (body.reasons === undefined) return { reply: { ...reply, hosts }, payload: Buffer.concat([payload, ...blocks]) };
    // Reason codes, asked for: this party's own feature terms, for the scorable IDs only.
    const reasons = reasonsOf(part.scorer, body.model, this.party);
    const values = ownReasons(reasons, table.dataset, table.index, ids, idCaseSensitive, body.reasons, part.file.inputs?.names);
    const per = values.length / ids.length;
    scorable.forEach((k, i) => k || values.fill(Number.NaN, i * per, (i + 1) * per));
    return {
      reply: { ...reply, hosts, baseline: reasons.baseline, reasons: { features: [...reasons.features], top: body.reasons } },
      payload: Buffer.concat([payload, ...blocks, float64Bytes(values)]),
    };
  }

  /** At a host of a vertical model: contributions for the shared customers the guest named by handle. */
  async scoreHandles(body: BodyOf<'score.handles'>, payload: Uint8Array | undefined): Promise<{ reply: BodyOf<'score.reply'>; payload: Buffer }> {
    if (payload?.length !== body.count * HANDLE_BYTES) throw new FedmarkError('FM_ERR_WIRE_MALFORMED', { reason: `score.handles announces ${body.count} handles and carries ${payload?.length ?? 0} bytes` });
    const part = await this.part(body);
    if (part.file.role !== 'host') throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'score.handles', state: `party ${this.party} is the guest of model ${body.model}` });
    const table = await this.table(part);
    const { index, ids: intersection } = await memo(this.handleIndexes, body.modelJob, async () => {
      const [only] = [...(await readHandles(this.workDir, body.modelJob, this.party)).values()];
      return { index: new HandleIndex(only ?? Buffer.alloc(0)), ids: await readIntersection(this.workDir, body.modelJob, this.party) };
    });
    const bytes = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    // A handle this host does not know becomes an empty ID, which no table holds.
    const ids = Array.from({ length: body.count }, (_, i) => {
      const r = index.get(bytes, i * HANDLE_BYTES);
      return r === undefined ? '' : (intersection.at(r) as string);
    });
    const partial = this.contributions(part, table, ids);
    this.withhold(body.model, partial, ids);
    if (part.combineAt === 'guest') return this.sealed(part, body, partial, bytes);
    const unknownHandles = ids.filter((id) => id === '').length;
    const unscorable = ids.length - partial.known.reduce((n, k) => n + k, 0);
    if (unscorable > 0) this.log.info({ model: body.model, handles: ids.length, unknownHandles, noLongerScorable: unscorable - unknownHandles }, 'handles not scored');
    this.log.debug({ model: body.model, handles: ids.length, unscorable }, 'contributions computed');
    const answer = this.reply(partial, partial.known);
    // Reason codes, asked for: a host's part is one figure, told against its average customer's.
    if (body.reasons) answer.reply.baseline = reasonsOf(part.scorer, body.model, this.party).baseline;
    return answer;
  }

  /** A host of a model combined at the guest: its decisions sealed for the guest under the guest's request nonce and the handles asked (none: the whole intersection). */
  private async sealed(part: VerticalPart, body: { model: string; modelJob: string; nonce?: string }, partial: PartialScores, asked: Uint8Array): Promise<{ reply: BodyOf<'score.reply'>; payload: Buffer }> {
    if (body.nonce === undefined) throw new FedmarkError('FM_ERR_WIRE_REQUEST', { field: 'nonce', reason: `model ${body.model} is combined at the guest: its decisions are sealed under the guest's request nonce` });
    if (part.file.role !== 'host') throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'score sealed decisions', state: `party ${this.party} is the guest of model ${body.model}` });
    const [guest] = [...(await readHandles(this.workDir, body.modelJob, this.party)).keys()];
    if (guest === undefined) throw new FedmarkError('FM_ERR_MODEL_NOT_FOUND', { name: `the scoring handles of job ${body.modelJob}`, version: `at party ${this.party}` });
    const key = await readSealKey(this.workDir, body.modelJob, this.party, guest);
    const { scores, width, known } = partial;
    const rows = known.length;
    // An unscorable row's decisions are NaN: sealed as 0, and its position goes in the clear.
    const sealed = sealFlags(key, { modelJob: body.modelJob, host: this.party, guest, nonce: body.nonce, asked }, Uint8Array.from(scores, (v) => (v === 1 ? 1 : 0)), rows, width);
    const unscorable: number[] = [];
    known.forEach((k, i) => k || unscorable.push(i));
    this.log.debug({ model: body.model, rows, unscorable: unscorable.length }, 'decisions sealed for the guest');
    return { reply: { width: 0, unscorable, sealed: true }, payload: sealed };
  }

  /** At the guest of a model combined at the guest: the logits of the request `body.nonce` names, from the hosts' sealed decisions. */
  async combine(body: BodyOf<'score.combine'>, payload: Uint8Array | undefined): Promise<{ reply: BodyOf<'score.reply'>; payload: Buffer }> {
    const request = this.pending.take(body.nonce, body.model, body.modelJob);
    const part = await this.part(body);
    if (part.file.role !== 'guest' || part.combineAt !== 'guest') throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'score.combine', state: `party ${this.party} does not combine model ${body.model}` });
    let blobs: Uint8Array[];
    try {
      blobs = unpackBlobs(payload, 'score.combine');
    } catch (err) {
      throw new FedmarkError('FM_ERR_WIRE_MALFORMED', { reason: (err as Error).message }, { cause: err });
    }
    const { handles } = await this.sharedWithHosts(body.modelJob, part.file.dataset.idCaseSensitive ?? false);
    const hosts = [...handles.keys()];
    if (blobs.length !== body.hosts.length || new Set(body.hosts).size !== body.hosts.length || [...body.hosts].sort().join() !== [...hosts].sort().join()) {
      throw new FedmarkError('FM_ERR_WIRE_MALFORMED', { reason: `score.combine carries ${blobs.length} blobs for ${body.hosts.join(', ')}; the model's hosts are ${hosts.join(', ')}` });
    }
    const keys = new Map(await Promise.all(hosts.map(async (h) => [h, await readSealKey(this.workDir, body.modelJob, this.party, h)] as const)));
    const table = await this.table(part);
    const { logits, unscorable } = guestLogits({
      part, dataset: table.dataset, index: table.index, guest: this.party, nonce: body.nonce, request,
      sealed: new Map(body.hosts.map((h, k) => [h, blobs[k] as Uint8Array])), keys,
    });
    this.log.debug({ model: body.model, rows: logits.length, unscorable: unscorable.length }, 'trees walked');
    return { reply: { width: 1, unscorable }, payload: float64Bytes(logits) };
  }

  private reply({ scores, width }: PartialScores, scorable: Uint8Array): { reply: BodyOf<'score.reply'>; payload: Buffer } {
    const unscorable: number[] = [];
    const out = Float64Array.from(scores, (v, i) => (scorable[Math.floor(i / width)] ? v : Number.NaN));
    scorable.forEach((k, i) => k || unscorable.push(i));
    return { reply: { width, unscorable }, payload: float64Bytes(out) };
  }

  /** This party's part of a vertical model, read once. */
  private part(body: { model: string; modelJob: string }): Promise<VerticalPart> {
    return memo(this.parts, `${body.model}\u0000${body.modelJob}`, () => readVerticalPart(this.workDir, body.model, body.modelJob, this.party));
  }

  /** Why IDs go unscored, as counts in this party's own log (never the IDs, never to the caller). */
  private logUnscorable(model: string, asked: number, { known, noConsent }: PartialScores, inIntersection: Uint8Array): void {
    const notHeld = known.length - known.reduce((n, k) => n + k, 0) - noConsent.length;
    const notShared = known.reduce((n, k, i) => n + (k && !inIntersection[i] ? 1 : 0), 0);
    if (notHeld + noConsent.length + notShared > 0) this.log.info({ model, ids: asked, notHeld, noConsent: noConsent.length, notShared }, 'IDs not scored');
  }

  /** At the guest: normalised ID → canonical row of the model's intersection, and the handles per host. */
  private sharedWithHosts(job: string, idCaseSensitive: boolean): Promise<{ shared: IdRowIndex; handles: Map<string, Buffer> }> {
    return memo(this.intersections, job, async () => {
      const shared = sharedIndex(await readIntersection(this.workDir, job, this.party), idCaseSensitive);
      return { shared, handles: await readHandles(this.workDir, job, this.party) };
    });
  }

  /** Contributions for a vertical model's whole training intersection, in the canonical PSI order; no handles, no IDs leave. */
  async scoreAll(body: BodyOf<'score.all'>): Promise<{ reply: BodyOf<'score.reply'>; payload: Buffer }> {
    const ids = await this.intersectionIds(body.modelJob);
    const part = await this.part(body);
    if (part.combineAt === 'guest' && part.file.role === 'guest') {
      const nonce = this.pending.issue({ model: body.model, modelJob: body.modelJob, ids });
      return { reply: { width: 0, unscorable: [], nonce }, payload: Buffer.alloc(0) };
    }
    const partial = this.contributions(part, await this.table(part), ids);
    this.withhold(body.model, partial, ids);
    if (part.combineAt === 'guest') return this.sealed(part, body, partial, new Uint8Array(0));
    this.logUnscorable(body.model, ids.length, partial, new Uint8Array(ids.length).fill(1));
    return this.reply(partial, partial.known);
  }

  /** The suppression list as it is now (looked up on every call: an entry counts from the moment it is recorded); the count stays in this log. */
  private withhold(model: string, partial: PartialScores, ids: readonly string[]): void {
    this.suppression ??= new SuppressionList(this.workDir);
    const withheld = withholdSuppressed(partial, ids, this.suppression.among(ids));
    if (withheld > 0) this.log.info({ model, ids: ids.length, suppressed: withheld }, 'suppressed customers not scored');
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

  /** The intersection's IDs as strings, for a batch over all of them. */
  private async intersectionIds(job: string): Promise<string[]> {
    const ids = await readIntersection(this.workDir, job, this.party);
    return Array.from({ length: ids.length }, (_, r) => ids.at(r) as string);
  }

  /** The current rows of the dataset a vertical part was trained on: the columns it reads only, when its file names them. */
  private table(part: VerticalPart): Promise<CurrentTable> {
    return this.rows.table(part.file.dataset, part.file.inputs);
  }

  private contributions(part: VerticalPart, table: CurrentTable, ids: readonly string[]): PartialScores {
    return contributions(part.scorer, table.dataset, table.index, ids, part.file.dataset.idCaseSensitive ?? false, part.file.inputs?.names);
  }
}
