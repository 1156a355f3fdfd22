// The guest's side of vertical logistic regression (design note protocols.md; Hardy et al. 2017).
// Per batch: 2. Enc(d) = Σ_k Enc(¼·u_k) + (¼·u_G + ½ − y), sent to every host; 3. Enc(X_Gᵀd) with an
// intercept column, masked, decrypted by the arbiter, unmasked; update. After each epoch: the
// evaluation loss (Taylor, as the reference trainer), which drives early stopping, from encrypted
// sums — the hosts' per-row scores never reach the guest then (evaluationLoss). After the last: the
// kept model's scores on the evaluation rows, once, for AUC, KS, lift and the other final metrics.
// Labels and d never leave the guest in plaintext.
import type { Ciphertext } from 'node-seal';
import { disposeAll } from '../../../protocol/he/bfv.ts';
import { FedmarkError } from '../../../errors/table.ts';
import { addPlain, addVectors, packFeatures } from '../../../protocol/he/innerProduct.ts';
import { readFloat64 } from '../../../protocol/peer/blobs.ts';
import { batchOrder } from '../../../models/random.ts';
import { concatColumns, matrix, selectRows, type Matrix } from '../../../models/matrix.ts';
import { auc } from '../../../models/metrics/auc.ts';
import { taylorLossAt } from '../../../models/linear/taylor.ts';
import type { PackedFeatures } from '../../../protocol/he/innerProduct.ts';
import { applyGradient, checkShare, encryptedGradient, evaluationLayout, layoutFor, pack, partialScores, receiveCiphertexts, sendCiphertexts, serializeAll, type Prepared, type VerticalContext } from './context.ts';

export interface GuestModel {
  weights: Float64Array;
  intercept: number;
  bestEpoch: number;
  epochsRun: number;
  /** u = u_G + Σ u_k on the evaluation rows, at the best epoch (the only per-row scores the guest gets). */
  evalScores: Float64Array;
  /** evalAuc at the best epoch only. */
  history: Array<{ epoch: number; evalLoss: number; evalAuc?: number }>;
  secondsPerEpoch: number;
}

/** Everything the guest needs to continue after `epochs` epochs exactly as if it had not stopped. */
export interface GuestState {
  epochs: number;
  stopped: boolean;
  w: Float64Array;
  best: { weights: Float64Array; epoch: number; loss: number };
  sinceBest: number;
  history: GuestModel['history'];
  seconds: number;
}

