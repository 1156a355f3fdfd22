// The guest's side of vertical logistic regression (design note protocols.md; Hardy et al. 2017).
// Per batch: 2. Enc(d) = Σ_k Enc(¼·u_k) + (¼·u_G + ½ − y), sent to every host; 3. Enc(X_Gᵀd) with an
// intercept column, masked, decrypted by the arbiter, unmasked; update. After each epoch: the
// evaluation loss (Taylor, as the reference trainer), which drives early stopping, from encrypted
// sums — the hosts' per-row scores never reach the guest then (evaluationLoss). After the last: the
// kept model's scores on the evaluation rows, once, for AUC, KS, lift and the other final metrics.
// Labels and d never leave the guest in plaintext.
import { FedmarkError } from '../../../errors/table.ts';
import type { Training } from '../../training.ts';
import { batchOrder } from '../../random.ts';
import { concatColumns, matrix, selectRows, type Matrix } from '../../matrix.ts';
import { auc } from '../../metrics/auc.ts';
import { taylorLossAt } from '../../linear/taylor.ts';
import type { GuestOutcome, Labels, PreparedRows } from '../model.ts';
import type { EncryptedVector, PackedColumns, VerticalRuntime } from '../runtime.ts';
import type { LogisticMessages } from './messages.ts';
import { addHostPopulationScores } from './population.ts';
import { applyGradient, checkShare, partialScores } from './steps.ts';

type Runtime = VerticalRuntime<LogisticMessages, unknown>;

/** Everything the guest needs to continue after `epochs` epochs exactly as if it had not stopped. */
export interface GuestState {
  epochs: number;
  stopped: boolean;
  w: Float64Array;
  best: { weights: Float64Array; epoch: number; loss: number };
  sinceBest: number;
  history: GuestOutcome['history'];
  seconds: number;
}

export async function runGuest(rt: Runtime, data: PreparedRows, labels: Labels, t: Training, resume?: GuestState): Promise<GuestOutcome> {
  const { he } = rt;
  const hellos = await Promise.all(rt.hosts.map((h) => rt.peers.take(h, 'vlr.hello')));
  const counts = [data.train.cols + 1, ...hellos.map((h) => h.body.features)];
  for (const h of rt.hosts) rt.peers.send(h, 'vlr.layout', { counts });
  const share = { self: rt.self, share: he.share(counts.length), maxAbs: he.maxAbs, parties: counts.length, learningRate: t.learningRate };
  const withIntercept = concatColumns(data.train, matrix(new Float64Array(data.train.rows).fill(1), data.train.rows, 1));
  if (resume && resume.w.length !== withIntercept.cols) throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'job.start', state: `a checkpoint with ${resume.w.length} weights for ${withIntercept.cols} columns` });
  const w = resume ? resume.w.slice() : new Float64Array(withIntercept.cols);
  const interceptIndex = w.length - 1;
  const history: GuestOutcome['history'] = resume ? resume.history.map((h) => ({ ...h })) : [];
  let best: GuestState['best'] = resume ? resume.best : { weights: w.slice(), epoch: 0, loss: Infinity };
  let sinceBest = resume?.sinceBest ?? 0;
  let fullBatch: PackedColumns | undefined;
  const started = performance.now() - (resume?.seconds ?? 0) * 1000;
  let epoch = resume?.epochs ?? 0;
  let scores: Float64Array | undefined;
  try {
    for (; !resume?.stopped && epoch < t.epochs; epoch++) {
      const batches = batchOrder(data.train.rows, t.batchSize, t.seed, epoch);
      for (const [b, rows] of batches.entries()) {
        rt.signal?.throwIfAborted();
        const layout = he.layout(rows.length, counts);
        const x = batches.length === 1 ? withIntercept : selectRows(withIntercept, rows);
        // 2. Enc(d) = Σ_k Enc(¼u_k) + ¼u_G + ½ − y.
        const fromHosts = await Promise.all(rt.hosts.map((h) => rt.takeVector(h, 'vlr.u', { epoch, batch: b }, layout)));
        const d = sum(rt, fromHosts);
        const uG = partialScores(x, w);
        for (let i = 0; i < uG.length; i++) uG[i] = 0.25 * (uG[i] as number);
        checkShare(share, uG, `epoch ${epoch + 1}, batch ${b + 1}`);
        const plain = new Float64Array(rows.length);
        for (let i = 0; i < rows.length; i++) plain[i] = (uG[i] as number) + 0.5 - (labels.train[rows[i] as number] as number);
        await he.addPlain(d, plain);
        rt.sendVector(rt.hosts, 'vlr.d', { epoch, batch: b }, d);
        // 3. the guest's own gradient, intercept included.
        const packed = batches.length === 1 ? (fullBatch ??= he.pack(x, layout, counts.length)) : he.pack(x, layout, counts.length);
        try {
          const xtd = await he.innerProducts(d, packed, { epoch, batch: b, rows: layout.rows, counts });
          applyGradient(w, xtd, rows.length, t.learningRate, t.l2, interceptIndex);
        } finally {
          d.dispose();
          if (packed !== fullBatch) packed.dispose();
        }
      }
      // Evaluation: the Taylor loss of u = u_G + b + Σ_k u_k, from encrypted sums (evaluationLoss).
      const evalLoss = await evaluationLoss(rt, data.evaluation, w, labels.evaluation, counts, epoch, batches.length);
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
      await rt.checkpoint?.(epoch + 1, state);
      for (const h of rt.hosts) rt.peers.send(h, 'vlr.epoch', { epoch, stop, best: best.epoch });
      if (stop) scores = await finalScores(rt, data.evaluation, best);
      const evalAuc = stop && best.epoch === epoch ? auc(scores as Float64Array, labels.evaluation) : undefined;
      rt.progress({ epoch: epoch + 1, epochs: t.epochs, evalLoss, ...(evalAuc === undefined ? {} : { evalAuc }), seconds });
      rt.log.info({ epoch: epoch + 1, evalLoss: round(evalLoss), ...(evalAuc === undefined ? {} : { evalAuc: round(evalAuc) }) }, 'epoch finished');
      if (stop) {
        epoch++;
        break;
      }
    }
  } finally {
    fullBatch?.dispose();
  }
  // A run resumed after its last epoch still needs the kept model's scores.
  scores ??= await finalScores(rt, data.evaluation, best);
  const kept = history.find((h) => h.epoch === best.epoch);
  if (kept) kept.evalAuc = auc(scores, labels.evaluation);
  const weights = best.weights.subarray(0, interceptIndex).slice();
  const intercept = best.weights[interceptIndex] as number;
  // A lookalike ranks the whole intersection: the guest's part with the intercept, plus each host's.
  let population: Float64Array | undefined;
  if (data.population) {
    population = partialScores(data.population, weights);
    for (let i = 0; i < population.length; i++) population[i] = (population[i] as number) + intercept;
    await addHostPopulationScores(rt, population);
  }
  return {
    shard: { weights: [...weights], intercept },
    features: [...data.names, '(intercept)'],
    bestEpoch: best.epoch,
    epochsRun: epoch,
    evalScores: scores,
    ...(population ? { population } : {}),
    history,
    secondsPerEpoch: (performance.now() - started) / 1000 / Math.max(epoch, 1),
  };
}

