// A member's whole part of a horizontal job. The key holder (the member whose id sorts first)
// makes the job's CKKS secret key and sends it to the other members end to end; every member
// declares its schema, contributes its scaling moments, trains locally each round it is asked to
// with the round's settings and contributes its weighted parameters and losses, takes the global
// model from each decrypted sum through the job's strategy (models/federated/strategy/), stops
// when the strategy's rule says so and the coordinator agrees, and at the end scores its evaluation
// table (with the federated model the rule kept and with a local-only model it trains alone) and
// contributes per-class score histograms for the pooled AUC/KS. Everything it
// uploads is a CKKS ciphertext; what it reports is names, counts and metrics. Before it decrypts an
// aggregate it checks that the aggregate names at least as many contributors as its policy asks
// for, and after, that the contribution tags match the named contributors (contributionTag.ts).
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { Value } from '@sinclair/typebox/value';
import { FedmarkError } from '../../../errors/table.ts';
import { FederationSchema, type Federation, type HflReport, type Purpose } from '../../../protocol/messages/horizontal.ts';
import type { BodyOf, LinkFrame } from '../../../protocol/messages/index.ts';
import type { HflPeerFrame } from '../../../protocol/horizontal/messages.ts';
import type { PrepareOf } from '../../../protocol/messages/job.ts';
import type { LookalikeReport } from '../../../protocol/messages/lookalike.ts';
import { TrainingSchema, type Training } from '../../../protocol/messages/training.ts';
import { jobStrategy } from '../../../protocol/jobs/horizontalStrategy.ts';
import { COMPACT_MAX_ABS, createCkks, generateMemberKey, loadMemberKey, type Ckks, type MemberKey } from '../../../protocol/secagg/ckks.ts';
import { checkedSum, tagKeyFrom, TAG_SLOTS, withTag } from '../../../protocol/secagg/contributionTag.ts';
import type { Inbox, InboxItem } from '../../../protocol/peer/inbox.ts';
import { packBlobs, unpackBlobs } from '../../../protocol/peer/blobs.ts';
import { applyStandardizer, fitStandardizer, type Standardizer } from '../../../models/features/standardize.ts';
import { histogramAuc, histogramDecileCuts, histogramKs, histogramLift, histogramRows, scoreHistogram } from '../../../models/federated/histogram.ts';
import { createFederatedModel } from '../../../models/federated/create.ts';
import type { FederatedModel, LocalTrainOptions } from '../../../models/federated/model.ts';
import { scalingFromSum, scalingUpload } from '../../../models/federated/scaling.ts';
import { gaussianEpsilon } from '../../../models/federated/dp.ts';
import { MemberRounds, type Evaluated } from '../../../models/federated/strategy/memberRounds.ts';
import type { Stop } from '../../../models/federated/strategy/stopping.ts';
import type { UpdateWeights } from '../../../models/federated/update.ts';
import { matrix, type Matrix } from '../../../models/matrix.ts';
import { auc } from '../../../models/metrics/auc.ts';
import { ks } from '../../../models/metrics/ks.ts';
import { logLoss } from '../../../models/metrics/logLoss.ts';
import type { Dataset } from '../../data/dataset.ts';
import type { PartyPolicy } from '../../policy.ts';
import { shardPath } from '../../scoring/modelFile.ts';

/** A message for the member loop: from the coordinator (hfl.collect, hfl.aggregate) or a peer (hfl.key). */
export type HflItemFrame = Extract<LinkFrame, { kind: 'hfl.collect' | 'hfl.aggregate' }> | HflPeerFrame;
type Collect = Extract<HflItemFrame, { kind: 'hfl.collect' }>;
type Aggregate = Extract<HflItemFrame, { kind: 'hfl.aggregate' }>;
/** The coordinator's request for histograms, which ends the rounds. */
type HistogramAsk = Collect & { body: { purpose: 'histogram' } };

export const COORDINATOR = '(coordinator)';

