// Federated online scoring (design note protocols.md, "Federated inference"). Vertical models: the
// caller's IDs go to the guest only, which answers its contributions for the IDs in the model's PSI
// intersection and, per host, the handles PSI gave those customers; each host gets handles only and
// answers its contributions. The model combines them (a linear model adds partial scores, the
// guest's with the intercept), and models/scoring/scores.ts applies σ and places each score in the
// model's deciles, for online and batch scoring alike. Horizontal models: the named member scores
// its own customers. Whatever the reason (not held, no consent, not shared, at whichever
// party), an ID that cannot be scored is 'unscorable': the response is no membership oracle for
// any party; the reasons stay in the parties' own logs. Every ID counts against a per-ID hourly limit.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { FedmarkError } from '../../errors/table.ts';
import type { BodyOf, LinkMessage, ReplyOf } from '../../protocol/messages/index.ts';
import { float64Bytes, readFloat64 } from '../../protocol/peer/blobs.ts';
import { encodeIds, HANDLE_BYTES } from '../../protocol/messages/score.ts';
import type { PartyLinks } from '../links.ts';
import type { ModelVersion, Store } from '../store.ts';
import type { HorizontalJobSpec, JobSpec, VerticalJobSpec } from '../../protocol/messages/jobSpec.ts';
import { alone, scoresOf } from '../../models/scoring/scores.ts';
import { verticalModel } from '../../models/vertical/registry.ts';
import { IdRateLimit } from './idRate.ts';


/** Every party's contributions for the rows asked, the rows none may be scored, and the model's combination. */
interface Contributions {
  parts: Float64Array[];
  unscorable: number[];
  combine: (parts: readonly Float64Array[], rows: number) => Float64Array;
}

export interface ScoredId {
  id: string;
  score: number | null;
  decile: number | null;
  status: 'ok' | 'unscorable';
}

/** One party's reply: `width` values per row asked, and the rows it could not score. */
interface PartyScores {
  unscorable: number[];
  scores: Float64Array;
  width: number;
}

export class ScoringService {
  private readonly store: Store;
  private readonly links: PartyLinks;
  private readonly log: Logger;
  private readonly timeoutMs: number;

  private readonly idLimit: IdRateLimit;

