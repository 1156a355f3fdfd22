// The coordinator's part of a horizontal job: check that the members agree on the schema, then
// schedule the aggregations — scaling moments, one FedAvg update per round, the evaluation
// histograms — and add the members' CKKS ciphertexts. It holds no key: it never sees a member's
// update, a sum, a moment or a histogram in plaintext, only names, row counts and the metrics the
// members report at the end. Rounds sample members, have a deadline, and handle a member that
// drops out by averaging over the others (onDropout: continue) or by waiting for it (wait).
import type { Logger } from 'pino';
import { FedmarkError, fromWireError, toFedmarkError } from '../../errors/table.ts';
import type { BodyOf, LinkFrame, MessageKind } from '../../protocol/messages/index.ts';
import type { Federation, HflReport, HflSchema, Purpose } from '../../protocol/messages/horizontal.ts';
import type { HorizontalJobSpec, JobResult, ModelCard } from '../../protocol/messages/jobSpec.ts';
import { aggregateCiphertexts, ciphertextCount, createCkks, type Ckks } from '../../protocol/secagg/ckks.ts';
import { TAG_SLOTS } from '../../protocol/secagg/contributionTag.ts';
import { packBlobs, unpackBlobs } from '../../protocol/peer/blobs.ts';
import { parameterCount, updateExtras } from '../../models/federated/shape.ts';
import { HISTOGRAM_BINS } from '../../models/federated/histogram.ts';
import { deriveSeed, permutation } from '../../models/random.ts';
import type { PartyLinks } from '../links.ts';
import type { Store } from '../store.ts';
import type { PartyRequests } from '../partyRequests.ts';
import { horizontalLookalikeResult } from './horizontalLookalike.ts';

export interface HorizontalRun {
  job: string;
  spec: HorizontalJobSpec;
  links: PartyLinks;
  mailbox: PartyRequests;
  store: Store;
  log: Logger;
  stepTimeoutMs: number;
}

/** One upload of this many parameters is 49 seeded ciphertexts, ~6.4 MB: within the default 8 MB frame. */
const MAX_PARAMETERS = 200_000;

let ckksPromise: Promise<Ckks> | undefined;

