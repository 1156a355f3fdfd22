// A host's side of vertical logistic regression (design note protocols.md, "Vertical logistic
// regression"; Hardy et al. 2017). Per batch: 1. send Enc(¼·u_k) to the guest; 3. on Enc(d), compute
// Enc(X_kᵀd), mask it, have the arbiter decrypt the masked values, unmask, update w_k. After each
// epoch: its part of the evaluation loss (evaluate below) and the guest's stop/continue decision;
// after the last, u_k of the best epoch on the evaluation rows, once, for the final metrics.
// The host sees only ciphertexts from the guest, its own gradient and one number per epoch.
import { FedmarkError } from '../../../errors/table.ts';
import type { Training } from '../../training.ts';
import { batchOrder } from '../../random.ts';
import { matrix, selectRows, type Matrix } from '../../matrix.ts';
import type { HostOutcome, PreparedRows } from '../model.ts';
import type { PackedColumns, VerticalRuntime } from '../runtime.ts';
import type { LogisticMessages } from './messages.ts';
import { sendPopulationScores } from './population.ts';
import { applyGradient, checkShare, partialScores } from './steps.ts';

type Runtime = VerticalRuntime<LogisticMessages, unknown>;

/** Everything a host needs to continue after `epochs` epochs. */
export interface HostState {
  epochs: number;
  stopped: boolean;
  w: Float64Array;
  best: { weights: Float64Array; epoch: number };
}

export async function runHost(rt: Runtime, data: PreparedRows, t: Training, resume?: HostState): Promise<HostOutcome> {
  const { he } = rt;
  rt.peers.send(rt.guest, 'vlr.hello', { features: data.train.cols });
  const { counts } = (await rt.peers.take(rt.guest, 'vlr.layout')).body;
  const share = { self: rt.self, share: he.share(counts.length), maxAbs: he.maxAbs, parties: counts.length, learningRate: t.learningRate };
  if (resume && resume.w.length !== data.train.cols) throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'job.start', state: `a checkpoint with ${resume.w.length} weights for ${data.train.cols} columns` });
  let w: Float64Array = resume ? resume.w.slice() : new Float64Array(data.train.cols);
  let best = resume ? resume.best : { weights: w.slice(), epoch: 0 };
  let fullBatch: PackedColumns | undefined;
  try {
    for (let epoch = resume?.epochs ?? 0; !resume?.stopped && epoch < t.epochs; epoch++) {
      const batches = batchOrder(data.train.rows, t.batchSize, t.seed, epoch);
      for (const [b, rows] of batches.entries()) {
        rt.signal?.throwIfAborted();
        const layout = he.layout(rows.length, counts);
        const x = batches.length === 1 ? data.train : selectRows(data.train, rows);
        // 1. Enc(¼·u_k) for the batch.
        const u = partialScores(x, w);
        for (let i = 0; i < u.length; i++) u[i] = 0.25 * (u[i] as number);
        checkShare(share, u, `epoch ${epoch + 1}, batch ${b + 1}`);
        const encU = await he.encrypt(u, layout);
        rt.sendVector([rt.guest], 'vlr.u', { epoch, batch: b }, encU);
        encU.dispose();
        // 3. Enc(d) from the guest → masked gradient through the arbiter.
        const packed = batches.length === 1 ? (fullBatch ??= he.pack(x, layout, counts.length)) : he.pack(x, layout, counts.length);
        const d = await rt.takeVector(rt.guest, 'vlr.d', { epoch, batch: b }, layout);
        try {
          const xtd = await he.innerProducts(d, packed, { epoch, batch: b, rows: layout.rows, counts });
          applyGradient(w, xtd, rows.length, t.learningRate, t.l2);
        } finally {
          d.dispose();
          if (packed !== fullBatch) packed.dispose();
        }
      }
      await evaluate(rt, data.evaluation, w, counts, epoch, batches.length, share);
      const decision = await rt.peers.take(rt.guest, 'vlr.epoch', (body) => body.epoch === epoch);
      const { stop, best: bestEpoch } = decision.body;
      if (bestEpoch === epoch) best = { weights: w.slice(), epoch };
      await rt.checkpoint?.(epoch + 1, { epochs: epoch + 1, stopped: stop, w, best } satisfies HostState);
      if (stop) break;
    }
  } finally {
    fullBatch?.dispose();
  }
  w = best.weights;
  // The final metrics need per-row scores once, of the model kept: u_k of the best epoch.
  rt.peers.send(rt.guest, 'vlr.final', { epoch: best.epoch }, partialScores(data.evaluation, w));
  if (data.population) sendPopulationScores(rt, partialScores(data.population, w));
  return { shard: { weights: [...w] } };
}

/**
 * The host's part of an epoch's evaluation loss, without its per-row scores leaving in clear:
 * Enc(¼u_k) on the evaluation rows to the guest, then ⟨u_k, U⟩ through the arbiter from the
 * guest's Enc(¼U), U = Σ_k u_k; the guest needs Σ_i U_i² = Σ_k ⟨u_k, U⟩.
 */
async function evaluate(rt: Runtime, x: Matrix, w: Float64Array, counts: readonly number[], epoch: number, batch: number, share: Parameters<typeof checkShare>[0]): Promise<void> {
  if (x.rows === 0) return;
  const layout = rt.he.layout(x.rows, counts.map(() => 1));
  const u = partialScores(x, w);
  const quarter = Float64Array.from(u, (v) => 0.25 * v);
  checkShare(share, quarter, `epoch ${epoch + 1}, evaluation`);
  const encU = await rt.he.encrypt(quarter, layout);
  rt.sendVector([rt.guest], 'vlr.evalU', { epoch, batch }, encU);
  encU.dispose();
  const encSum = await rt.takeVector(rt.guest, 'vlr.evalD', { epoch, batch }, layout);
  const packed = rt.he.pack(matrix(u, x.rows, 1), layout, counts.length);
  try {
    const [product] = await rt.he.innerProducts(encSum, packed, { epoch, batch, rows: layout.rows, counts, evaluation: true });
    rt.peers.send(rt.guest, 'vlr.eval', { epoch, product: 4 * (product as number) });
  } finally {
    encSum.dispose();
    packed.dispose();
  }
}