  constructor(store: Store, links: PartyLinks, log: Logger, opts: { timeoutMs?: number; perIdPerHour?: number } = {}) {
    this.idLimit = new IdRateLimit(opts.perIdPerHour ?? 20);
    this.store = store;
    this.links = links;
    this.log = log;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  /** The version to serve: the one asked for if it is published (until retired), else the newest published one. */
  resolve(name: string, version?: number): ModelVersion {
    if (version !== undefined) {
      const model = this.store.model(name, version);
      if (!model) throw new FedmarkError('FM_ERR_MODEL_NOT_FOUND', { name, version });
      if (model.status !== 'published') throw new FedmarkError('FM_ERR_MODEL_STATE', { name, version, status: model.status, action: 'score' });
      return model;
    }
    const published = this.store.models(name).find((m) => m.status === 'published');
    if (!published) throw new FedmarkError('FM_ERR_MODEL_NOT_PUBLISHED', { name });
    return published;
  }

  /** `member`: for a horizontal model, the member whose customers these are (only it sees the IDs). */
  async score(model: ModelVersion, ids: string[], member?: string): Promise<ScoredId[]> {
    const spec = this.trainedBy(model);
    const parties = scoringParties(spec, model, member);
    const offline = parties.find((p) => !this.links.isOnline(p));
    if (offline) throw new FedmarkError('FM_ERR_JOB_PARTY_OFFLINE', { party: offline });
    this.idLimit.admit(ids);
    const request = { model: model.name, modelJob: model.job, count: ids.length };
    const { parts, unscorable, combine } = spec.kind === 'horizontal'
      ? await this.scoreAtMember(parties[0] as string, request, ids)
      : await this.scoreVertical(spec, request, ids);
    const { score, decile } = scoresOf(parts, ids.length, new Set(unscorable), model.card.deciles, combine);
    return ids.map((id, i) => {
      const s = score[i] as number;
      const d = decile[i] as number;
      if (Number.isNaN(s)) return { id, score: null, decile: null, status: 'unscorable' as const };
      // A model without deciles (horizontal with dp: no pooled histograms) places no one in a decile.
      return { id, score: s, decile: Number.isNaN(d) ? null : d, status: 'ok' as const };
    });
  }

  /** A horizontal member's logits of its own customers: its one contribution stands alone. */
  private async scoreAtMember(member: string, request: Omit<BodyOf<'score.request'>, 'kind'>, ids: readonly string[]): Promise<Contributions> {
    const reply = await this.scores(member, this.ask(member, 'score.request', { kind: 'horizontal', ...request }, request.model, encodeIds(ids)), ids.length, 1);
    return { parts: [reply.scores], unscorable: reply.unscorable, combine: alone };
  }

  /** The guest maps IDs to handles and gives its contributions; each host gives those of the handles meant for it. */
  private async scoreVertical(spec: VerticalJobSpec, request: Omit<BodyOf<'score.request'>, 'kind'>, ids: readonly string[]): Promise<Contributions> {
    const model = verticalModel(spec.model);
    const guest = spec.parties.find((p) => p.role === 'guest')?.id as string;
    const hosts = spec.parties.filter((p) => p.role === 'host').map((p) => p.id);
    const frame = await this.ask(guest, 'score.request', { kind: 'vertical', ...request }, request.model, encodeIds(ids));
    const { unscorable, scores, handles } = this.guestReply(guest, frame, ids.length, hosts);
    const scorable = scorablePositions(ids.length, unscorable);
    // With nothing scorable the hosts still get a call, one random handle that matches no row: the
    // reply then takes as long whether the guest or a host could not score, so its timing tells the
    // caller no more than its status.
    const asked = scorable.length > 0 ? scorable.length : 1;
    const replies = await Promise.all(hosts.map((host) => {
      const body = { model: request.model, modelJob: request.modelJob, count: asked };
      const payload = scorable.length > 0 ? handles.get(host) as Buffer : randomBytes(HANDLE_BYTES);
      return this.scores(host, this.ask(host, 'score.handles', body, request.model, payload), asked);
    }));
    // Each host answered for the scorable IDs only: its values go back to the positions asked.
    const parts = [scores, ...replies.map((r) => {
      const full = new Float64Array(ids.length * r.width).fill(Number.NaN);
      scorable.forEach((i, k) => full.set(r.scores.subarray(k * r.width, (k + 1) * r.width), i * r.width));
      for (const k of r.unscorable) if (k < scorable.length) unscorable.push(scorable[k] as number);
      return full;
    })];
    return { parts, unscorable, combine: model.combine };
  }

  /** The guest's answer: its contributions, then per host the handles of the scorable IDs. */
  private guestReply(guest: string, frame: LinkMessage<'score.reply'>, count: number, hosts: readonly string[]): PartyScores & { handles: Map<string, Buffer> } {
    const { body } = frame;
    const payload = Buffer.from(frame.payload ?? new Uint8Array(0));
    const scorable = count - new Set(body.unscorable).size;
    const block = scorable * HANDLE_BYTES;
    const named = body.hosts ?? [];
    const values = count * body.width * 8;
    if (body.unscorable.some((i) => i >= count) || [...hosts].sort().join() !== [...named].sort().join() || payload.length !== values + named.length * block) {
      this.log.warn({ party: guest }, 'malformed score reply');
      throw new FedmarkError('FM_ERR_JOB_PARTY_FAILED', { party: guest, reason: 'malformed score reply' });
    }
    const handles = new Map(named.map((h, k) => [h, payload.subarray(values + k * block, values + (k + 1) * block)]));
    return { unscorable: body.unscorable, width: body.width, scores: readFloat64(payload.subarray(0, values), count * body.width, `score.reply from ${guest}`), handles };
  }

  /**
   * Batch scoring of every customer the model was trained on, without a list: the parties score
   * their intersection rows in the canonical order, the coordinator combines them by row (it holds
   * no IDs), and the guest writes id,score,decile at its own premises. Returns where, and how many rows.
   */
  async scoreAll(model: ModelVersion): Promise<{ party: string; path: string; rows: number }> {
    const { rows, score, decile, guest } = await this.scoreIntersection(model);
    const out = new Float64Array(rows * 2);
    for (let i = 0; i < rows; i++) {
      out[2 * i] = score[i] as number;
      out[2 * i + 1] = decile[i] as number;
    }
    const saved = await this.ask(guest, 'score.save', { model: model.name, modelJob: model.job, version: model.version }, model.name, float64Bytes(out));
    return { party: guest, path: saved.body.path, rows: saved.body.rows };
  }

  /**
   * Every customer of a vertical model's intersection scored, by row of the canonical order (no IDs
   * here): NaN where some party could not or may not score the row (the customer left its table,
   * withdrew consent, or is on its suppression list). Batch scoring and campaigns start from it.
   */
  async scoreIntersection(model: ModelVersion): Promise<{ guest: string; rows: number; score: Float64Array; decile: Float64Array }> {
    const spec = this.trainedBy(model);
    if (spec.kind === 'horizontal') throw new FedmarkError('FM_ERR_WIRE_REQUEST', { field: 'all', reason: 'a horizontal model has no shared customer list: each member scores its own customers (send ids and member)' });
    const offline = spec.parties.find((p) => !this.links.isOnline(p.id));
    if (offline) throw new FedmarkError('FM_ERR_JOB_PARTY_OFFLINE', { party: offline.id });
    const rows = model.card.intersectionSize;
    const replies = await Promise.all(spec.parties.map((p) => this.scores(p.id, this.ask(p.id, 'score.all', { model: model.name, modelJob: model.job }, model.name), rows)));
    const unscorable = new Set(replies.flatMap((p) => p.unscorable));
    const { score, decile } = scoresOf(replies.map((r) => r.scores), rows, unscorable, model.card.deciles, verticalModel(spec.model).combine);
    return { guest: spec.parties.find((p) => p.role === 'guest')?.id as string, rows, score, decile };
  }

  /** Lookalike models: the guest (horizontal: the named member) re-writes the audience at another size from its stored scores; only where and how many come back. */
  async recutAudience(model: ModelVersion, cut: { audienceFraction?: number; audienceSize?: number }, member?: string): Promise<{ party: string; path: string; size: number }> {
    const spec = this.store.jobSpec(model.job);
    const guest = spec?.parties.find((p) => (member === undefined ? p.role === 'guest' : p.id === member))?.id;
    if (!guest) throw new FedmarkError('FM_ERR_JOB_NOT_FOUND', { job: model.job });
    if (!this.links.isOnline(guest)) throw new FedmarkError('FM_ERR_JOB_PARTY_OFFLINE', { party: guest });
    const reply = await this.ask(guest, 'audience.cut', { model: model.name, modelJob: model.job, ...cut }, model.name);
    return { party: guest, path: reply.body.path, size: reply.body.size };
  }

  /** One party's contributions for `count` rows; `width`, when the caller knows how many values a row has. */
  private async scores(party: string, reply: Promise<LinkMessage<'score.reply'>>, count: number, width?: number): Promise<PartyScores> {
    const frame = await reply;
    const { body } = frame;
    try {
      if (body.unscorable.some((i) => i >= count)) throw new Error('position out of range');
      if (width !== undefined && body.width !== width) throw new Error(`${body.width} values per row, expected ${width}`);
      return { unscorable: body.unscorable, width: body.width, scores: readFloat64(frame.payload, count * body.width, `score.reply from ${party}`) };
    } catch (err) {
      this.log.warn({ party, err: (err as Error).message }, 'malformed score reply');
      throw new FedmarkError('FM_ERR_JOB_PARTY_FAILED', { party, reason: 'malformed score reply' });
    }
  }

  /** The job that trained `model`: vertical or horizontal (a PSI job trains none). */
  private trainedBy(model: ModelVersion): VerticalJobSpec | HorizontalJobSpec {
    const spec = this.store.jobSpec(model.job);
    if (!spec) throw new FedmarkError('FM_ERR_JOB_NOT_FOUND', { job: model.job });
    if (spec.kind === 'psi') throw new FedmarkError('FM_ERR_INTERNAL', { reason: `model ${model.name} names PSI job ${model.job}, which trains no model` });
    return spec;
  }

  /** One request to a party about `model`, and its reply. */
  private ask<K extends 'score.request' | 'score.handles' | 'score.all' | 'score.save' | 'audience.cut'>(party: string, kind: K, body: BodyOf<K>, model: string, payload?: Uint8Array): Promise<LinkMessage<ReplyOf<K>>> {
    return this.links.requests.ask(party, kind, body, { what: `scoring ${model}`, timeoutMs: this.timeoutMs, ...(payload ? { payload } : {}) });
  }
}

/**
 * Who computes the scores: every party of a vertical model (partial scores, summed here); for a
 * horizontal model the one named member, which holds the whole model and its own customers.
 */
function scoringParties(spec: JobSpec, model: ModelVersion, member: string | undefined): string[] {
  if (spec.kind !== 'horizontal') {
    if (member !== undefined) throw new FedmarkError('FM_ERR_WIRE_REQUEST', { field: 'member', reason: `model ${model.name} is vertical: every party scores, name no member` });
    return spec.parties.map((p) => p.id);
  }
  if (member === undefined) throw new FedmarkError('FM_ERR_WIRE_REQUEST', { field: 'member', reason: `model ${model.name} is horizontal: name the member whose customers these are` });
  if (!(member in model.card.featuresByParty)) throw new FedmarkError('FM_ERR_WIRE_REQUEST', { field: 'member', reason: `${member} holds no version of model ${model.name}` });
  return [member];
}

/** Positions not in `unscorable`, in order. */
function scorablePositions(count: number, unscorable: readonly number[]): number[] {
  const skip = new Set(unscorable);
  return Array.from({ length: count }, (_, i) => i).filter((i) => !skip.has(i));
}
