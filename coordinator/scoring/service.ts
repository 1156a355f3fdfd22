// Federated online scoring (design note protocols.md, "Federated inference"). Vertical models: the
// caller's IDs go to the guest only, which answers its contributions for the IDs in the model's PSI
// intersection and, per host, the handles PSI gave those customers; each host gets handles only and
// answers its contributions. The model combines them (a linear model adds partial scores, the
// guest's with the intercept), and models/scoring/scores.ts applies σ and places each score in the
// model's deciles, for online and batch scoring alike. Horizontal models: the named member scores
// its own customers. Whatever the reason (not held, no consent, not shared, at whichever
// party), an ID that cannot be scored is 'unscorable': the response is no membership oracle for
// any party; the reasons stay in the parties' own logs. Every ID counts against a per-ID hourly limit.
// Reason codes, when the caller asks (vertical models): the guest's largest feature terms and each
// host's contribution as one figure, each against the evaluation rows' average customer, so that
// baseline + terms + the guest's other terms + the hosts' figures = the logit (reasons.ts). Without
// the ask, nothing of this is requested or computed.
// A model combined at the guest (trees, models/vertical/model.ts): the guest's reply carries a
// request nonce instead of contributions; each host seals its split decisions for the guest under it
// (protocol/peer/sealedFlags.ts); score.combine forwards the sealed blobs, unread, to the guest,
// which walks the trees and answers logits. This service never sees a host's decision.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { FedmarkError } from '../../errors/table.ts';
import type { BodyOf, LinkMessage, ReplyOf } from '../../protocol/messages/index.ts';
import { float64Bytes, packBlobs, readFloat64 } from '../../protocol/peer/blobs.ts';
import { encodeIds, HANDLE_BYTES, reasonValues } from '../../protocol/messages/score.ts';
import type { PartyLinks } from '../links.ts';
import type { ModelVersion, Store } from '../store.ts';
import type { HorizontalJobSpec, JobSpec, VerticalJobSpec } from '../../protocol/messages/jobSpec.ts';
import { alone, scoresOf } from '../../models/scoring/scores.ts';
import { verticalModel } from '../../models/vertical/registry.ts';
import type { VerticalModel } from '../../models/vertical/model.ts';
import { IdRateLimit } from './idRate.ts';


/** What the parties sent for reason codes: the guest's top terms per row, every party's baseline. */
interface ReasonParts {
  features: readonly string[];
  top: number;
  /** reasonValues(top) per row asked. */
  values: Float64Array;
  guestBaseline: number;
  hosts: Array<{ party: string; baseline: number }>;
}

/** Every party's contributions for the rows asked, the rows none may be scored, and the model's combination. */
interface Contributions {
  parts: Float64Array[];
  unscorable: number[];
  combine: (parts: readonly Float64Array[], rows: number) => Float64Array;
  reasons?: ReasonParts;
}

/** Why a score is what it is: logit = baseline + Σ features + otherFeatures + Σ parties. */
export interface ScoreReasons {
  logit: number;
  /** The logit of the evaluation rows' average customer (every party's part of it). */
  baseline: number;
  /** The guest's largest feature terms, largest first in magnitude. */
  features: Array<{ feature: string; value: number }>;
  /** The sum of the guest's other feature terms. */
  otherFeatures: number;
  /** Each other party's contribution, one figure each, against its average customer's. */
  parties: Array<{ party: string; value: number }>;
}

export interface ScoredId {
  id: string;
  score: number | null;
  decile: number | null;
  status: 'ok' | 'unscorable';
  reasons?: ScoreReasons;
}

/** One party's reply: `width` values per row asked, and the rows it could not score. */
interface PartyScores {
  unscorable: number[];
  scores: Float64Array;
  width: number;
  /** Asked for reasons: the party's contribution for the average customer. */
  baseline?: number;
}

export class ScoringService {
  private readonly store: Store;
  private readonly links: PartyLinks;
  private readonly log: Logger;
  private readonly timeoutMs: number;

  private readonly idLimit: IdRateLimit;
  /** Told the deciles of every set of scores served (monitoring counts them). */
  private readonly onServed: ((model: ModelVersion, deciles: Float64Array) => void) | undefined;

