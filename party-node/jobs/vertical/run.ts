// A party's whole part of a vertical training job after PSI: align its rows, split train and
// evaluation by a hash of the IDs (the same at every party, no communication), prepare features
// locally (the mapping never leaves), train, and keep its weight shard here. Returns what the
// party reports: feature names and, at the guest, metrics on the evaluation rows.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { createBfv, loadPublicKey, type Bfv } from '../../../protocol/he/bfv.ts';
import { TrainingSchema, type Training } from '../../../protocol/messages/training.ts';
import type { Inbox } from '../../../protocol/peer/inbox.ts';
import type { VlrFrame, VlrKind, VLR_SCHEMAS } from '../../../protocol/vertical/messages.ts';
import type { TrainProgress, TrainReport } from '../../../protocol/messages/train.ts';
import type { PrepareOf } from '../../../protocol/messages/job.ts';
import { matrix, maskIndices, selectRows } from '../../../models/matrix.ts';
import { applyMapping, prepareFeatures } from '../../../models/features/prepare.ts';
import { validationMask } from '../../../models/split/hashSplit.ts';
import { hashOrder } from '../../../models/split/hashOrder.ts';
import { trainLogistic, predictLinear } from '../../../models/linear/logistic.ts';
import { sigmoid } from '../../../models/linear/exact.ts';
import { auc } from '../../../models/metrics/auc.ts';
import { ks } from '../../../models/metrics/ks.ts';
import { logLoss } from '../../../models/metrics/logLoss.ts';
import { lift } from '../../../models/metrics/lift.ts';
import { roc } from '../../../models/metrics/roc.ts';
import type { Dataset } from '../../data/dataset.ts';
import { runGuest, type GuestState } from './guest.ts';
import { runHost, type HostState } from './host.ts';
import { FedmarkError } from '../../../errors/table.ts';
import type { VerticalContext } from './context.ts';
import { shardPath } from '../../scoring/shard.ts';
import { partialScores } from './context.ts';
import type { SeedList } from '../lookalike/seeds.ts';
import { lookalikeLabels } from '../lookalike/labels.ts';
import { addHostPopulationScores, sendPopulationScores } from '../lookalike/populationScores.ts';
import { finishLookalike } from '../lookalike/report.ts';

let bfvPromise: Promise<Bfv> | undefined;

export interface VerticalRunOptions {
  job: string;
  self: string;
  prepare: PrepareOf<'vertical'>;
  dataset: Dataset;
  /** This party's consenting rows in the canonical PSI order. */
  rows: Uint32Array;
  /** With evaluation tables: their rows in their own PSI's canonical order; otherwise a hash split. */
  evaluation?: { dataset: Dataset; rows: Uint32Array };
  heKey: Uint8Array;
  send: <K extends VlrKind>(peer: string, kind: K, body: Static<(typeof VLR_SCHEMAS)[K]>, payload?: Uint8Array) => void;
  inbox: Inbox<VlrFrame>;
  decrypt: VerticalContext['decrypt'];
  progress: (p: TrainProgress) => void;
  workDir: string;
  log: Logger;
  /** The state a checkpoint holds (GuestState or HostState, by role): training continues after its epochs. */
  resume?: unknown;
  signal?: AbortSignal;
  checkpoint?: (epochs: number, state: unknown) => Promise<void>;
  /** Guest of a lookalike job: its seed list, checked at prepare. */
  seeds?: SeedList;
}