export interface MemberContext {
  job: string;
  self: string;
  /** Every member of the job, this one included. */
  members: readonly string[];
  prepare: PrepareOf<'horizontal'>;
  dataset: Dataset;
  evaluation: Dataset;
  toCoordinator: <K extends 'hfl.schema' | 'hfl.upload'>(kind: K, body: BodyOf<K>, payload?: Uint8Array) => void;
  /** Sends the secret key to a peer through the end-to-end channel. */
  sendKey: (peer: string, secretKey: Uint8Array) => void;
  inbox: Inbox<HflItemFrame>;
  workDir: string;
  log: Logger;
  /** Refuses an aggregate naming fewer contributors than this party allows. */
  policy: Pick<PartyPolicy, 'admitAggregate'>;
  /**
   * Labels and row weights to train on, when not the dataset's label column as is (e.g. a
   * lookalike job's seed flag); the same for the evaluation table.
   */
  target?: { train: Uint8Array; evaluation: Uint8Array; weights?: Float64Array };
  /** A lookalike job: ranks the evaluation table (its population) from the federated and the local-only model's scores, at this member. */
  lookalike?: (scores: { federated: Float64Array; local: Float64Array }) => Promise<LookalikeReport>;
}

let ckksPromise: Promise<Ckks> | undefined;

export async function runMember(ctx: MemberContext): Promise<HflReport> {
  const fed = { ...(Value.Default(FederationSchema, {}) as Federation), ...ctx.prepare.federation };
  const training = { ...(Value.Default(TrainingSchema, {}) as Training), ...ctx.prepare.training };
  const { names, x, evalX } = canonicalColumns(ctx.dataset, ctx.evaluation);
  const y = ctx.target?.train ?? labelsOf(ctx.dataset);
  const evalY = ctx.target?.evaluation ?? labelsOf(ctx.evaluation);
  bothClasses(ctx.dataset, y);
  bothClasses(ctx.evaluation, evalY);
  const strategy = jobStrategy(fed, training);
  ckksPromise ??= createCkks();
  const ckks = await ckksPromise;
  const secagg: SecAgg = { ctx, ...(await shareKey(ctx, ckks)) };
  const started = performance.now();
  try {
    ctx.toCoordinator('hfl.schema', { features: names.map((name) => ({ name, type: 'numeric' as const })), trainRows: x.rows });

    const { standardizer, weights } = fed.dp ? { standardizer: fitStandardizer(x), weights: equalWeight(ctx) } : await pooledScaling(secagg, x, evalX.rows, names.length);
    const trainZ = applyStandardizer(standardizer, x);
    const evalZ = applyStandardizer(standardizer, evalX);

    const model = await createFederatedModel(ctx.prepare.model ?? 'logistic', names.length, fed.hidden);
    const rounds = new MemberRounds({
      model, strategy, training, weights,
      data: { x: trainZ, y, ...(ctx.target?.weights ? { weights: ctx.target.weights } : {}), evalX: evalZ, evalY },
      ...(fed.dp ? { dp: { settings: fed.dp, uniform: secureUniform } } : {}),
    });
    const { stop, histogramAsk } = await trainRounds(secagg, rounds);
    const theta = rounds.kept(stop);

    // Evaluation on this member's table, pooled through histograms (not with DP: ε would not cover
    // them); and the local-only model, trained for as many epochs as the federated rounds ran.
    const p = await model.predict(theta, evalZ);
    let pooled: Float64Array | undefined;
    if (!fed.dp) {
      const histogram = scoreHistogram(p, evalY);
      if (histogramAsk) uploadVector(secagg, histogramAsk, histogram);
      else await contribute(secagg, stop.rounds + 1, 'histogram', () => histogram);
      pooled = await aggregateOf(secagg, stop.rounds + 1, 'histogram');
    }
    const alone = await localOnly(model, x, y, evalX, evalY, {
      epochs: stop.rounds * fed.localEpochs, batchSize: training.batchSize, learningRate: training.learningRate, l2: training.l2, mu: 0, seed: training.seed, round: 0,
    }, ctx.target?.weights);
    await saveModel(ctx, model, names, standardizer, theta);
    const lookalike = ctx.lookalike ? await ctx.lookalike({ federated: p, local: alone.p }) : undefined;
    const report: HflReport = {
      features: names,
      trainRows: x.rows,
      evalRows: evalX.rows,
      metrics: { auc: auc(p, evalY), ks: ks(p, evalY), logLoss: logLoss(p, evalY), localAuc: alone.auc, localKs: alone.ks },
      ...(pooled ? { pooled: { auc: histogramAuc(pooled), ks: histogramKs(pooled), rows: Math.round(histogramRows(pooled)) } } : {}),
      parameters: model.parameters,
      ...(fed.dp ? { dp: { epsilon: gaussianEpsilon(fed.dp.noiseMultiplier, rounds.contributions, fed.dp.delta).epsilon, delta: fed.dp.delta, contributions: rounds.contributions } } : {}),
      deciles: pooled ? histogramDecileCuts(pooled) : [],
      lift: pooled ? histogramLift(pooled) : [],
      history: rounds.history,
      stop,
      ...(lookalike ? { lookalike } : {}),
    };
    ctx.log.info({ seconds: Math.round((performance.now() - started) / 100) / 10, ...stop }, 'horizontal training finished');
    return report;
  } finally {
    secagg.key.dispose();
  }
}