/** Σ_k Enc(¼u_k): the first host's vector, the others added into it. */
function sum(rt: Runtime, vectors: EncryptedVector[]): EncryptedVector {
  const total = vectors[0] as EncryptedVector;
  for (const o of vectors.slice(1)) {
    rt.he.add(total, o);
    o.dispose();
  }
  return total;
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
async function evaluationLoss(rt: Runtime, x: Matrix, w: Float64Array, y: Uint8Array, counts: readonly number[], epoch: number, batch: number): Promise<number> {
  if (x.rows === 0) return 0;
  const g = evaluationScores(x, w);
  const layout = rt.he.layout(x.rows, counts.map(() => 1));
  const total = sum(rt, await Promise.all(rt.hosts.map((h) => rt.takeVector(h, 'vlr.evalU', { epoch, batch }, layout))));
  let cross: number;
  const column = matrix(Float64Array.from(g, (v, i) => v - 2 * (2 * (y[i] as number) - 1)), x.rows, 1);
  const packed = rt.he.pack(column, layout, rt.hosts.length + 1);
  try {
    rt.sendVector(rt.hosts, 'vlr.evalD', { epoch, batch }, total);
    cross = (await rt.he.innerProducts(total, packed, { epoch, batch, rows: layout.rows, counts, evaluation: true }))[0] as number;
  } finally {
    total.dispose();
    packed.dispose();
  }
  const products = await Promise.all(rt.hosts.map((h) => rt.peers.take(h, 'vlr.eval', (body) => body.epoch === epoch)));
  const squares = products.reduce((s, f) => s + f.body.product, 0);
  let own = 0;
  for (let i = 0; i < x.rows; i++) own += taylorLossAt(g[i] as number, y[i] as number);
  return (own + cross + squares / 8) / x.rows;
}

/** u = u_G + b + Σ_k u_k of the kept model on the evaluation rows: the hosts send their part once. */
async function finalScores(rt: Runtime, x: Matrix, best: GuestState['best']): Promise<Float64Array> {
  const scores = evaluationScores(x, best.weights);
  const frames = await Promise.all(rt.hosts.map((h) => rt.peers.take(h, 'vlr.final')));
  for (const [k, f] of frames.entries()) {
    const host = rt.hosts[k] as string;
    if (f.body.epoch !== best.epoch) throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'vlr.final', state: `${host} sent the scores of epoch ${f.body.epoch}, the kept model is of epoch ${best.epoch}` });
    const uk = f.numbers(scores.length);
    for (let i = 0; i < scores.length; i++) scores[i] = (scores[i] as number) + (uk[i] as number);
  }
  return scores;
}

function round(v: number): number {
  return Math.round(v * 1e5) / 1e5;
}
