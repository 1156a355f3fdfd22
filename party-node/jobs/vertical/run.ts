// A party's whole part of a vertical training job after PSI, for any vertical model: align its
// rows, split train and evaluation by a hash of the IDs (the same at every party, no
// communication), have the model prepare its features locally (the mapping never leaves), run the
// model's guest or host steps, and keep its part of the model here (scoring/modelFile.ts). With
// explain.iv, each party bins its own training rows first (a bin below the minimum cell size stops
// the job before training starts) and, after training, computes its features' information value
// (the hosts' through the arbiter: models/explain/federatedIv.ts), kept in its model file only.
// Returns what the party reports: feature names and, at the guest, metrics on the evaluation rows
// and a lookalike's figures.
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Logger } from 'pino';
import { createBfv, loadPublicKey, type Bfv } from '../../../protocol/he/bfv.ts';
import { bfvOps, type ArbiterDecrypt } from '../../../protocol/vertical/encrypted.ts';
import { HistogramPool } from '../../../protocol/he/histogramPool.ts';
import type { PeerConversation } from '../../../protocol/vertical/peers.ts';
import type { PrepareOf } from '../../../protocol/messages/job.ts';
import type { TrainProgress, TrainReport } from '../../../protocol/messages/train.ts';
import type { MessageTable } from '../../../models/vertical/messages.ts';
import type { VerticalModel } from '../../../models/vertical/model.ts';
import { matrix, maskIndices } from '../../../models/matrix.ts';
import { validationMask } from '../../../models/split/hashSplit.ts';
import { hashOrderKey, orderByKeys } from '../../../models/split/hashOrder.ts';
import { sigmoid } from '../../../models/linear/exact.ts';
import { auc } from '../../../models/metrics/auc.ts';
import { ks } from '../../../models/metrics/ks.ts';
import { logLoss } from '../../../models/metrics/logLoss.ts';
import { lift } from '../../../models/metrics/lift.ts';
import { roc } from '../../../models/metrics/roc.ts';
import type { Dataset } from '../../data/dataset.ts';
import { writeVerticalModel } from '../../scoring/modelFile.ts';
import type { SeedList } from '../lookalike/seeds.ts';
import { lookalikeLabels } from '../lookalike/labels.ts';
import { checkIntersectionLabels } from './labelClasses.ts';
import { finishLookalike } from '../lookalike/report.ts';
import { explainOf } from '../../../models/explain/settings.ts';
import { fitIvBins } from '../../../models/explain/ivBins.ts';
import { guestIv, hostIv, ivRuntime } from '../../../models/explain/federatedIv.ts';
import { columnMeans } from '../../../models/explain/reasons.ts';

let bfvPromise: Promise<Bfv> | undefined;

export interface VerticalRunOptions {
  job: string;
  self: string;
  prepare: PrepareOf<'vertical'>;
  model: VerticalModel;
  dataset: Dataset;
  /** This party's consenting rows in the canonical PSI order. */
  rows: Uint32Array;
  /** With evaluation tables: their rows in their own PSI's canonical order; otherwise a hash split. */
  evaluation?: { dataset: Dataset; rows: Uint32Array };
  heKey: Uint8Array;
  /** The model's messages with the peers (the job's conversation on the vertical topic). */
  conversation: PeerConversation<MessageTable>;
  decrypt: ArbiterDecrypt;
  progress: (p: TrainProgress) => void;
  workDir: string;
  /** Threads for a host's histogram products (the party's `histogramThreads`); 1: in the job's thread. */
  histogramThreads: number;
  log: Logger;
  /** The state a checkpoint holds (the model's own, by role): training continues after its epochs. */
  resume?: unknown;
  signal?: AbortSignal;
  checkpoint?: (epochs: number, state: unknown) => Promise<void>;
  /** Guest of a lookalike job: its seed list, checked at prepare. */
  seeds?: SeedList;
  /** The party's packCacheBytes setting (protocol/vertical/encrypted.ts). */
  packCacheBytes?: number;
}

