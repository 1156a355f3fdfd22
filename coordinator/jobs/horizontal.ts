// The coordinator's part of a horizontal job: check that the members agree on the schema, then
// schedule the aggregations — scaling moments, the training rounds, the evaluation histograms —
// and add the members' CKKS ciphertexts. The rounds are the job's strategy's to configure, combine
// and stop (models/federated/strategy/, driven by its rounds.ts); this file sends, waits and adds.
// It holds no key: it never sees a member's update, a sum, a moment or a histogram in plaintext,
// only names, row counts, the pooled evaluation loss of each round that the members report for
// the stopping rule, and the metrics they report at the end. Rounds have a deadline and handle a
// member that drops out by averaging over the others (onDropout: continue) or by waiting for it (wait).
import type { Logger } from 'pino';
import { FedmarkError, fromWireError, toFedmarkError } from '../../errors/table.ts';
import type { BodyOf, LinkFrame, MessageKind } from '../../protocol/messages/index.ts';
import type { Federation, HflReport, HflSchema, Purpose } from '../../protocol/messages/horizontal.ts';
import type { HorizontalJobSpec, JobResult, ModelCard } from '../../protocol/messages/jobSpec.ts';
import { aggregateCiphertexts, ciphertextCount, createCkks, type Ckks } from '../../protocol/secagg/ckks.ts';
import { TAG_SLOTS } from '../../protocol/secagg/contributionTag.ts';
import { packBlobs, unpackBlobs } from '../../protocol/peer/blobs.ts';
import { parameterCount } from '../../models/federated/shape.ts';
import { HISTOGRAM_BINS } from '../../models/federated/histogram.ts';
import { scalingLength } from '../../models/federated/scaling.ts';
import { updateLength } from '../../models/federated/update.ts';
import type { Evaluated } from '../../models/federated/strategy/memberRounds.ts';
import { runRounds } from '../../models/federated/strategy/rounds.ts';
import type { Stop } from '../../models/federated/strategy/stopping.ts';
import type { FitFailure } from '../../models/federated/strategy/strategy.ts';
import { jobStrategy } from '../../protocol/jobs/horizontalStrategy.ts';
import type { Training } from '../../protocol/messages/training.ts';
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
    schemas.set(party, frame.body);
  }
  const features = agreeOnSchema(members, schemas);
  r.store.event(r.job, 'hfl.schema', { features: features.length });
  const parameters = parameterCount(r.spec.model === 'mlp' ? 'mlp' : 'logistic', features.length, fed.hidden);
  if (parameters > MAX_PARAMETERS) {
    throw new FedmarkError('FM_ERR_JOB_INVALID', { file: r.spec.name, field: 'federation.hidden', reason: `${parameters} parameters for ${features.length} features; at most ${MAX_PARAMETERS} fit the ciphertexts of one frame (about 6.4 MB)` });
  }

  // Every upload ends in the member's contribution tag, which members check against `members`.
  const deliver = (round: number, purpose: Purpose, values: number, sum: Uint8Array[], contributors: string[]): void => {
    const payload = packBlobs(sum);
    for (const m of [...live]) {
      const frame = { body: { round, purpose, values, members: contributors }, payload };
      if (r.links.isOnline(m)) r.links.send(m, 'hfl.aggregate', frame.body, { job: r.job, payload });
      else if (fed.onDropout === 'wait') missed.set(m, [...(missed.get(m) ?? []), frame]);
      else drop(r, m, round, live, dropped, 'FM_ERR_JOB_PARTY_OFFLINE');
    }
  };
  // The scaling moments and the score histograms: every live member contributes.
  const aggregate = async (round: number, purpose: Purpose, plainValues: number): Promise<void> => {
    const values = plainValues + TAG_SLOTS;
    const { uploads, failures } = await collect(r, ckks, fed, { round, purpose, values }, [...live], live, dropped, missed);
    if (uploads.length < fed.minMembers) {
      throw new FedmarkError('FM_ERR_HFL_QUORUM', { round, got: uploads.length, needed: fed.minMembers, missing: failures.map((f) => f.member).join(', ') || 'none' });
    }
    deliver(round, purpose, values, aggregateCiphertexts(ckks, uploads, ciphertextCount(ckks, values)), uploads.map((u) => u.from));
  };

  // With DP, ε covers the parameters only: the moments, the loss slots and the score histograms,
  // which it would not cover, are not aggregated at all (members standardise on their own rows).
  // 2. Scaling moments (count, Σx, Σx² per column, then the row counts) from every member.
  if (!fed.dp) await aggregate(0, 'scaling', scalingLength(features.length));

  // 3. Rounds, as the job's strategy configures, combines and stops them (models/federated/strategy/).
  const strategy = jobStrategy(fed, r.spec.training as Training);
  const updateValues = updateLength(parameters, !fed.dp) + TAG_SLOTS;
  const roundSeconds: number[] = [];
  let roundStarted = 0;
  const { stop } = await runRounds<Uint8Array[]>(strategy, {
    live: () => [...live],
    collect: async (round, plan) => {
      roundStarted = performance.now();
      const { uploads, failures } = await collect(r, ckks, fed, { round, purpose: 'update', values: updateValues, fit: plan.fit }, plan.asked, live, dropped, missed);
      return { results: uploads.map((u) => ({ member: u.from, value: u.blobs, ...(u.evaluated ? { evaluated: u.evaluated } : {}) })), failures };
    },
    // Averaged parameters are small: their sum travels at the last level, half the bytes.
    add: (chosen) => aggregateCiphertexts(ckks, chosen.map((c) => ({ from: c.member, blobs: c.value })), ciphertextCount(ckks, updateValues), true),
    deliver: (round, sum, contributors) => deliver(round, 'update', updateValues, sum, [...contributors]),
    onRound: ({ round, asked, contributors, evalLoss }) => {
      roundSeconds.push((performance.now() - roundStarted) / 1000);
      const pooled = evalLoss === undefined ? {} : { evalLoss };
      // `seconds` counts from the first round, as an epoch's does, so progress displays share one pace.
      r.store.event(r.job, 'train.round', { round, rounds: fed.rounds, asked, contributors, ...pooled, seconds: roundSeconds.reduce((a, b) => a + b, 0) });
      r.log.info({ round, rounds: fed.rounds, contributors, ...pooled, ms: Math.round((roundSeconds.at(-1) as number) * 1000) }, 'round aggregated');
    },
  }, !fed.dp);
  r.log.info({ ...stop }, 'rounds ended');

  // 4. Evaluation: per-class score histograms of every member's evaluation table.
  if (!fed.dp) await aggregate(stop.rounds + 1, 'histogram', 2 * HISTOGRAM_BINS);

  // 5. Reports: each member's metrics and the pooled ones (which every member computes alike).
  // Members train their local-only model first, a step longer than a round: stepTimeoutMs applies.
  const reports = new Map<string, HflReport>();
  await Promise.all([...live].map(async (m) => {
    try {
      reports.set(m, (await waitFor(r, m, 'hfl.report', r.stepTimeoutMs)).body);
    } catch (err) {
      if (!isDropout(err) || fed.onDropout === 'wait') throw err;
      drop(r, m, stop.rounds + 1, live, dropped, toFedmarkError(err).code);
    }
  }));
  const first = [...reports.values()][0];
  if (!first) throw new FedmarkError('FM_ERR_HFL_QUORUM', { round: stop.rounds + 1, got: 0, needed: fed.minMembers, missing: dropped.join(', ') });
  for (const [m, rep] of reports) {
    if ((rep.pooled === undefined) !== (first.pooled === undefined) || Math.abs((rep.pooled?.auc ?? 0) - (first.pooled?.auc ?? 0)) > 1e-9 || rep.pooled?.rows !== first.pooled?.rows) {
      throw new FedmarkError('FM_ERR_JOB_PARTY_FAILED', { party: m, reason: 'its pooled metrics differ from the other members\' (they decrypt the same sums)' });
    }
    if (rep.stop.reason !== stop.reason || rep.stop.rounds !== stop.rounds || rep.stop.kept !== stop.kept) {
      throw new FedmarkError('FM_ERR_JOB_PARTY_FAILED', { party: m, reason: `it kept the model of round ${rep.stop.kept} after ${rep.stop.rounds} rounds (${rep.stop.reason}), not that of round ${stop.kept} after ${stop.rounds} (${stop.reason})` });
    }
  }
  return register(r, reports, first, { parameters, roundSeconds, dropped, stop });
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