/**
 * The training rounds, until the coordinator asks for the evaluation histograms (it stopped) or the
 * round cap is reached (with dp, nothing else ends the rounds). The coordinator learns each pooled
 * evaluation loss a round after the members (models/federated/strategy/rounds.ts): a member whose
 * rule has fired still contributes to the next round, whose sum the coordinator then never makes.
 */
async function trainRounds(s: SecAgg, rounds: MemberRounds): Promise<{ stop: Stop; histogramAsk?: BodyOf<'hfl.collect'> }> {
  for (;;) {
    const round = rounds.rounds + 1;
    const frame = await nextStep(s.ctx, round, ['hfl.collect', 'hfl.aggregate']);
    if (isHistogramAsk(frame)) return { stop: endedHere(rounds, frame.body), histogramAsk: frame.body };
    let aggregate: Aggregate;
    if (frame.kind === 'hfl.collect') {
      const ask = frame.body;
      if (!ask.fit) throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'hfl.collect', state: `round ${round} without the round's training settings` });
      const { vector, params, evaluated } = await rounds.fit(round, ask.fit);
      // Each contribution below half the compact range keeps the weighted sum (weights ≤ 1 in total) inside it.
      checkUpdateRange(params, ask.fit.learningRate);
      uploadVector(s, ask, vector, evaluated);
      const next = await nextStep(s.ctx, round, ['hfl.aggregate']);
      if (isHistogramAsk(next)) return { stop: endedHere(rounds, next.body), histogramAsk: next.body };
      aggregate = next;
    } else aggregate = frame;
    const { sum, members } = decryptAggregate(s, aggregate);
    const stop = rounds.absorb(round, sum, members);
    s.ctx.log.info({ round, members, ...(stop ? { stop: stop.reason } : {}) }, 'round finished');
    if (stop?.reason === 'round-cap') return { stop };
  }
}

/** The coordinator asked for histograms after the rounds taken so far: this member's own rule must agree that they are over. */
function endedHere(rounds: MemberRounds, ask: BodyOf<'hfl.collect'>): Stop {
  const stop = rounds.stop();
  if (!stop || ask.round !== rounds.rounds + 1) {
    throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'hfl.collect', state: `histograms asked for in round ${ask.round}, after ${rounds.rounds} rounds that the job's stopping rule and round cap do not end` });
  }
  return stop;
}

/**
 * Without DP: the pooled standardiser from the summed moments (count, Σx, Σx² per column), and
 * the weights n_k/S and e_k/E of its updates, S and E the pooled training and evaluation rows.
 */
async function pooledScaling(s: SecAgg, x: Matrix, evalRows: number, columns: number): Promise<{ standardizer: Standardizer; weights: UpdateWeights }> {
  await contribute(s, 0, 'scaling', () => scalingUpload(x, evalRows));
  const pooled = scalingFromSum(await aggregateOf(s, 0, 'scaling'), columns);
  return { standardizer: pooled.standardizer, weights: { rows: x.rows, normaliser: pooled.rows, evaluation: { rows: evalRows, normaliser: pooled.evalRows } } };
}

/**
 * With DP no moments are pooled (ε would not cover them): each member standardises with its own
 * statistics, and updates are averaged with equal weights 1/M (M the job's members), so no row
 * count enters a sum either.
 */
function equalWeight(ctx: MemberContext): UpdateWeights {
  return { rows: 1, normaliser: ctx.members.length };
}

/** Uniform in (0, 1) from the OS CSPRNG: DP noise must not be predictable from a seed. */
function secureUniform(): number {
  const b = randomBytes(8);
  return ((b.readUInt32LE(0) >>> 5) * 67_108_864 + (b.readUInt32LE(4) >>> 6) + 0.5) / 9_007_199_254_740_992;
}

