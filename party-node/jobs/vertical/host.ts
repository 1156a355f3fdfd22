// A host's side of vertical logistic regression (design note protocols.md, "Vertical logistic
// regression"; Hardy et al. 2017). Per batch: 1. send Enc(¼·u_k) to the guest; 3. on Enc(d), compute
// Enc(X_kᵀd), mask it, have the arbiter decrypt the masked values, unmask, update w_k. After each
// epoch: its part of the evaluation loss (evaluate below) and the guest's stop/continue decision;
// after the last, u_k of the best epoch on the evaluation rows, once, for the final metrics.
// The host sees only ciphertexts from the guest, its own gradient and one number per epoch.
import { disposeAll } from '../../../protocol/he/bfv.ts';
import { FedmarkError } from '../../../errors/table.ts';
import { encryptVector, packFeatures } from '../../../protocol/he/innerProduct.ts';
import { float64Bytes } from '../../../protocol/peer/blobs.ts';
import { batchOrder } from '../../../models/random.ts';
import { selectRows, type Matrix } from '../../../models/matrix.ts';
import type { PackedFeatures } from '../../../protocol/he/innerProduct.ts';
import { applyGradient, checkShare, encryptedGradient, evaluationLayout, layoutFor, pack, partialScores, receiveCiphertexts, sendCiphertexts, serializeAll, type Prepared, type VerticalContext } from './context.ts';

export interface HostModel {
  weights: Float64Array;
  bestEpoch: number;
}

/** Everything a host needs to continue after `epochs` epochs. */
export interface HostState {
  epochs: number;
  stopped: boolean;
  w: Float64Array;
  best: { weights: Float64Array; epoch: number };
}

export async function runHost(ctx: VerticalContext, data: Prepared, resume?: HostState): Promise<HostModel> {
  const { training: t, bfv } = ctx;
  ctx.send(ctx.guest, 'vlr.hello', { features: data.train.cols });
  const layoutMsg = await ctx.inbox.take((it) => it.from === ctx.guest && it.frame.kind === 'vlr.layout');
  const counts = (layoutMsg.frame.body as { counts: number[] }).counts;
  if (resume && resume.w.length !== data.train.cols) throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'job.start', state: `a checkpoint with ${resume.w.length} weights for ${data.train.cols} columns` });
  let w: Float64Array = resume ? resume.w.slice() : new Float64Array(data.train.cols);
  let best = resume ? resume.best : { weights: w.slice(), epoch: 0 };
  let fullBatch: PackedFeatures | undefined;
  try {
    for (let epoch = resume?.epochs ?? 0; !resume?.stopped && epoch < t.epochs; epoch++) {
      const batches = batchOrder(data.train.rows, t.batchSize, t.seed, epoch);
      for (const [b, rows] of batches.entries()) {
        ctx.signal?.throwIfAborted();
        const layout = layoutFor(ctx, rows.length, counts);
        const x = batches.length === 1 ? data.train : selectRows(data.train, rows);
        // 1. Enc(¼·u_k) for the batch.
        const u = partialScores(x, w);
        for (let i = 0; i < u.length; i++) u[i] = 0.25 * (u[i] as number);
        checkShare(ctx, u, counts, `epoch ${epoch + 1}, batch ${b + 1}`);
        const encU = encryptVector(bfv, ctx.key, u, layout);
        sendCiphertexts(ctx, ctx.guest, 'vlr.u', epoch, b, serializeAll(ctx, encU));
        disposeAll(encU);
        // 3. Enc(d) from the guest → masked gradient through the arbiter.
        const packed = batches.length === 1 ? (fullBatch ??= pack(ctx, x, layout, counts)) : pack(ctx, x, layout, counts);
        const d = await receiveCiphertexts(ctx, ctx.guest, 'vlr.d', epoch, b, layout);
        try {
          const xtd = await encryptedGradient(ctx, d, packed, { epoch, batch: b, counts });
          applyGradient(w, xtd, rows.length, t.learningRate, t.l2);
        } finally {
          disposeAll(d);
          if (packed !== fullBatch) packed.dispose();
        }
      }
      await evaluate(ctx, data.evaluation, w, counts, epoch, batches.length);
      const decision = await ctx.inbox.take((it) => it.from === ctx.guest && it.frame.kind === 'vlr.epoch' && (it.frame.body as { epoch: number }).epoch === epoch);
      const { stop, best: bestEpoch } = decision.frame.body as { stop: boolean; best: number };
      if (bestEpoch === epoch) best = { weights: w.slice(), epoch };
      await ctx.checkpoint?.(epoch + 1, { epochs: epoch + 1, stopped: stop, w, best } satisfies HostState);
      if (stop) break;
    }
  } finally {
    fullBatch?.dispose();
  }
  w = best.weights;
  // The final metrics need per-row scores once, of the model kept: u_k of the best epoch.
  ctx.send(ctx.guest, 'vlr.final', { epoch: best.epoch }, float64Bytes(partialScores(data.evaluation, w)));
  return { weights: w, bestEpoch: best.epoch };
}

/**
 * The host's part of an epoch's evaluation loss, without its per-row scores leaving in clear:
 * Enc(¼u_k) on the evaluation rows to the guest, then ⟨u_k, U⟩ through the arbiter from the
 * guest's Enc(¼U), U = Σ_k u_k; the guest needs Σ_i U_i² = Σ_k ⟨u_k, U⟩.
 */
async function evaluate(ctx: VerticalContext, x: Matrix, w: Float64Array, counts: readonly number[], epoch: number, batch: number): Promise<void> {
  if (x.rows === 0) return;
  const layout = evaluationLayout(ctx, x.rows, counts);
  const u = partialScores(x, w);
  const quarter = Float64Array.from(u, (v) => 0.25 * v);
  checkShare(ctx, quarter, counts, `epoch ${epoch + 1}, evaluation`);
  const encU = encryptVector(ctx.bfv, ctx.key, quarter, layout);
  sendCiphertexts(ctx, ctx.guest, 'vlr.evalU', epoch, batch, serializeAll(ctx, encU));
  disposeAll(encU);
  const encSum = await receiveCiphertexts(ctx, ctx.guest, 'vlr.evalD', epoch, batch, layout);
  const packed = packFeatures(ctx.bfv, u, x.rows, 1, layout, counts.length - 1);
  try {
    const [product] = await encryptedGradient(ctx, encSum, packed, { epoch, batch, counts, evaluation: true });
    ctx.send(ctx.guest, 'vlr.eval', { epoch, product: 4 * (product as number) });
  } finally {
    disposeAll(encSum);
    packed.dispose();
  }
}