interface Upload {
  from: string;
  blobs: Uint8Array[];
  evaluated?: Evaluated;
}

/** Asks members for their ciphertexts and gathers them within the round's deadline; members that drop out are the failures. */
async function collect(
  r: HorizontalRun, ckks: Ckks, fed: Federation, ask: BodyOf<'hfl.collect'>, asked: readonly string[], live: Set<string>, dropped: string[],
  missed: Map<string, Array<{ body: BodyOf<'hfl.aggregate'>; payload: Uint8Array }>>,
): Promise<{ uploads: Upload[]; failures: FitFailure[] }> {
  const count = ciphertextCount(ckks, ask.values);
  const failures: FitFailure[] = [];
  const one = async (m: string): Promise<Upload | undefined> => {
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
        const body = frame.body;
        if (body.round !== ask.round || body.purpose !== ask.purpose) {
          throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'hfl.upload', state: `round ${ask.round} (${ask.purpose}), got round ${body.round} (${body.purpose}) from ${m}` });
        }
        const blobs = unpackBlobs(frame.payload, `hfl.upload from ${m}`);
        if (blobs.length !== count) throw new FedmarkError('FM_ERR_HE_CIPHERTEXT', { param: `hfl.upload from ${m}`, reason: `${blobs.length} ciphertexts, expected ${count}` });
        return { from: m, blobs, ...(body.evaluated ? { evaluated: body.evaluated } : {}) };
      } catch (err) {
        if (!isDropout(err)) throw err;
        if (fed.onDropout === 'continue' || Date.now() >= deadline) {
          if (fed.onDropout === 'wait') throw err;
          const code = toFedmarkError(err).code;
          drop(r, m, ask.round, live, dropped, code);
          failures.push({ member: m, code });
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
  return { uploads: got.filter((u): u is Upload => u !== undefined), failures };
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

async function waitFor<K extends MessageKind>(r: HorizontalRun, party: string, kind: K, timeoutMs: number): Promise<Extract<LinkFrame, { kind: K }>> {
  const frame: LinkFrame = await r.mailbox.wait(r.job, party, [kind, 'job.failed'], timeoutMs);
  if (frame.kind === 'job.failed') throw fromWireError(frame.body.error, 'FM_ERR_JOB_PARTY_FAILED', { party, reason: 'no reason given' });
  return frame as Extract<LinkFrame, { kind: K }>;
}

function register(
  r: HorizontalRun, reports: Map<string, HflReport>, first: HflReport,
  run: { parameters: number; roundSeconds: number[]; dropped: string[]; stop: Stop },
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
    rounds: run.stop.rounds, keptRound: run.stop.kept, members: reports.size, parameters: run.parameters, secondsPerRound,
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
    stopped: { ...run.stop },
  };
  const version = r.store.addModel(r.spec.name, r.job, card);
  const result: JobResult = { metrics, memberMetrics, model: { name: r.spec.name, version }, stopped: { ...run.stop } };
  if (lookalike) result.memberAudiences = lookalike.memberAudiences;
  if (run.dropped.length > 0) result.dropped = [...run.dropped];
  return result;
}