export async function runHorizontal(r: HorizontalRun): Promise<JobResult> {
  const fed = r.spec.federation as Federation;
  const members = r.spec.parties.map((p) => p.id);
  const live = new Set(members);
  const dropped: string[] = [];
  /** onDropout: wait — sums a disconnected member missed, sent again before it is next asked. */
  const missed = new Map<string, Array<{ body: BodyOf<'hfl.aggregate'>; payload: Uint8Array }>>();
  ckksPromise ??= createCkks();
  const ckks = await ckksPromise;

  // 1. Schema agreement: names and types, before any aggregation.
  const schemas = new Map<string, HflSchema>();
  for (const [party, frame] of await Promise.all(members.map(async (m) => [m, await waitFor(r, m, 'hfl.schema', r.stepTimeoutMs)] as const))) {
    schemas.set(party, frame.body as HflSchema);
  }
  const features = agreeOnSchema(members, schemas);
  r.store.event(r.job, 'hfl.schema', { features: features.length });
  const parameters = parameterCount(r.spec.model === 'mlp' ? 'mlp' : 'logistic', features.length, fed.hidden);
  if (parameters > MAX_PARAMETERS) {
    throw new FedmarkError('FM_ERR_JOB_INVALID', { file: r.spec.name, field: 'federation.hidden', reason: `${parameters} parameters for ${features.length} features; at most ${MAX_PARAMETERS} fit the ciphertexts of one frame (about 6.4 MB)` });
  }

  // Every upload ends in the member's contribution tag, which members check against `members`.
  const aggregate = async (round: number, purpose: Purpose, plainValues: number, asked: string[]): Promise<string[]> => {
    const values = plainValues + TAG_SLOTS;
    const uploads = await collect(r, ckks, fed, { round, purpose, values }, asked, live, dropped, missed);
    if (uploads.length < fed.minMembers) {
      throw new FedmarkError('FM_ERR_HFL_QUORUM', { round, got: uploads.length, needed: fed.minMembers, missing: dropped.join(', ') || 'none' });
    }
    // Averaged parameters are small: their sum travels at the last level, half the bytes.
    const sum = aggregateCiphertexts(ckks, uploads, ciphertextCount(ckks, values), purpose === 'update');
    const contributors = uploads.map((u) => u.from);
    const payload = packBlobs(sum);
    for (const m of [...live]) {
      const frame = { body: { round, purpose, values, members: contributors }, payload };
      if (r.links.isOnline(m)) r.links.send(m, 'hfl.aggregate', frame.body, { job: r.job, payload });
      else if (fed.onDropout === 'wait') missed.set(m, [...(missed.get(m) ?? []), frame]);
      else drop(r, m, round, live, dropped, 'FM_ERR_JOB_PARTY_OFFLINE');
    }
    return contributors;
  };

  // With DP, ε covers the parameters only: the moments, the loss slot and the score histograms,
  // which it would not cover, are not aggregated at all (members standardise on their own rows).
  // 2. Scaling moments (count, Σx, Σx² per column, then the row count) from every member.
  if (!fed.dp) await aggregate(0, 'scaling', 3 * features.length + 1, [...live]);

  // 3. Rounds of FedAvg / FedProx over sampled members.
  const roundSeconds: number[] = [];
  for (let round = 1; round <= fed.rounds; round++) {
    const t0 = performance.now();
    const asked = sample([...live], fed, r.spec.training?.seed ?? 42, round);
    const contributors = await aggregate(round, 'update', parameters + updateExtras(fed.dp !== undefined) + 1, asked);
    roundSeconds.push((performance.now() - t0) / 1000);
    // `seconds` counts from the first round, as an epoch's does, so progress displays share one pace.
    r.store.event(r.job, 'train.round', { round, rounds: fed.rounds, asked: asked.length, contributors: contributors.length, seconds: roundSeconds.reduce((a, b) => a + b, 0) });
    r.log.info({ round, rounds: fed.rounds, contributors: contributors.length, ms: Math.round((roundSeconds.at(-1) as number) * 1000) }, 'round aggregated');
  }

  // 4. Evaluation: per-class score histograms of every member's evaluation table.
  if (!fed.dp) await aggregate(fed.rounds + 1, 'histogram', 2 * HISTOGRAM_BINS, [...live]);

  // 5. Reports: each member's metrics and the pooled ones (which every member computes alike).
  // Members train their local-only model first, a step longer than a round: stepTimeoutMs applies.
  const reports = new Map<string, HflReport>();
  await Promise.all([...live].map(async (m) => {
    try {
      reports.set(m, (await waitFor(r, m, 'hfl.report', r.stepTimeoutMs)).body as HflReport);
    } catch (err) {
      if (!isDropout(err) || fed.onDropout === 'wait') throw err;
      drop(r, m, fed.rounds + 1, live, dropped, toFedmarkError(err).code);
    }
  }));
  const first = [...reports.values()][0];
  if (!first) throw new FedmarkError('FM_ERR_HFL_QUORUM', { round: fed.rounds + 1, got: 0, needed: fed.minMembers, missing: dropped.join(', ') });
  for (const [m, rep] of reports) {
    if ((rep.pooled === undefined) !== (first.pooled === undefined) || Math.abs((rep.pooled?.auc ?? 0) - (first.pooled?.auc ?? 0)) > 1e-9 || rep.pooled?.rows !== first.pooled?.rows) {
      throw new FedmarkError('FM_ERR_JOB_PARTY_FAILED', { party: m, reason: 'its pooled metrics differ from the other members\' (they decrypt the same sums)' });
    }
  }
  return register(r, reports, first, { parameters, roundSeconds, dropped });
}