  constructor(store: Store, links: PartyLinks, log: Logger, opts: { timeoutMs?: number; perIdPerHour?: number; onServed?: (model: ModelVersion, deciles: Float64Array) => void } = {}) {
    this.idLimit = new IdRateLimit(opts.perIdPerHour ?? 20);
    this.onServed = opts.onServed;
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

  /**
   * `member`: for a horizontal model, the member whose customers these are (only it sees the IDs).
   * `reasons`: for a vertical model, reason codes with the guest's `reasons` largest feature terms.
   */
  async score(model: ModelVersion, ids: string[], member?: string, reasons?: number): Promise<ScoredId[]> {
    const spec = this.trainedBy(model);
    const parties = scoringParties(spec, model, member);
    if (reasons !== undefined && spec.kind === 'horizontal') throw new FedmarkError('FM_ERR_WIRE_REQUEST', { field: 'reasons', reason: `model ${model.name} is horizontal: reason codes are given for vertical models` });
    const offline = parties.find((p) => !this.links.isOnline(p));
    if (offline) throw new FedmarkError('FM_ERR_JOB_PARTY_OFFLINE', { party: offline });
    this.idLimit.admit(ids);
    const request = { model: model.name, modelJob: model.job, count: ids.length };
    const contributions = spec.kind === 'horizontal'
      ? await this.scoreAtMember(parties[0] as string, request, ids)
      : await this.scoreVertical(spec, request, ids, reasons);
    const { parts, unscorable, combine } = contributions;
    const { score, decile } = scoresOf(parts, ids.length, new Set(unscorable), model.card.deciles, combine);
    this.onServed?.(model, decile);
    const explained = contributions.reasons ? reasonsOf(contributions.reasons, parts, combine(parts, ids.length)) : undefined;
    return ids.map((id, i) => {
      const s = score[i] as number;
      const d = decile[i] as number;
      if (Number.isNaN(s)) return { id, score: null, decile: null, status: 'unscorable' as const };
      // A model without deciles (horizontal with dp: no pooled histograms) places no one in a decile.
      return { id, score: s, decile: Number.isNaN(d) ? null : d, status: 'ok' as const, ...(explained ? { reasons: explained(i) } : {}) };
    });
  }

  /** A horizontal member's logits of its own customers: its one contribution stands alone. */
  private async scoreAtMember(member: string, request: Omit<BodyOf<'score.request'>, 'kind'>, ids: readonly string[]): Promise<Contributions> {
    const reply = await this.scores(member, this.ask(member, 'score.request', { kind: 'horizontal', ...request }, request.model, encodeIds(ids)), ids.length, 1);
    return { parts: [reply.scores], unscorable: reply.unscorable, combine: alone };
  }

  /** The guest maps IDs to handles and gives its contributions; each host gives those of the handles meant for it. */
  private async scoreVertical(spec: VerticalJobSpec, request: Omit<BodyOf<'score.request'>, 'kind'>, ids: readonly string[], reasons?: number): Promise<Contributions> {
    const model = verticalModel(spec.model);
    const guest = spec.parties.find((p) => p.role === 'guest')?.id as string;
    const hosts = spec.parties.filter((p) => p.role === 'host').map((p) => p.id);
    if (model.combineAt === 'guest') {
      if (reasons !== undefined) throw new FedmarkError('FM_ERR_WIRE_REQUEST', { field: 'reasons', reason: `model ${request.model} is a ${spec.model} model, combined at the guest: it gives no reason codes` });
      return this.scoreAtGuest(guest, hosts, request, ids);
    }
    const frame = await this.ask(guest, 'score.request', { kind: 'vertical', ...request, ...(reasons === undefined ? {} : { reasons }) }, request.model, encodeIds(ids));
    const { unscorable, scores, handles, reasonValues: guestReasons } = this.guestReply(guest, frame, ids.length, hosts, reasons);
    const scorable = scorablePositions(ids.length, unscorable);
    // With nothing scorable the hosts still get a call, one random handle that matches no row: the
    // reply then takes as long whether the guest or a host could not score, so its timing tells the
    // caller no more than its status.
    const asked = scorable.length > 0 ? scorable.length : 1;
    const replies = await Promise.all(hosts.map((host) => {
      const body = { model: request.model, modelJob: request.modelJob, count: asked, ...(reasons === undefined ? {} : { reasons: true as const }) };
      const payload = scorable.length > 0 ? handles.get(host) as Buffer : randomBytes(HANDLE_BYTES);
      return this.scores(host, this.ask(host, 'score.handles', body, request.model, payload), asked, undefined, reasons !== undefined);
    }));
    // Each host answered for the scorable IDs only: its values go back to the positions asked.
    const parts = [scores, ...replies.map((r) => {
      const full = new Float64Array(ids.length * r.width).fill(Number.NaN);
      scorable.forEach((i, k) => full.set(r.scores.subarray(k * r.width, (k + 1) * r.width), i * r.width));
      for (const k of r.unscorable) if (k < scorable.length) unscorable.push(scorable[k] as number);
      return full;
    })];
    if (!guestReasons) return { parts, unscorable, combine: combinerOf(model) };
    const explained: ReasonParts = { ...guestReasons, hosts: replies.map((r, k) => ({ party: hosts[k] as string, baseline: r.baseline as number })) };
    return { parts, unscorable, combine: combinerOf(model), reasons: explained };
  }

  /**
   * A model combined at the guest: the guest names the customers to each host by handle and issues a
   * nonce; the hosts seal their decisions for it; the guest gets them back and answers the logits.
   */
  private async scoreAtGuest(guest: string, hosts: readonly string[], request: Omit<BodyOf<'score.request'>, 'kind'>, ids: readonly string[]): Promise<Contributions> {
    const frame = await this.ask(guest, 'score.request', { kind: 'vertical', ...request }, request.model, encodeIds(ids));
    const { unscorable, handles } = this.guestReply(guest, frame, ids.length, hosts);
    const nonce = this.nonceOf(guest, frame.body);
    const scorable = scorablePositions(ids.length, unscorable);
    // Nothing scorable: the hosts still get one random handle (as for additive models, so the
    // timing tells no more than the status), and there is nothing to combine.
    const asked = scorable.length > 0 ? scorable.length : 1;
    const sealed = await Promise.all(hosts.map(async (host) => {
      const payload = scorable.length > 0 ? handles.get(host) as Buffer : randomBytes(HANDLE_BYTES);
      return this.sealedReply(host, await this.ask(host, 'score.handles', { model: request.model, modelJob: request.modelJob, count: asked, nonce }, request.model, payload), asked);
    }));
    const logits = new Float64Array(ids.length).fill(Number.NaN);
    if (scorable.length === 0) return { parts: [logits], unscorable, combine: alone };
    const combined = await this.combined(guest, hosts, request, nonce, sealed, scorable.length);
    scorable.forEach((i, k) => (logits[i] = combined.scores[k] as number));
    for (const k of [...combined.unscorable, ...sealed.flatMap((r) => r.unscorable)]) unscorable.push(scorable[k] as number);
    return { parts: [logits], unscorable, combine: alone };
  }

  /** The guest's logits of the `rows` rows of the request `nonce` names, from the hosts' sealed blobs. */
  private combined(guest: string, hosts: readonly string[], request: { model: string; modelJob: string }, nonce: string, sealed: ReadonlyArray<{ blob: Uint8Array }>, rows: number): Promise<PartyScores> {
    const body = { model: request.model, modelJob: request.modelJob, nonce, hosts: [...hosts] };
    return this.scores(guest, this.ask(guest, 'score.combine', body, request.model, packBlobs(sealed.map((s) => s.blob))), rows, 1);
  }

  /** The request nonce the guest of a model combined at the guest issued with its reply. */
  private nonceOf(guest: string, body: BodyOf<'score.reply'>): string {
    if (body.nonce === undefined || body.width !== 0) {
      this.log.warn({ party: guest }, 'malformed score reply');
      throw new FedmarkError('FM_ERR_JOB_PARTY_FAILED', { party: guest, reason: 'malformed score reply: no request nonce' });
    }
    return body.nonce;
  }

  /** A host's sealed decisions for `count` rows, carried unread, and the positions it could not score. */
  private sealedReply(host: string, frame: LinkMessage<'score.reply'>, count: number): { unscorable: number[]; blob: Uint8Array } {
    const { body } = frame;
    if (body.sealed !== true || body.width !== 0 || body.unscorable.some((i) => i >= count) || !frame.payload || frame.payload.length === 0) {
      this.log.warn({ party: host }, 'malformed score reply');
      throw new FedmarkError('FM_ERR_JOB_PARTY_FAILED', { party: host, reason: 'malformed score reply: no sealed decisions' });
    }
    return { unscorable: body.unscorable, blob: frame.payload };
  }

  /** The guest's answer: its contributions, then per host the handles of the scorable IDs, then its reason codes when asked. */
  private guestReply(guest: string, frame: LinkMessage<'score.reply'>, count: number, hosts: readonly string[], top?: number): PartyScores & { handles: Map<string, Buffer>; reasonValues?: Omit<ReasonParts, 'hosts'> } {
    const { body } = frame;
    const payload = Buffer.from(frame.payload ?? new Uint8Array(0));
    const scorable = count - new Set(body.unscorable).size;
    const block = scorable * HANDLE_BYTES;
    const named = body.hosts ?? [];
    const values = count * body.width * 8;
    const handleBytes = named.length * block;
    const reasons = top === undefined ? undefined : body.reasons;
    const reasonBytes = reasons ? count * reasonValues(reasons.top) * 8 : 0;
    const reasonsFit = top === undefined ? body.reasons === undefined : reasons?.top === top && body.width === 1 && typeof body.baseline === 'number';
    if (body.unscorable.some((i) => i >= count) || [...hosts].sort().join() !== [...named].sort().join() || !reasonsFit || payload.length !== values + handleBytes + reasonBytes) {
      this.log.warn({ party: guest }, 'malformed score reply');
      throw new FedmarkError('FM_ERR_JOB_PARTY_FAILED', { party: guest, reason: 'malformed score reply' });
    }
    const handles = new Map(named.map((h, k) => [h, payload.subarray(values + k * block, values + (k + 1) * block)]));
    const scores = readFloat64(payload.subarray(0, values), count * body.width, `score.reply from ${guest}`);
    if (!reasons) return { unscorable: body.unscorable, width: body.width, scores, handles };
    const reasonValuesRead = readFloat64(payload.subarray(values + handleBytes), count * reasonValues(reasons.top), `score.reply from ${guest}`);
    return { unscorable: body.unscorable, width: body.width, scores, handles, reasonValues: { features: reasons.features, top: reasons.top, values: reasonValuesRead, guestBaseline: body.baseline as number } };
  }

  /**
   * Batch scoring of every customer the model was trained on, without a list: the parties score
   * their intersection rows in the canonical order, the coordinator combines them by row (it holds
   * no IDs), and the guest writes id,score,decile at its own premises. Returns where, and how many rows.
   */
  async scoreAll(model: ModelVersion): Promise<{ party: string; path: string; rows: number }> {
    const { rows, score, decile, guest } = await this.scoreIntersection(model);
    this.onServed?.(model, decile);
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
    const { parts, unscorable, combine } = verticalModel(spec.model).combineAt === 'guest'
      ? await this.allAtGuest(spec, model, rows)
      : await this.allAtCoordinator(spec, model, rows);
    const { score, decile } = scoresOf(parts, rows, new Set(unscorable), model.card.deciles, combine);
    return { guest: spec.parties.find((p) => p.role === 'guest')?.id as string, rows, score, decile };
  }

  /** Every party's contributions for the whole intersection, combined here. */
  private async allAtCoordinator(spec: VerticalJobSpec, model: ModelVersion, rows: number): Promise<Contributions> {
    const replies = await Promise.all(spec.parties.map((p) => this.scores(p.id, this.ask(p.id, 'score.all', { model: model.name, modelJob: model.job }, model.name), rows)));
    return { parts: replies.map((r) => r.scores), unscorable: replies.flatMap((p) => p.unscorable), combine: combinerOf(verticalModel(spec.model)) };
  }

  /** A model combined at the guest: the hosts seal their decisions on the whole intersection for the guest, which answers the logits. */
  private async allAtGuest(spec: VerticalJobSpec, model: ModelVersion, rows: number): Promise<Contributions> {
    const guest = spec.parties.find((p) => p.role === 'guest')?.id as string;
    const hosts = spec.parties.filter((p) => p.role === 'host').map((p) => p.id);
    const nonce = this.nonceOf(guest, (await this.ask(guest, 'score.all', { model: model.name, modelJob: model.job }, model.name)).body);
    const sealed = await Promise.all(hosts.map(async (host) => this.sealedReply(host, await this.ask(host, 'score.all', { model: model.name, modelJob: model.job, nonce }, model.name), rows)));
    const logits = await this.combined(guest, hosts, { model: model.name, modelJob: model.job }, nonce, sealed, rows);
    return { parts: [logits.scores], unscorable: [...logits.unscorable, ...sealed.flatMap((s) => s.unscorable)], combine: alone };
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

  /** One party's contributions for `count` rows; `width`, when the caller knows how many values a row has; `baseline`, when reasons were asked. */
  private async scores(party: string, reply: Promise<LinkMessage<'score.reply'>>, count: number, width?: number, baseline = false): Promise<PartyScores> {
    const frame = await reply;
    const { body } = frame;
    try {
      if (body.unscorable.some((i) => i >= count)) throw new Error('position out of range');
      if (width !== undefined && body.width !== width) throw new Error(`${body.width} values per row, expected ${width}`);
      if (baseline && (typeof body.baseline !== 'number' || body.width !== 1)) throw new Error('reasons asked, and no baseline of one value per row');
      const scores = readFloat64(frame.payload, count * body.width, `score.reply from ${party}`);
      return { unscorable: body.unscorable, width: body.width, scores, ...(baseline ? { baseline: body.baseline as number } : {}) };
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
  private ask<K extends 'score.request' | 'score.handles' | 'score.all' | 'score.save' | 'score.combine' | 'audience.cut'>(party: string, kind: K, body: BodyOf<K>, model: string, payload?: Uint8Array): Promise<LinkMessage<ReplyOf<K>>> {
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

/** Row i's reasons from what the parties sent: parts[0] is the guest's, parts[k + 1] host k's. */
function reasonsOf(r: ReasonParts, parts: readonly Float64Array[], logits: Float64Array): (i: number) => ScoreReasons {
  const per = reasonValues(r.top);
  const baseline = r.guestBaseline + r.hosts.reduce((s, h) => s + h.baseline, 0);
  return (i) => {
    const features: ScoreReasons['features'] = [];
    for (let j = 0; j < r.top; j++) {
      const f = r.values[i * per + 2 * j] as number;
      // Fewer features than asked: the remaining pairs are NaN.
      if (Number.isInteger(f) && f >= 0 && f < r.features.length) features.push({ feature: r.features[f] as string, value: r.values[i * per + 2 * j + 1] as number });
    }
    return {
      logit: logits[i] as number, baseline, features, otherFeatures: r.values[i * per + 2 * r.top] as number,
      parties: r.hosts.map((h, k) => ({ party: h.party, value: ((parts[k + 1] as Float64Array)[i] as number) - h.baseline })),
    };
  };
}

/** The combination of a model combined here (every model with combineAt 'coordinator' has one). */
function combinerOf(model: VerticalModel): NonNullable<VerticalModel['combine']> {
  if (!model.combine) throw new FedmarkError('FM_ERR_INTERNAL', { reason: `model ${model.name} is combined at the ${model.combineAt} and has no combination for the coordinator` });
  return model.combine;
}

/** Positions not in `unscorable`, in order. */
function scorablePositions(count: number, unscorable: readonly number[]): number[] {
  const skip = new Set(unscorable);
  return Array.from({ length: count }, (_, i) => i).filter((i) => !skip.has(i));
}