export async function runVertical(o: VerticalRunOptions): Promise<TrainReport> {
  const { prepare, dataset, model } = o;
  const seed = prepare.training?.seed ?? 42;
  const cols = dataset.featureNames.length;
  const { trainIdx, evalIdx } = await evaluationSplit(o, seed);
  const lookalike = prepare.purpose === 'lookalike';
  const labels = prepare.role === 'guest' ? guestLabels(o, seed, trainIdx, evalIdx) : undefined;
  // Each split straight from the stored columns, which go as they are copied (the attempt loads
  // the table again if it restarts): at 1M × 300 an aligned copy in between, or the columns kept
  // beside the copies, would hold another 1.2–2.4 GB.
  const stored = (idx: Uint32Array) => Uint32Array.from(idx, (i) => o.rows[i] as number);
  const explain = explainOf(prepare);
  // Information value bins the loaded values and names its bins by their edges: those stay the
  // values as loaded (float64), not their float32 roundings (-1.0596460103988647 for -1.059646).
  const taking = { between: nextTurn, float32: model.rowPrecision?.(prepare) === 'float32' && !explain };
  const own = await dataset.takeRows([stored(trainIdx), ...(o.evaluation ? [] : [stored(evalIdx)]), ...(lookalike ? [o.rows] : [])], taking);
  const asRows = (data: Float64Array | Float32Array | undefined, rows: number) => matrix(data as Float64Array | Float32Array, rows, cols);
  const train = asRows(own[0], trainIdx.length);
  const evaluation = o.evaluation
    ? asRows((await o.evaluation.dataset.takeRows([o.evaluation.rows], taking))[0], o.evaluation.rows.length)
    : asRows(own[1], evalIdx.length);
  const population = lookalike ? asRows(own[o.evaluation ? 1 : 2], o.rows.length) : undefined;
  const ivBins = explain ? fitIvBins(train, dataset.featureNames, explain.bins, explain.minCell, o.self) : undefined;
  const { rows: data, mapping } = model.features({
    train,
    evaluation,
    ...(population ? { population } : {}),
    names: dataset.featureNames,
    categorical: dataset.encodings,
  }, prepare);
  await nextTurn();
  bfvPromise ??= createBfv();
  const bfv = await bfvPromise;
  const key = loadPublicKey(bfv, o.heKey, 'he.keys payload');
  // Only a model with histograms asks for the pool; it lives as long as the job's training.
  let pool: HistogramPool | undefined;
  const he = bfvOps(bfv, key, o.decrypt, {
    ...(o.packCacheBytes === undefined ? {} : { packCacheBytes: o.packCacheBytes }),
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.histogramThreads > 1 ? { histogramPool: () => (pool ??= new HistogramPool({ threads: o.histogramThreads })) } : {}),
  });
  const guest = prepare.role === 'guest' ? o.self : (prepare.peers.find((p) => p.role === 'guest')?.id as string);
  const hosts = prepare.role === 'guest' ? prepare.peers.filter((p) => p.role === 'host').map((p) => p.id) : [];
  const { conversation } = o;
  const rt = {
    job: o.job, self: o.self, guest, hosts, peers: conversation.peers, he, ...conversation.vectors(he),
    progress: o.progress, log: o.log, ...(o.signal ? { signal: o.signal } : {}), ...(o.checkpoint ? { checkpoint: o.checkpoint } : {}),
  };
  const inputs = { columns: Object.keys(dataset.stats.missingRate), categorical: Object.keys(dataset.encodings), names: dataset.featureNames };
  const iv = ivBins ? { rt: ivRuntime(rt, model), bins: ivBins } : undefined;
  const header = {
    job: o.job, kind: 'vertical' as const, model: model.name, dataset: prepare.dataset, mapping, inputs,
    // Reason codes at scoring measure each prepared column against its mean on the evaluation rows.
    means: [...columnMeans(data.evaluation.rows > 0 ? data.evaluation : data.train)],
    // What `fedmark party model show` tells of the other parties: how many there are, nothing else.
    partners: prepare.peers.length,
  };
  try {
    // Labels are the guest's alone: without them this party is a host.
    if (labels === undefined) {
      const trained = await model.host(rt, data, prepare, o.resume);
      const ownIv = iv ? { iv: await timed(o.log, () => hostIv(iv.rt, iv.bins)) } : {};
      await writeVerticalModel(o.workDir, prepare.name, { ...trained.shard, ...header, ...ownIv, role: 'host', trainedAt: new Date().toISOString() });
      return { features: trained.features ?? data.names, trainRows: trainIdx.length, evalRows: evalIdx.length };
    }
    const { pu, yTrain, yEval } = labels;
    const trained = await model.guest(rt, data, { train: yTrain, evaluation: yEval }, prepare, o.resume);
    const ownIv = iv ? { iv: await timed(o.log, () => guestIv(iv.rt, iv.bins, yTrain)) } : {};
    await writeVerticalModel(o.workDir, prepare.name, { ...trained.shard, ...header, ...ownIv, role: 'guest', trainedAt: new Date().toISOString() });
    // The partners' contribution: the same model on the guest's own features, trained locally.
    const alone = model.alone(data, { train: yTrain, evaluation: yEval }, prepare);
    const u = trained.evalScores;
    let lookalikeReport: TrainReport['lookalike'];
    if (pu && o.seeds && prepare.lookalike && trained.population && alone.population) {
      lookalikeReport = await finishLookalike({
        workDir: o.workDir, model: prepare.name, job: o.job, ids: Array.from(o.rows, (r) => dataset.rawIds[r] as string),
        u: trained.population, guestOnlyU: alone.population, seed: pu.seed, heldOut: pu.heldOut, listed: o.seeds.listed, settings: prepare.lookalike,
      });
    }
    return {
      ...(lookalikeReport ? { lookalike: lookalikeReport } : {}),
      ...(trained.importance ? { importance: importanceReport(trained.importance, [o.self, ...hosts]) } : {}),
      features: trained.features ?? data.names,
      trainRows: trainIdx.length,
      evalRows: evalIdx.length,
      metrics: {
        auc: auc(u, yEval), ks: ks(u, yEval), logLoss: logLoss(Float64Array.from(u, (v) => sigmoid(v)), yEval),
        guestOnlyAuc: auc(alone.evaluation, yEval), guestOnlyKs: ks(alone.evaluation, yEval),
        bestEpoch: trained.bestEpoch + 1, epochs: trained.epochsRun, secondsPerEpoch: trained.secondsPerEpoch,
      },
      lift: lift(u, yEval, 10).map((row) => ({ ...row })),
      deciles: decileCuts(u),
      history: trained.history.map((h) => ({ ...h, epoch: h.epoch + 1 })),
      roc: { joint: roc(u, yEval, 100), guestOnly: roc(alone.evaluation, yEval, 100) },
    };
  } finally {
    key.dispose();
    await pool?.close();
  }
}