/** Every member must declare the same feature names with the same types (members sort them by name). */
export function agreeOnSchema(members: readonly string[], schemas: ReadonlyMap<string, HflSchema>): string[] {
  const ref = members[0] as string;
  const mine = new Map((schemas.get(ref)?.features ?? []).map((f) => [f.name, f.type]));
  for (const m of members.slice(1)) {
    const theirs = new Map((schemas.get(m)?.features ?? []).map((f) => [f.name, f.type]));
    for (const [name, type] of mine) {
      if (!theirs.has(name)) throw new FedmarkError('FM_ERR_HFL_SCHEMA', { party: m, column: name, reason: `missing (member ${ref} has it)` });
      if (theirs.get(name) !== type) throw new FedmarkError('FM_ERR_HFL_SCHEMA', { party: m, column: name, reason: `${theirs.get(name)} here, ${type} at member ${ref}` });
    }
    for (const name of theirs.keys()) {
      if (!mine.has(name)) throw new FedmarkError('FM_ERR_HFL_SCHEMA', { party: m, column: name, reason: `not a feature at member ${ref}` });
    }
  }
  if (mine.size === 0) throw new FedmarkError('FM_ERR_HFL_SCHEMA', { party: ref, column: '(none)', reason: 'no feature columns' });
  return [...mine.keys()];
}

/** The members asked this round: a seeded sample of ⌈fraction·live⌉, at least minMembers. */
export function sample(live: string[], fed: Federation, seed: number, round: number): string[] {
  const k = Math.min(live.length, Math.max(fed.minMembers, Math.ceil(fed.sampleFraction * live.length)));
  if (k >= live.length) return live;
  const order = permutation(live.length, deriveSeed(seed, round));
  return Array.from(order.subarray(0, k), (i) => live[i] as string).sort();
}

/** Asks members for their ciphertexts and gathers them within the round's deadline. */
async function collect(
  r: HorizontalRun, ckks: Ckks, fed: Federation, ask: BodyOf<'hfl.collect'>, asked: string[], live: Set<string>, dropped: string[],
  missed: Map<string, Array<{ body: BodyOf<'hfl.aggregate'>; payload: Uint8Array }>>,
): Promise<Array<{ from: string; blobs: Uint8Array[] }>> {
  const count = ciphertextCount(ckks, ask.values);
  const one = async (m: string): Promise<{ from: string; blobs: Uint8Array[] } | undefined> => {
    const deadline = Date.now() + (fed.onDropout === 'wait' ? r.stepTimeoutMs : fed.roundTimeoutSeconds * 1000);
    // The request goes again only after a reconnect (frames to a dropped link are lost); a
    // straggler that stayed connected is simply waited for.
    let resend = true;
    for (;;) {
      try {
        if (!r.links.isOnline(m)) throw new FedmarkError('FM_ERR_JOB_PARTY_OFFLINE', { party: m });
        const waiting = waitFor(r, m, 'hfl.upload', Math.max(1, Math.min(deadline, Date.now() + fed.roundTimeoutSeconds * 1000) - Date.now()));
        if (resend) {
          for (const f of missed.get(m)?.splice(0) ?? []) r.links.send(m, 'hfl.aggregate', f.body, { job: r.job, payload: f.payload });
          r.links.send(m, 'hfl.collect', ask, { job: r.job });
          resend = false;
        }
        const frame = await waiting;
        const body = frame.body as BodyOf<'hfl.upload'>;
        if (body.round !== ask.round || body.purpose !== ask.purpose) {
          throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'hfl.upload', state: `round ${ask.round} (${ask.purpose}), got round ${body.round} (${body.purpose}) from ${m}` });
        }
        const blobs = unpackBlobs(frame.payload, `hfl.upload from ${m}`);
        if (blobs.length !== count) throw new FedmarkError('FM_ERR_HE_CIPHERTEXT', { param: `hfl.upload from ${m}`, reason: `${blobs.length} ciphertexts, expected ${count}` });
        return { from: m, blobs };
      } catch (err) {
        if (!isDropout(err)) throw err;
        if (fed.onDropout === 'continue' || Date.now() >= deadline) {
          if (fed.onDropout === 'wait') throw err;
          drop(r, m, ask.round, live, dropped, toFedmarkError(err).code);
          return undefined;
        }
        const online = r.links.isOnline(m);
        r.log.warn({ party: m, round: ask.round, online }, 'waiting for a member');
        if (!online) {
          await reconnected(r.links, m, deadline);
          resend = true;
        }
      }
    }
  };
  const got = await Promise.all(asked.map(one));
  return got.filter((u): u is { from: string; blobs: Uint8Array[] } => u !== undefined);
}