/** The feature columns in name order (every member uses the same order without talking). */
function canonicalColumns(train: Dataset, evaluation: Dataset): { names: string[]; x: Matrix; evalX: Matrix } {
  const cats = Object.keys(train.encodings);
  if (cats.length > 0) throw new FedmarkError('FM_ERR_DATA_SPEC', { party: train.party, file: train.file, field: 'categorical', reason: 'horizontal jobs take numeric features only' });
  const order = train.featureNames.map((n, i) => [n, i] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const pick = (d: Dataset): Matrix => {
    const cols = d.featureNames.length;
    const at = order.map(([n]) => d.featureNames.indexOf(n));
    const out = new Float64Array(d.rows * order.length);
    for (let i = 0; i < d.rows; i++) for (let j = 0; j < at.length; j++) out[i * at.length + j] = d.features[i * cols + (at[j] as number)] as number;
    return matrix(out, d.rows, order.length);
  };
  return { names: order.map(([n]) => n), x: pick(train), evalX: pick(evaluation) };
}

function labelsOf(d: Dataset): Uint8Array {
  if (!d.labels) throw new FedmarkError('FM_ERR_DATA_SPEC', { party: d.party, file: d.file, field: 'labelColumn', reason: 'a horizontal member needs labels' });
  return d.labels;
}

/** AUC, KS and the local-only model need positives and negatives: say so before any exchange. */
function bothClasses(d: Dataset, y: Uint8Array): void {
  let positives = 0;
  for (const v of y) positives += v;
  if (positives === 0 || positives === y.length) {
    throw new FedmarkError('FM_ERR_DATA_SPEC', { party: d.party, file: d.file, field: 'labelColumn', reason: `all ${y.length} consenting rows have label ${positives === 0 ? 0 : 1}; a member needs both classes` });
  }
}

/** What every upload and aggregate of the job needs: the member's context, the CKKS key and the tag key. */
interface SecAgg {
  ctx: MemberContext;
  key: MemberKey;
  tagKey: Uint8Array;
}

/** The key holder makes the key and hands it out; the others wait for it. Both derive the tag key from its bytes. */
async function shareKey(ctx: MemberContext, ckks: Ckks): Promise<{ key: MemberKey; tagKey: Uint8Array }> {
  const holder = [...ctx.members].sort()[0] as string;
  if (holder === ctx.self) {
    const key = generateMemberKey(ckks);
    const bytes = key.secretKeyBytes();
    for (const m of ctx.members) if (m !== ctx.self) ctx.sendKey(m, bytes);
    return { key, tagKey: tagKeyFrom(bytes, ctx.job) };
  }
  const got = await ctx.inbox.take((it) => it.from === holder && it.frame.kind === 'hfl.key');
  const bytes = got.frame.payload ?? new Uint8Array(0);
  return { key: loadMemberKey(ckks, bytes, `hfl.key from ${holder}`), tagKey: tagKeyFrom(bytes, ctx.job) };
}

/** The next frame of the rounds: this round's request or sum (`kinds`), or the request for histograms that ends the rounds. */
function nextStep<K extends 'hfl.collect' | 'hfl.aggregate'>(ctx: MemberContext, round: number, kinds: readonly K[]): Promise<Extract<HflItemFrame, { kind: K }> | HistogramAsk> {
  return ctx.inbox.take((it): it is InboxItem<Extract<HflItemFrame, { kind: K }> | HistogramAsk> => {
    const f = it.frame;
    return it.from === COORDINATOR && f.kind !== 'hfl.key' && (((kinds as readonly string[]).includes(f.kind) && sameStep(f, round, 'update')) || isHistogramAsk(f));
  }).then((it) => it.frame);
}

function isHistogramAsk(frame: HflItemFrame): frame is HistogramAsk {
  return frame.kind === 'hfl.collect' && frame.body.purpose === 'histogram';
}

/** A request or sum of the coordinator for (round, purpose). */
function sameStep(frame: HflItemFrame, round: number, purpose: Purpose): frame is Collect | Aggregate {
  return frame.kind !== 'hfl.key' && frame.body.round === round && frame.body.purpose === purpose;
}

function stepOf<K extends 'hfl.collect' | 'hfl.aggregate'>(kind: K, round: number, purpose: Purpose) {
  return (it: InboxItem<HflItemFrame>): it is InboxItem<Extract<HflItemFrame, { kind: K }>> => it.from === COORDINATOR && it.frame.kind === kind && sameStep(it.frame, round, purpose);
}

async function contribute(s: SecAgg, round: number, purpose: Purpose, values: () => Float64Array): Promise<void> {
  const ask = await s.ctx.inbox.take(stepOf('hfl.collect', round, purpose));
  uploadVector(s, ask.frame.body, values());
}

function checkUpdateRange(values: Float64Array, learningRate: number): void {
  for (const v of values) {
    if (!(Math.abs(v) < COMPACT_MAX_ABS / 2)) {
      throw new FedmarkError('FM_ERR_HE_RANGE', { param: 'local update', reason: `a parameter reached ${Number.isFinite(v) ? '±2^17' : 'infinity'}, beyond what the aggregate carries; the model diverges — lower learningRate (now ${learningRate})` });
    }
  }
}

/** Encrypts `values` followed by this member's contribution tag for the step; `evaluated` goes in clear. */
function uploadVector(s: SecAgg, ask: BodyOf<'hfl.collect'>, values: Float64Array, evaluated?: Evaluated): void {
  if (values.length + TAG_SLOTS !== ask.values) {
    throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'hfl.collect', state: `asked for ${ask.values} values in round ${ask.round} (${ask.purpose}), this member has ${values.length} and ${TAG_SLOTS} tag slots` });
  }
  const tagged = withTag(values, s.tagKey, { job: s.ctx.job, round: ask.round, purpose: ask.purpose }, s.ctx.self);
  s.ctx.toCoordinator('hfl.upload', { round: ask.round, purpose: ask.purpose, ...(evaluated ? { evaluated } : {}) }, packBlobs(s.key.encryptVector(tagged, `${ask.purpose} vector`)));
}

