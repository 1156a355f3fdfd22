// A member's whole part of a horizontal job. The key holder (the member whose id sorts first)
// makes the job's CKKS secret key and sends it to the other members end to end; every member
// declares its schema, contributes its scaling moments, trains locally each round it is asked to
// and contributes its weighted parameters, takes the global model from each decrypted sum, and at
// the end scores its evaluation table (with the federated model and with a local-only model it
// trains alone) and contributes per-class score histograms for the pooled AUC/KS. Everything it
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
import type { BodyOf } from '../../../protocol/messages/index.ts';
import type { PrepareOf } from '../../../protocol/messages/job.ts';
import type { LookalikeReport } from '../../../protocol/messages/lookalike.ts';
import { TrainingSchema, type Training } from '../../../protocol/messages/training.ts';
import { COMPACT_MAX_ABS, createCkks, generateMemberKey, loadMemberKey, type Ckks, type MemberKey } from '../../../protocol/secagg/ckks.ts';
import { checkedSum, tagKeyFrom, TAG_SLOTS, withTag } from '../../../protocol/secagg/contributionTag.ts';
import type { Inbox } from '../../../protocol/peer/inbox.ts';
import { packBlobs, unpackBlobs } from '../../../protocol/peer/blobs.ts';
import { applyStandardizer, fitStandardizer, type Standardizer } from '../../../models/features/standardize.ts';
import { averageFromSum, weightedUpload } from '../../../models/federated/fedavg.ts';
import { histogramAuc, histogramDecileCuts, histogramKs, histogramLift, histogramRows, scoreHistogram } from '../../../models/federated/histogram.ts';
import { createFederatedModel } from '../../../models/federated/create.ts';
import type { FederatedModel, LocalTrainOptions } from '../../../models/federated/model.ts';
import { localMoments, standardizerFromMoments } from '../../../models/federated/scaling.ts';
import { gaussianEpsilon, privatizeUpdate } from '../../../models/federated/dp.ts';
import { updateExtras } from '../../../models/federated/shape.ts';
import { matrix, type Matrix } from '../../../models/matrix.ts';
import { auc } from '../../../models/metrics/auc.ts';
import { ks } from '../../../models/metrics/ks.ts';
import { logLoss } from '../../../models/metrics/logLoss.ts';
import type { Dataset } from '../../data/dataset.ts';
import type { PartyPolicy } from '../../policy.ts';
import { shardPath } from '../../scoring/modelFile.ts';