export async function runGuest(ctx: VerticalContext, data: Prepared, labels: { train: Uint8Array; evaluation: Uint8Array }, resume?: GuestState): Promise<GuestModel> {
  const { training: t, bfv } = ctx;
  const hellos = await Promise.all(ctx.hosts.map((h) => ctx.inbox.take((it) => it.from === h && it.frame.kind === 'vlr.hello')));
  const counts = [data.train.cols + 1, ...hellos.map((h) => (h.frame.body as { features: number }).features)];
  for (const h of ctx.hosts) ctx.send(h, 'vlr.layout', { counts });
  const withIntercept = concatColumns(data.train, matrix(new Float64Array(data.train.rows).fill(1), data.train.rows, 1));
  if (resume && resume.w.length !== withIntercept.cols) throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'job.start', state: `a checkpoint with ${resume.w.length} weights for ${withIntercept.cols} columns` });
  const w = resume ? resume.w.slice() : new Float64Array(withIntercept.cols);
  const interceptIndex = w.length - 1;
  const history: GuestModel['history'] = resume ? resume.history.map((h) => ({ ...h })) : [];
  let best: GuestState['best'] = resume ? resume.best : { weights: w.slice(), epoch: 0, loss: Infinity };
  let sinceBest = resume?.sinceBest ?? 0;
  let fullBatch: PackedFeatures | undefined;
  const started = performance.now() - (resume?.seconds ?? 0) * 1000;
  let epoch = resume?.epochs ?? 0;
  let scores: Float64Array | undefined;
  try {
    for (; !resume?.stopped && epoch < t.epochs; epoch++) {
      const batches = batchOrder(data.train.rows, t.batchSize, t.seed, epoch);
      for (const [b, rows] of batches.entries()) {
        ctx.signal?.throwIfAborted();
        const layout = layoutFor(ctx, rows.length, counts);
        const x = batches.length === 1 ? withIntercept : selectRows(withIntercept, rows);
        // 2. Enc(d) = Σ_k Enc(¼u_k) + ¼u_G + ½ − y.
        const fromHosts = await Promise.all(ctx.hosts.map((h) => receiveCiphertexts(ctx, h, 'vlr.u', epoch, b, layout)));
        const d = fromHosts[0] as Ciphertext[];
        for (const o of fromHosts.slice(1)) {
          addVectors(bfv, d, o, layout);
          disposeAll(o);
        }
        const uG = partialScores(x, w);
        for (let i = 0; i < uG.length; i++) uG[i] = 0.25 * (uG[i] as number);
        checkShare(ctx, uG, counts, `epoch ${epoch + 1}, batch ${b + 1}`);
        const plain = new Float64Array(rows.length);
        for (let i = 0; i < rows.length; i++) plain[i] = (uG[i] as number) + 0.5 - (labels.train[rows[i] as number] as number);
        addPlain(bfv, d, plain, layout);
        const dBytes = serializeAll(ctx, d);
        for (const h of ctx.hosts) sendCiphertexts(ctx, h, 'vlr.d', epoch, b, dBytes);
        // 3. the guest's own gradient, intercept included.
        const packed = batches.length === 1 ? (fullBatch ??= pack(ctx, x, layout, counts)) : pack(ctx, x, layout, counts);
        try {
          const xtd = await encryptedGradient(ctx, d, packed, { epoch, batch: b, counts });
          applyGradient(w, xtd, rows.length, t.learningRate, t.l2, interceptIndex);
        } finally {
          disposeAll(d);
          if (packed !== fullBatch) packed.dispose();
        }
      }
      // Evaluation: the Taylor loss of u = u_G + b + Σ_k u_k, from encrypted sums (evaluationLoss).
      const evalLoss = await evaluationLoss(ctx, data.evaluation, w, labels.evaluation, counts, epoch, batches.length);
      history.push({ epoch, evalLoss });
      const improved = evalLoss < best.loss - (t.earlyStopping?.minDelta ?? 0);
      if (improved || !t.earlyStopping) {
        best = { weights: w.slice(), epoch, loss: Math.min(evalLoss, best.loss) };
        sinceBest = 0;
      } else {
        sinceBest++;
      }
      const stop = epoch === t.epochs - 1 || (t.earlyStopping !== undefined && sinceBest >= t.earlyStopping.patience);
      const seconds = (performance.now() - started) / 1000;
      const state: GuestState = { epochs: epoch + 1, stopped: stop, w, best, sinceBest, history, seconds };
      await ctx.checkpoint?.(epoch + 1, state);
      for (const h of ctx.hosts) ctx.send(h, 'vlr.epoch', { epoch, stop, best: best.epoch });
      if (stop) scores = await finalScores(ctx, data.evaluation, best);
      const evalAuc = stop && best.epoch === epoch ? auc(scores as Float64Array, labels.evaluation) : undefined;
      ctx.progress({ epoch: epoch + 1, epochs: t.epochs, evalLoss, ...(evalAuc === undefined ? {} : { evalAuc }), seconds });
      ctx.log.info({ epoch: epoch + 1, evalLoss: round(evalLoss), ...(evalAuc === undefined ? {} : { evalAuc: round(evalAuc) }) }, 'epoch finished');
      if (stop) {
        epoch++;
        break;
      }
    }
  } finally {
    fullBatch?.dispose();
  }
  // A run resumed after its last epoch still needs the kept model's scores.
  scores ??= await finalScores(ctx, data.evaluation, best);
  const kept = history.find((h) => h.epoch === best.epoch);
  if (kept) kept.evalAuc = auc(scores, labels.evaluation);
  return {
    weights: best.weights.subarray(0, interceptIndex).slice(),
    intercept: best.weights[interceptIndex] as number,
    bestEpoch: best.epoch,
    epochsRun: epoch,
    evalScores: scores,
    history,
    secondsPerEpoch: (performance.now() - started) / 1000 / Math.max(epoch, 1),
  };
}