function drop(r: HorizontalRun, m: string, round: number, live: Set<string>, dropped: string[], code: string): void {
  if (!live.delete(m)) return;
  dropped.push(m);
  r.store.event(r.job, 'hfl.dropout', { party: m, round, code });
  r.log.warn({ party: m, round, code }, 'member dropped out; the job goes on without it');
  if (r.links.isOnline(m)) r.links.send(m, 'job.cancel', { reason: `dropped in round ${round}: no contribution in time` }, { job: r.job });
}

function isDropout(err: unknown): boolean {
  const code = toFedmarkError(err).code;
  return code === 'FM_ERR_JOB_PARTY_OFFLINE' || code === 'FM_ERR_JOB_TIMEOUT';
}

function reconnected(links: PartyLinks, party: string, deadline: number): Promise<void> {
  if (links.isOnline(party)) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(finish, Math.max(0, deadline - Date.now()));
    function finish(): void {
      clearTimeout(timer);
      links.off('connected', onConnect);
      done();
    }
    function onConnect(p: string): void {
      if (p === party) finish();
    }
    links.on('connected', onConnect);
  });
}

async function waitFor(r: HorizontalRun, party: string, kind: MessageKind, timeoutMs: number): Promise<LinkFrame> {
  const frame = await r.mailbox.wait(r.job, party, [kind, 'job.failed'], timeoutMs);
  if (frame.kind === 'job.failed') throw fromWireError(frame.body.error, 'FM_ERR_JOB_PARTY_FAILED', { party, reason: 'no reason given' });
  return frame;
}

function register(
  r: HorizontalRun, reports: Map<string, HflReport>, first: HflReport,
  run: { parameters: number; roundSeconds: number[]; dropped: string[] },
): JobResult {
  const fed = r.spec.federation as Federation;
  const memberMetrics: NonNullable<JobResult['memberMetrics']> = {};
  const featuresByParty: Record<string, string[]> = {};
  let trainRows = 0;
  for (const [m, rep] of reports) {
    memberMetrics[m] = { ...rep.metrics, trainRows: rep.trainRows, evalRows: rep.evalRows };
    featuresByParty[m] = rep.features;
    trainRows += rep.trainRows;
  }
  const secondsPerRound = run.roundSeconds.reduce((s, v) => s + v, 0) / Math.max(1, run.roundSeconds.length);
  const evalRows = first.pooled?.rows ?? [...reports.values()].reduce((n, rep) => n + rep.evalRows, 0);
  const metrics: Record<string, number> = {
    ...(first.pooled ? { auc: first.pooled.auc, ks: first.pooled.ks } : {}), evalRows,
    rounds: fed.rounds, members: reports.size, parameters: run.parameters, secondsPerRound,
  };
  if (fed.dp) {
    metrics.dpEpsilon = Math.max(...[...reports.values()].map((rep) => rep.dp?.epsilon ?? Infinity));
    metrics.dpDelta = fed.dp.delta;
  }
  const lookalike = horizontalLookalikeResult(reports);
  if (lookalike) {
    Object.assign(metrics, lookalike.metrics);
    for (const [m, mm] of Object.entries(lookalike.memberMetrics)) Object.assign(memberMetrics[m] ?? {}, mm);
  }
  const card: ModelCard = {
    job: r.job, kind: 'horizontal', intersectionSize: 0, trainRows, evalRows, featuresByParty,
    metrics: { ...metrics }, lift: first.lift.map((row) => ({ ...row })), deciles: first.deciles, history: [],
    training: r.spec.training as NonNullable<HorizontalJobSpec['training']>,
    ...(lookalike ? { memberLookalike: lookalike.memberLookalike } : {}),
  };
  const version = r.store.addModel(r.spec.name, r.job, card);
  const result: JobResult = { metrics, memberMetrics, model: { name: r.spec.name, version } };
  if (lookalike) result.memberAudiences = lookalike.memberAudiences;
  if (run.dropped.length > 0) result.dropped = [...run.dropped];
  return result;
}