/** A message for the member loop: from the coordinator (hfl.collect, hfl.aggregate) or a peer (hfl.key). */
export interface HflItemFrame {
  kind: 'hfl.collect' | 'hfl.aggregate' | 'hfl.key';
  body: unknown;
  payload?: Uint8Array;
}

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
  ckksPromise ??= createCkks();
  const ckks = await ckksPromise;
  const secagg: SecAgg = { ctx, ...(await shareKey(ctx, ckks)) };
  const started = performance.now();
  try {
    ctx.toCoordinator('hfl.schema', { features: names.map((name) => ({ name, type: 'numeric' as const })), trainRows: x.rows });

    const { standardizer, weight } = fed.dp ? { standardizer: fitStandardizer(x), weight: equalWeight(ctx) } : await pooledScaling(secagg, x, names.length);
    const trainZ = applyStandardizer(standardizer, x);
    const evalZ = applyStandardizer(standardizer, evalX);

    const model = await createFederatedModel(ctx.prepare.model ?? 'logistic', names.length, fed.hidden);
    let theta = model.init(training.seed);
    const history: HflReport['history'] = [];
    let contributions = 0;
    const options = (round: number): LocalTrainOptions => ({
      epochs: fed.localEpochs, batchSize: training.batchSize, learningRate: training.learningRate, l2: training.l2, mu: fed.mu, seed: training.seed, round,
    });
    for (let round = 1; round <= fed.rounds; round++) {
      const next = await nextFrom(ctx, round, 'update');
      if (next.kind === 'hfl.collect') {
        const local = await model.train(theta, trainZ, y, options(round), ctx.target?.weights);
        const params = fed.dp ? privatizeUpdate(local.params, theta, fed.dp, secureUniform).params : local.params;
        contributions++;
        // With DP the training loss stays home: ε covers the parameters only.
        const raw = fed.dp ? params : Float64Array.of(...params, local.loss);
        // Each contribution below half the compact range keeps the weighted sum (weights ≤ 1 in total) inside it.
        checkUpdateRange(raw, training.learningRate);
        uploadVector(secagg, next.body as BodyOf<'hfl.collect'>, weightedUpload(raw, weight.rows, weight.normaliser));
      }
      const { sum, members } = next.kind === 'hfl.aggregate' ? decryptAggregate(secagg, next) : await aggregateWithMembers(secagg, round, 'update');
      const avg = averageFromSum(sum, model.parameters + updateExtras(fed.dp !== undefined)).values;
      theta = avg.slice(0, model.parameters);
      history.push({ round, members, ...(fed.dp ? {} : { trainLoss: avg[model.parameters] as number }) });
      ctx.log.info({ round, rounds: fed.rounds, members }, 'round finished');
    }

    // Evaluation on this member's table, pooled through histograms (not with DP: ε would not cover
    // them); and the local-only model.
    const p = await model.predict(theta, evalZ);
    let pooled: Float64Array | undefined;
    if (!fed.dp) {
      await contribute(secagg, fed.rounds + 1, 'histogram', () => scoreHistogram(p, evalY));
      pooled = await aggregateOf(secagg, fed.rounds + 1, 'histogram');
    }
    const alone = await localOnly(model, x, y, evalX, evalY, fed, options, ctx.target?.weights);
    await saveModel(ctx, model, names, standardizer, theta);
    const lookalike = ctx.lookalike ? await ctx.lookalike({ federated: p, local: alone.p }) : undefined;
    const report: HflReport = {
      features: names,
      trainRows: x.rows,
      evalRows: evalX.rows,
      metrics: { auc: auc(p, evalY), ks: ks(p, evalY), logLoss: logLoss(p, evalY), localAuc: alone.auc, localKs: alone.ks },
      ...(pooled ? { pooled: { auc: histogramAuc(pooled), ks: histogramKs(pooled), rows: Math.round(histogramRows(pooled)) } } : {}),
      parameters: model.parameters,
      ...(fed.dp ? { dp: { epsilon: gaussianEpsilon(fed.dp.noiseMultiplier, contributions, fed.dp.delta).epsilon, delta: fed.dp.delta, contributions } } : {}),
      deciles: pooled ? histogramDecileCuts(pooled) : [],
      lift: pooled ? histogramLift(pooled) : [],
      history,
      ...(lookalike ? { lookalike } : {}),
    };
    ctx.log.info({ seconds: Math.round((performance.now() - started) / 100) / 10, rounds: fed.rounds }, 'horizontal training finished');
    return report;
  } finally {
    secagg.key.dispose();
  }
}

/**
 * Without DP: the pooled standardiser from the summed moments (count, Σx, Σx² per column), and
 * sample weights n_k/S with S the pooled row count from the same sum.
 */
async function pooledScaling(s: SecAgg, x: Matrix, columns: number): Promise<{ standardizer: Standardizer; weight: { rows: number; normaliser: number } }> {
  await contribute(s, 0, 'scaling', () => Float64Array.of(...localMoments(x), x.rows));
  const moments = await aggregateOf(s, 0, 'scaling');
  return { standardizer: standardizerFromMoments(moments.subarray(0, 3 * columns), columns), weight: { rows: x.rows, normaliser: moments[3 * columns] as number } };
}

/**
 * With DP no moments are pooled (ε would not cover them): each member standardises with its own
 * statistics, and updates are averaged with equal weights 1/M (M the job's members), so no row
 * count enters a sum either.
 */