interface GuestLabels {
  pu: ReturnType<typeof lookalikeLabels> | undefined;
  yTrain: Uint8Array;
  yEval: Uint8Array;
}

/**
 * The guest's labels of the training and evaluation rows (a lookalike's from its seeds), checked
 * before the model's first exchange: a propensity job's must hold both classes in each.
 */
function guestLabels(o: VerticalRunOptions, seed: number, trainIdx: Uint32Array, evalIdx: Uint32Array): GuestLabels {
  const { prepare, dataset } = o;
  const alignedIds = Array.from(o.rows, (r) => dataset.ids[r] as string);
  const pu = o.seeds && prepare.lookalike ? lookalikeLabels(o.seeds, o.rows, alignedIds, prepare.lookalike, seed, o.self) : undefined;
  const labels = dataset.labels as Uint8Array;
  const y = pu ? pu.y : Uint8Array.from(o.rows, (r) => labels[r] as number);
  const yTrain = Uint8Array.from(trainIdx, (i) => y[i] as number);
  const evalLabels = o.evaluation?.dataset.labels;
  const yEval = o.evaluation && evalLabels
    ? Uint8Array.from(o.evaluation.rows, (r) => evalLabels[r] as number)
    : Uint8Array.from(evalIdx, (i) => y[i] as number);
  const labelColumn = prepare.dataset.labelColumn;
  if (!pu && labelColumn !== undefined) checkIntersectionLabels({ party: o.self, file: dataset.file, column: labelColumn }, o.rows.length, yTrain, yEval);
  return { pu, yTrain, yEval };
}

