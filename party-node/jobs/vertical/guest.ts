// The guest's side of vertical logistic regression (design note protocols.md; Hardy et al. 2017).
// Per batch: 2. Enc(d) = Σ_k Enc(¼·u_k) + (¼·u_G + ½ − y), sent to every host; 3. Enc(X_Gᵀd) with an
// intercept column, masked, decrypted by the arbiter, unmasked; update. After each epoch: the hosts'
// evaluation scores give the evaluation loss (Taylor, as the reference trainer) and AUC, which drive
// early stopping. Labels and d never leave the guest in plaintext.
import type { Ciphertext } from 'node-seal';
import { disposeAll } from '../../../protocol/he/bfv.ts';
import { FedmarkError } from '../../../protocol/errors.ts';
import { addPlain, addVectors } from '../../../protocol/he/innerProduct.ts';
import { readFloat64 } from '../../../protocol/vertical/messages.ts';
import { batchOrder } from '../../../models/random.ts';
import { concatColumns, matrix, selectRows, type Matrix } from '../../../models/matrix.ts';
import { auc } from '../../../models/metrics/auc.ts';
import { taylorLoss } from '../../../models/linear/taylor.ts';
import type { PackedFeatures } from '../../../protocol/he/innerProduct.ts';
import { applyGradient, checkShare, encryptedGradient, layoutFor, pack, partialScores, receiveCiphertexts, sendCiphertexts, serializeAll, type Prepared, type VerticalContext } from './context.ts';

export interface GuestModel {
  weights: Float64Array;
  intercept: number;
  bestEpoch: number;
  epochsRun: number;
  /** u = u_G + Σ u_k on the evaluation rows, at the best epoch. */
  evalScores: Float64Array;
  history: Array<{ epoch: number; evalLoss: number; evalAuc: number }>;
  secondsPerEpoch: number;
}

/** Everything the guest needs to continue after `epochs` epochs exactly as if it had not stopped. */
export interface GuestState {
  epochs: number;
  stopped: boolean;
  w: Float64Array;
  best: { weights: Float64Array; epoch: number; loss: number; scores: Float64Array };
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
  let best: GuestState['best'] = resume ? resume.best : { weights: w.slice(), epoch: 0, loss: Infinity, scores: new Float64Array(0) };
  let sinceBest = resume?.sinceBest ?? 0;
  let fullBatch: PackedFeatures | undefined;
  const started = performance.now() - (resume?.seconds ?? 0) * 1000;
  let epoch = resume?.epochs ?? 0;
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
        checkShare(ctx, uG, counts, epoch, b);
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
      // Evaluation: u = u_G + b + Σ_k u_k on the evaluation rows.
      const scores = evaluationScores(data.evaluation, w);
      const fromHosts = await Promise.all(ctx.hosts.map((h) => ctx.inbox.take((it) => it.from === h && it.frame.kind === 'vlr.eval' && (it.frame.body as { epoch: number }).epoch === epoch)));
      for (const [k, f] of fromHosts.entries()) {
        const uk = readFloat64(f.frame.payload, scores.length, `vlr.eval from ${ctx.hosts[k]}`);
        for (let i = 0; i < scores.length; i++) scores[i] = (scores[i] as number) + (uk[i] as number);
      }
      checkRange(scores, bfv.maxAbsD, t.learningRate);
      const evalLoss = taylorLoss(scores, labels.evaluation);
      const evalAuc = auc(scores, labels.evaluation);
      history.push({ epoch, evalLoss, evalAuc });
      const improved = evalLoss < best.loss - (t.earlyStopping?.minDelta ?? 0);
      if (improved || !t.earlyStopping) {
        best = { weights: w.slice(), epoch, loss: Math.min(evalLoss, best.loss), scores: Float64Array.from(scores) };
        sinceBest = 0;
      } else {
        sinceBest++;
      }
      const stop = epoch === t.epochs - 1 || (t.earlyStopping !== undefined && sinceBest >= t.earlyStopping.patience);
      const seconds = (performance.now() - started) / 1000;
      const state: GuestState = { epochs: epoch + 1, stopped: stop, w, best, sinceBest, history, seconds };
      await ctx.checkpoint?.(epoch + 1, state);
      for (const h of ctx.hosts) ctx.send(h, 'vlr.epoch', { epoch, stop, best: best.epoch });
      ctx.progress({ epoch: epoch + 1, epochs: t.epochs, evalLoss, evalAuc, seconds });
      ctx.log.info({ epoch: epoch + 1, evalLoss: round(evalLoss), evalAuc: round(evalAuc) }, 'epoch finished');
      if (stop) {
        epoch++;
        break;
      }
    }
  } finally {
    fullBatch?.dispose();
  }
  return {
    weights: best.weights.subarray(0, interceptIndex).slice(),
    intercept: best.weights[interceptIndex] as number,
    bestEpoch: best.epoch,
    epochsRun: epoch,
    evalScores: best.scores,
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
 * d = ¼u + ½ − y must stay within the fixed-point range while encrypted, where nobody can check
 * it; the evaluation scores are the guest's view of u, so it stops the job while they are in range.
 */
function checkRange(scores: Float64Array, maxAbsD: number, learningRate: number): void {
  let max = 0;
  for (const u of scores) max = Math.max(max, Math.abs(u));
  if (!Number.isFinite(max) || 0.25 * max + 1 > maxAbsD / 2) {
    throw new FedmarkError('FM_ERR_HE_RANGE', {
      param: 'training',
      reason: `scores reached |u| = ${Number.isFinite(max) ? max.toFixed(1) : 'infinity'}, too close to the encrypted range (|¼u + ½ − y| ≤ ${maxAbsD}); the model diverges — lower learningRate (now ${learningRate}) or standardise the features`,
    });
  }
}

function round(v: number): number {
  return Math.round(v * 1e5) / 1e5;
}