function equalWeight(ctx: MemberContext): { rows: number; normaliser: number } {
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

function nextFrom(ctx: MemberContext, round: number, purpose: Purpose): Promise<HflItemFrame> {
  return ctx.inbox.take((it) => it.from === COORDINATOR && (it.frame.kind === 'hfl.collect' || it.frame.kind === 'hfl.aggregate') && sameStep(it.frame.body, round, purpose)).then((it) => it.frame);
}

function sameStep(body: unknown, round: number, purpose: Purpose): boolean {
  const b = body as { round: number; purpose: Purpose };
  return b.round === round && b.purpose === purpose;
}

async function contribute(s: SecAgg, round: number, purpose: Purpose, values: () => Float64Array): Promise<void> {
  const ask = await s.ctx.inbox.take((it) => it.from === COORDINATOR && it.frame.kind === 'hfl.collect' && sameStep(it.frame.body, round, purpose));
  uploadVector(s, ask.frame.body as BodyOf<'hfl.collect'>, values());
}

function checkUpdateRange(values: Float64Array, learningRate: number): void {
  for (const v of values) {
    if (!(Math.abs(v) < COMPACT_MAX_ABS / 2)) {
      throw new FedmarkError('FM_ERR_HE_RANGE', { param: 'local update', reason: `a parameter reached ${Number.isFinite(v) ? '±2^17' : 'infinity'}, beyond what the aggregate carries; the model diverges — lower learningRate (now ${learningRate})` });
    }
  }
}

/** Encrypts `values` followed by this member's contribution tag for the step. */
function uploadVector(s: SecAgg, ask: BodyOf<'hfl.collect'>, values: Float64Array): void {
  if (values.length + TAG_SLOTS !== ask.values) {
    throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'hfl.collect', state: `asked for ${ask.values} values in round ${ask.round} (${ask.purpose}), this member has ${values.length} and ${TAG_SLOTS} tag slots` });
  }
  const tagged = withTag(values, s.tagKey, { job: s.ctx.job, round: ask.round, purpose: ask.purpose }, s.ctx.self);
  s.ctx.toCoordinator('hfl.upload', { round: ask.round, purpose: ask.purpose }, packBlobs(s.key.encryptVector(tagged, `${ask.purpose} vector`)));
}

async function aggregateOf(s: SecAgg, round: number, purpose: Purpose): Promise<Float64Array> {
  return (await aggregateWithMembers(s, round, purpose)).sum;
}

async function aggregateWithMembers(s: SecAgg, round: number, purpose: Purpose): Promise<{ sum: Float64Array; members: number }> {
  const it = await s.ctx.inbox.take((i) => i.from === COORDINATOR && i.frame.kind === 'hfl.aggregate' && sameStep(i.frame.body, round, purpose));
  return decryptAggregate(s, it.frame);
}

/**
 * The contributors the coordinator names are checked against the job and this party's policy
 * before decryption, and against the contribution tags after: a sum that is not what it claims
 * is never used.
 */
function decryptAggregate(s: SecAgg, frame: HflItemFrame): { sum: Float64Array; members: number } {
  const body = frame.body as BodyOf<'hfl.aggregate'>;
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
  model: FederatedModel, x: Matrix, y: Uint8Array, evalX: Matrix, evalY: Uint8Array, fed: Federation,
  options: (round: number) => LocalTrainOptions, weights?: Float64Array,
): Promise<{ auc: number; ks: number; p: Float64Array }> {
  const own = fitStandardizer(x);
  const z = applyStandardizer(own, x);
  const o = options(0);
  const trained = await model.train(model.init(o.seed), z, y, { ...o, epochs: fed.rounds * fed.localEpochs, mu: 0 }, weights);
  const p = await model.predict(trained.params, applyStandardizer(own, evalX));
  return { auc: auc(p, evalY), ks: ks(p, evalY), p };
}

async function saveModel(ctx: MemberContext, model: FederatedModel, names: string[], standardizer: Standardizer, theta: Float64Array): Promise<void> {
  const file = shardPath(ctx.workDir, ctx.prepare.name, ctx.job);
  await mkdir(dirname(file), { recursive: true });
  const body = { job: ctx.job, kind: 'horizontal', role: 'member', dataset: ctx.prepare.dataset, model: model.describe(), features: names, standardizer, params: [...theta] };
  await writeFile(file, JSON.stringify(body), { mode: 0o600 });
}