async function aggregateOf(s: SecAgg, round: number, purpose: Purpose): Promise<Float64Array> {
  const it = await s.ctx.inbox.take(stepOf('hfl.aggregate', round, purpose));
  return decryptAggregate(s, it.frame).sum;
}

/**
 * The contributors the coordinator names are checked against the job and this party's policy
 * before decryption, and against the contribution tags after: a sum that is not what it claims
 * is never used.
 */
function decryptAggregate(s: SecAgg, frame: Aggregate): { sum: Float64Array; members: number } {
  const { body } = frame;
  const step = { job: s.ctx.job, round: body.round, purpose: body.purpose };
  const named = new Set(body.members);
  const stranger = body.members.find((m) => !s.ctx.members.includes(m));
  if (named.size !== body.members.length || stranger !== undefined) {
    throw new FedmarkError('FM_ERR_HFL_AGGREGATE', { round: body.round, purpose: body.purpose, reason: stranger !== undefined ? `it names ${stranger}, not a member of the job` : 'it names a contributor twice' });
  }
  s.ctx.policy.admitAggregate(named.size, body.round);
  const blobs = unpackBlobs(frame.payload, `hfl.aggregate round ${body.round}`);
  const sum = s.key.decryptVector(blobs, body.values, `hfl.aggregate round ${body.round}`);
  return { sum: checkedSum(sum, s.tagKey, step, body.members), members: named.size };
}

/** The same model trained on this member's rows alone, standardised with its own statistics. */
async function localOnly(
  model: FederatedModel, x: Matrix, y: Uint8Array, evalX: Matrix, evalY: Uint8Array, options: LocalTrainOptions, weights?: Float64Array,
): Promise<{ auc: number; ks: number; p: Float64Array }> {
  const own = fitStandardizer(x);
  const trained = await model.train(model.init(options.seed), applyStandardizer(own, x), y, options, weights);
  const p = await model.predict(trained.params, applyStandardizer(own, evalX));
  return { auc: auc(p, evalY), ks: ks(p, evalY), p };
}

async function saveModel(ctx: MemberContext, model: FederatedModel, names: string[], standardizer: Standardizer, theta: Float64Array): Promise<void> {
  const file = shardPath(ctx.workDir, ctx.prepare.name, ctx.job);
  await mkdir(dirname(file), { recursive: true });
  const inputs = { columns: Object.keys(ctx.dataset.stats.missingRate), categorical: Object.keys(ctx.dataset.encodings) };
  const body = { job: ctx.job, kind: 'horizontal', role: 'member', dataset: ctx.prepare.dataset, inputs, model: model.describe(), features: names, standardizer, params: [...theta] };
  await writeFile(file, JSON.stringify(body), { mode: 0o600 });
}