/** Information value, logged as counts and time only: the figures stay in the party's model file. */
async function timed<T extends readonly unknown[]>(log: Logger, run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const table = await run();
  log.info({ features: table.length, ms: Math.round(performance.now() - started) }, 'information value computed');
  return table;
}

/**
 * Train and evaluation row indices into the aligned rows: all rows for training when evaluation
 * tables exist. Training rows come in the seeded ID-hash order (hashOrder.ts), the same at every
 * party and in every run, so mini-batches do not depend on the PSI run's blinding.
 */
async function evaluationSplit(o: VerticalRunOptions, seed: number): Promise<{ trainIdx: Uint32Array; evalIdx: Uint32Array }> {
  const ids = Array.from(o.rows, (r) => o.dataset.ids[r] as string);
  // One SHA-256 per ID for the split and another for the order: seconds at a million rows, so
  // they are computed a block at a time with turns of the event loop between (as selectRowsYielding).
  const inHashOrder = async (idx: Uint32Array) => {
    const keys = new Float64Array(idx.length);
    for (let from = 0; from < idx.length; from += IDS_PER_TURN) {
      for (let k = from; k < Math.min(idx.length, from + IDS_PER_TURN); k++) keys[k] = hashOrderKey(seed, ids[idx[k] as number] as string);
      await nextTurn();
    }
    return Uint32Array.from(orderByKeys(keys), (k) => idx[k] as number);
  };
  if (o.evaluation) return { trainIdx: await inHashOrder(Uint32Array.from(o.rows.keys())), evalIdx: Uint32Array.from(o.evaluation.rows.keys()) };
  const mask = new Uint8Array(ids.length);
  for (let from = 0; from < ids.length; from += IDS_PER_TURN) {
    mask.set(validationMask(ids.slice(from, from + IDS_PER_TURN), o.prepare.validation?.fraction ?? 0.3, seed), from);
    await nextTurn();
  }
  return { trainIdx: await inHashOrder(maskIndices(mask, 0)), evalIdx: maskIndices(mask, 1) };
}

/** IDs hashed per turn of the event loop (~0.2 s of SHA-256 on this machine's cores). */
const IDS_PER_TURN = 65_536;

/** Each party's share of the split gain; the guest's own columns by name, the others' as counts. */
function importanceReport(parts: NonNullable<Awaited<ReturnType<VerticalModel['guest']>>['importance']>, parties: readonly string[]): NonNullable<TrainReport['importance']> {
  const total = parts.reduce((s, p) => s + p.gain.reduce((a, b) => a + b, 0), 0);
  return parts.map((p, k) => {
    const gain = p.gain.reduce((a, b) => a + b, 0);
    const { names } = p;
    return {
      party: parties[k] as string,
      columns: p.gain.length,
      splits: p.splits.reduce((a, b) => a + b, 0),
      gainShare: total > 0 ? gain / total : 0,
      ...(names ? { features: names.map((name, j) => ({ name, gain: p.gain[j] as number, splits: p.splits[j] as number })) } : {}),
    };
  });
}

/** The 9 cut points between score deciles, highest first: decile 1 holds the top 10% of scores. */
function decileCuts(scores: Float64Array): number[] {
  const sorted = Float64Array.from(scores).sort();
  if (sorted.length === 0) return [];
  return Array.from({ length: 9 }, (_, k) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * (1 - (k + 1) / 10)))] as number);
}
