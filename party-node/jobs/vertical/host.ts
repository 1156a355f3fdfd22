// A host's side of vertical logistic regression (design note protocols.md, "Vertical logistic
// regression"; Hardy et al. 2017). Per batch: 1. send Enc(¼·u_k) to the guest; 3. on Enc(d), compute
// Enc(X_kᵀd), mask it, have the arbiter decrypt the masked values, unmask, update w_k. After each
// epoch: send u_k on the evaluation rows to the guest and follow its stop/continue decision.
// The host sees only ciphertexts from the guest and its own gradient.
import { disposeAll } from '../../../protocol/he/bfv.ts';
import { FedmarkError } from '../../../protocol/errors.ts';
import { encryptVector } from '../../../protocol/he/innerProduct.ts';
import { float64Bytes } from '../../../protocol/vertical/messages.ts';
import { batchOrder } from '../../../models/random.ts';
import { selectRows } from '../../../models/matrix.ts';
import type { PackedFeatures } from '../../../protocol/he/innerProduct.ts';
import { applyGradient, checkShare, encryptedGradient, layoutFor, pack, partialScores, receiveCiphertexts, sendCiphertexts, serializeAll, type Prepared, type VerticalContext } from './context.ts';

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
        checkShare(ctx, u, counts, epoch, b);
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
      ctx.send(ctx.guest, 'vlr.eval', { epoch }, float64Bytes(partialScores(data.evaluation, w)));
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
  return { weights: w, bestEpoch: best.epoch };
}