export async function runVertical(o: VerticalRunOptions): Promise<TrainReport> {
  const { prepare, dataset } = o;
  const training = { ...Value.Default(TrainingSchema, {}) as Training, ...prepare.training };
  const cols = dataset.featureNames.length;
  const aligned = matrix(dataset.selectRows(o.rows), o.rows.length, cols);
  const split = evaluationSplit(o, training.seed);
  const trainX = selectRows(aligned, split.trainIdx);
  const evalX = o.evaluation
    ? matrix(o.evaluation.dataset.selectRows(o.evaluation.rows), o.evaluation.rows.length, cols)
    : selectRows(aligned, split.evalIdx);
  const { trainIdx, evalIdx } = split;
  const prepared = prepareFeatures(trainX, evalX, {
    names: dataset.featureNames,
    ...(training.binning ? { binning: training.binning } : {}),
  });
  const data = { train: prepared.train, evaluation: prepared.evaluation ?? matrix(new Float64Array(0), 0, prepared.train.cols), featureNames: prepared.mapping.outputNames };
  bfvPromise ??= createBfv();
  const bfv = await bfvPromise;
  const key = loadPublicKey(bfv, o.heKey, 'he.keys payload');
  const guest = prepare.role === 'guest' ? o.self : (prepare.peers.find((p) => p.role === 'guest')?.id as string);
  const hosts = prepare.role === 'guest' ? prepare.peers.filter((p) => p.role === 'host').map((p) => p.id) : [];
  const ctx: VerticalContext = {
    job: o.job, self: o.self, guest, hosts, training, bfv, key, send: o.send, inbox: o.inbox, decrypt: o.decrypt, progress: o.progress, log: o.log,
    ...(o.signal ? { signal: o.signal } : {}), ...(o.checkpoint ? { checkpoint: o.checkpoint } : {}),
  };
  const shardFile = shardPath(o.workDir, prepare.name, o.job);
  await mkdir(dirname(shardFile), { recursive: true });
  try {
    if (prepare.role !== 'guest') {
      const model = await runHost(ctx, data, checkedState<HostState>(o.resume));
      await writeFile(shardFile, JSON.stringify({ job: o.job, role: 'host', dataset: prepare.dataset, mapping: prepared.mapping, weights: [...model.weights] }), { mode: 0o600 });
      if (prepare.purpose === 'lookalike') sendPopulationScores(ctx, partialScores(applyMapping(prepared.mapping, aligned), model.weights));
      return { features: data.featureNames, trainRows: trainIdx.length, evalRows: evalIdx.length };
    }
    const alignedIds = Array.from(o.rows, (r) => dataset.ids[r] as string);
    const pu = o.seeds && prepare.lookalike ? lookalikeLabels(o.seeds, o.rows, alignedIds, prepare.lookalike, training.seed, o.self) : undefined;
    const labels = dataset.labels as Uint8Array;
    const y = pu ? pu.y : Uint8Array.from(o.rows, (r) => labels[r] as number);
    const yTrain = Uint8Array.from(trainIdx, (i) => y[i] as number);
    const evalLabels = o.evaluation?.dataset.labels;
    const yEval = o.evaluation && evalLabels
      ? Uint8Array.from(o.evaluation.rows, (r) => evalLabels[r] as number)
      : Uint8Array.from(evalIdx, (i) => y[i] as number);
    const model = await runGuest(ctx, data, { train: yTrain, evaluation: yEval }, checkedState<GuestState>(o.resume));
    await writeFile(shardFile, JSON.stringify({ job: o.job, role: 'guest', dataset: prepare.dataset, mapping: prepared.mapping, weights: [...model.weights], intercept: model.intercept }), { mode: 0o600 });
    // The partners' contribution: the same model on the guest's own features, trained locally.
    const alone = trainLogistic(data.train, yTrain, { ...pick(training), gradient: 'exact' });
    const aloneScores = predictLinear(data.evaluation, alone.weights, alone.intercept);
    const p = Float64Array.from(model.evalScores, (u) => sigmoid(u));
    let lookalike: TrainReport['lookalike'];
    if (pu && o.seeds && prepare.lookalike) {
      const all = applyMapping(prepared.mapping, aligned);
      const u = partialScores(all, model.weights);
      for (let i = 0; i < u.length; i++) u[i] = (u[i] as number) + model.intercept;
      await addHostPopulationScores(ctx, u);
      lookalike = await finishLookalike({
        workDir: o.workDir, model: prepare.name, job: o.job, ids: Array.from(o.rows, (r) => dataset.rawIds[r] as string),
        u, guestOnlyU: predictLinear(all, alone.weights, alone.intercept), seed: pu.seed, heldOut: pu.heldOut, listed: o.seeds.listed, settings: prepare.lookalike,
      });
    }
    return {
      ...(lookalike ? { lookalike } : {}),
      features: [...data.featureNames, '(intercept)'],
      trainRows: trainIdx.length,
      evalRows: evalIdx.length,
      metrics: {
        auc: auc(model.evalScores, yEval), ks: ks(model.evalScores, yEval), logLoss: logLoss(p, yEval),
        guestOnlyAuc: auc(aloneScores, yEval), guestOnlyKs: ks(aloneScores, yEval),
        bestEpoch: model.bestEpoch + 1, epochs: model.epochsRun, secondsPerEpoch: model.secondsPerEpoch,
      },
      lift: lift(model.evalScores, yEval, 10).map((row) => ({ ...row })),
      deciles: decileCuts(model.evalScores),
      history: model.history.map((h) => ({ ...h, epoch: h.epoch + 1 })),
      roc: { joint: roc(model.evalScores, yEval, 100), guestOnly: roc(aloneScores, yEval, 100) },
    };
  } finally {
    key.dispose();
  }
}

/** A checkpoint's state has the fields both loops share; the loops check the weight counts. */
function checkedState<S extends { epochs: number; stopped: boolean; w: Float64Array }>(state: unknown): S | undefined {
  if (state === undefined) return undefined;
  const s = state as Partial<S>;
  if (typeof s.epochs !== 'number' || typeof s.stopped !== 'boolean' || !(s.w instanceof Float64Array)) {
    throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'job.start', state: 'a checkpoint without epochs, stop flag or weights' });
  }
  return state as S;
}

/**
 * Train and evaluation row indices into the aligned rows: all rows for training when evaluation
 * tables exist. Training rows come in the seeded ID-hash order (hashOrder.ts), the same at every
 * party and in every run, so mini-batches do not depend on the PSI run's blinding.
 */
function evaluationSplit(o: VerticalRunOptions, seed: number): { trainIdx: Uint32Array; evalIdx: Uint32Array } {
  const ids = Array.from(o.rows, (r) => o.dataset.ids[r] as string);
  const inHashOrder = (idx: Uint32Array) => Uint32Array.from(hashOrder(Array.from(idx, (i) => ids[i] as string), seed), (k) => idx[k] as number);
  if (o.evaluation) return { trainIdx: inHashOrder(Uint32Array.from(o.rows.keys())), evalIdx: Uint32Array.from(o.evaluation.rows.keys()) };
  const mask = validationMask(ids, o.prepare.validation?.fraction ?? 0.3, seed);
  return { trainIdx: inHashOrder(maskIndices(mask, 0)), evalIdx: maskIndices(mask, 1) };
}

/** The 9 cut points between score deciles, highest first: decile 1 holds the top 10% of scores. */
function decileCuts(scores: Float64Array): number[] {
  const sorted = Float64Array.from(scores).sort();
  if (sorted.length === 0) return [];
  return Array.from({ length: 9 }, (_, k) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * (1 - (k + 1) / 10)))] as number);
}

function pick(t: VerticalContext['training']) {
  return { epochs: t.epochs, batchSize: t.batchSize, learningRate: t.learningRate, l2: t.l2, seed: t.seed };
}