function evaluationScores(x: Matrix, wWithIntercept: Float64Array): Float64Array {
  const b = wWithIntercept[wWithIntercept.length - 1] as number;
  const u = partialScores(x, wWithIntercept);
  for (let i = 0; i < u.length; i++) u[i] = (u[i] as number) + b;
  return u;
}

/**
 * The evaluation loss of an epoch without the hosts' per-row scores: with u = g + U (g the guest's
 * part with the intercept, U = Σ_k u_k), Σ_i taylorLossAt(u_i) = Σ_i taylorLossAt(g_i)
 * + Σ_i (¼g_i − ½ys_i)·U_i + ⅛·Σ_i U_i². The hosts send Enc(¼u_k); the guest sums them to Enc(¼U),
 * gets the middle term through the arbiter as one masked inner product with its own column, and
 * sends Enc(¼U) to the hosts, whose ⟨u_k, U⟩ add up to Σ_i U_i².
 */
async function evaluationLoss(ctx: VerticalContext, x: Matrix, w: Float64Array, y: Uint8Array, counts: readonly number[], epoch: number, batch: number): Promise<number> {
  if (x.rows === 0) return 0;
  const g = evaluationScores(x, w);
  const layout = evaluationLayout(ctx, x.rows, counts);
  const fromHosts = await Promise.all(ctx.hosts.map((h) => receiveCiphertexts(ctx, h, 'vlr.evalU', epoch, batch, layout)));
  const sum = fromHosts[0] as Ciphertext[];
  for (const o of fromHosts.slice(1)) {
    addVectors(ctx.bfv, sum, o, layout);
    disposeAll(o);
  }
  let cross: number;
  const packed = packFeatures(ctx.bfv, Float64Array.from(g, (v, i) => v - 2 * (2 * (y[i] as number) - 1)), x.rows, 1, layout, ctx.hosts.length);
  try {
    const bytes = serializeAll(ctx, sum);
    for (const h of ctx.hosts) sendCiphertexts(ctx, h, 'vlr.evalD', epoch, batch, bytes);
    cross = (await encryptedGradient(ctx, sum, packed, { epoch, batch, counts, evaluation: true }))[0] as number;
  } finally {
    disposeAll(sum);
    packed.dispose();
  }
  const products = await Promise.all(ctx.hosts.map((h) => ctx.inbox.take((it) => it.from === h && it.frame.kind === 'vlr.eval' && (it.frame.body as { epoch: number }).epoch === epoch)));
  const squares = products.reduce((s, f) => s + (f.frame.body as { product: number }).product, 0);
  let own = 0;
  for (let i = 0; i < x.rows; i++) own += taylorLossAt(g[i] as number, y[i] as number);
  return (own + cross + squares / 8) / x.rows;
}

/** u = u_G + b + Σ_k u_k of the kept model on the evaluation rows: the hosts send their part once. */
async function finalScores(ctx: VerticalContext, x: Matrix, best: GuestState['best']): Promise<Float64Array> {
  const scores = evaluationScores(x, best.weights);
  const frames = await Promise.all(ctx.hosts.map((h) => ctx.inbox.take((it) => it.from === h && it.frame.kind === 'vlr.final')));
  for (const [k, f] of frames.entries()) {
    const host = ctx.hosts[k] as string;
    const epoch = (f.frame.body as { epoch: number }).epoch;
    if (epoch !== best.epoch) throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'vlr.final', state: `${host} sent the scores of epoch ${epoch}, the kept model is of epoch ${best.epoch}` });
    const uk = readFloat64(f.frame.payload, scores.length, `vlr.final from ${host}`);
    for (let i = 0; i < scores.length; i++) scores[i] = (scores[i] as number) + (uk[i] as number);
  }
  return scores;
}

function round(v: number): number {
  return Math.round(v * 1e5) / 1e5;
}
