// The vertical logistic regression model's steps in-process (no sockets), driven through the
// vertical-model interface as a party node drives them: a guest and hosts with a real BFV arbiter.
// The federated weights must follow the plaintext reference trainer step for step, hosts must never
// get d or labels in plaintext, and the arbiter must never see an unmasked gradient.
import { describe, expect, it, beforeAll } from 'vitest';
import pino from 'pino';
import { createBfv, generateArbiterKeys, loadPublicKey, type Bfv, type ArbiterKeys } from '../protocol/he/bfv.ts';
import { arbiterDecrypt } from '../protocol/he/innerProduct.ts';
import { unpackBlobs } from '../protocol/peer/blobs.ts';
import { createCodec } from '../protocol/envelope.ts';
import { bfvOps, innerProductLayouts } from '../protocol/vertical/encrypted.ts';
import { peerConversation, type PeerConversation } from '../protocol/vertical/peers.ts';
import { deserializeCiphertext } from '../protocol/he/bfv.ts';
import { makeLayout, recommendChunkLength } from '../protocol/he/innerProduct.ts';
import { coefficientsOf, decodeFixed } from '../protocol/he/coefficients.ts';
import { batchOrder } from '../models/random.ts';
import { readVertical } from '../data/fate.ts';
import { prepareFeatures } from '../models/features/prepare.ts';
import { validationMask } from '../models/split/hashSplit.ts';
import { maskIndices, selectRows, type Matrix } from '../models/matrix.ts';
import { trainLogistic } from '../models/linear/logistic.ts';
import { auc } from '../models/metrics/auc.ts';
import { taylorLoss } from '../models/linear/taylor.ts';
import { DecryptPolicy } from '../coordinator/jobs/decryptPolicy.ts';
import { logistic } from '../models/vertical/logistic/index.ts';
import { LOGISTIC_MESSAGES } from '../models/vertical/logistic/messages.ts';
import type { Training } from '../models/training.ts';
import { JobCheckpoints } from '../party-node/jobs/checkpoint.ts';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let bfv: Bfv;
let keys: ArbiterKeys;
beforeAll(async () => {
  bfv = await createBfv();
  keys = generateArbiterKeys(bfv);
});

interface Split { train: Matrix; evaluation: Matrix }

function split(x: Matrix, mask: Uint8Array): Split {
  const p = prepareFeatures(selectRows(x, maskIndices(mask, 0)), selectRows(x, maskIndices(mask, 1)));
  return { train: p.train, evaluation: p.evaluation as Matrix };
}

interface Durability {
  checkpoint?: (self: string, epochs: number, state: unknown) => Promise<void>;
  resume?: (self: string) => Promise<unknown>;
}

const MAX = 64 * 1024 * 1024;

/**
 * The model's guest and hosts in one process: each with the runtime a party node builds (the
 * model's peer conversation, BFV vector operations under the arbiter's key), the messages handed
 * over through setImmediate, and a real arbiter's decryption behind its decrypt policy.
 */
async function federate(parts: Split[], yTrain: Uint8Array, yEval: Uint8Array, training: Training, durable: Durability = {}) {
  const ids = ['guest', ...parts.slice(1).map((_, k) => `host${k + 1}`)];
  const hosts = ids.slice(1);
  const codec = createCodec(LOGISTIC_MESSAGES);
  const seenByHosts: Buffer[] = [];
  const firstD: Uint8Array[] = [];
  const seenByArbiter: Float64Array[] = [];
  const toGuest: Array<{ kind: string; payloadBytes: number }> = [];
  const sections = { training };
  const policy = new DecryptPolicy({ job: 'job-test', parties: ids, rules: logistic.arbiter.rules({ parties: ids, sections, layouts: innerProductLayouts(bfv.N) }) });
  const conversations = new Map<string, PeerConversation<typeof LOGISTIC_MESSAGES>>();
  for (const self of ids) {
    conversations.set(self, peerConversation(LOGISTIC_MESSAGES, (peer, frame) => {
      const f = codec.decode(frame, MAX);
      if (peer !== 'guest') seenByHosts.push(Buffer.from(frame));
      else toGuest.push({ kind: f.kind, payloadBytes: f.payload?.length ?? 0 });
      if (f.kind === 'vlr.d' && f.body.epoch === 0 && f.body.batch === 0 && peer === 'host1') firstD.push(...unpackBlobs(f.payload, 'test'));
      setImmediate(() => conversations.get(peer)?.receive(self, frame, MAX));
    }));
  }
  const runtime = (self: string) => {
    // The coordinator's policy admits every request of an honest run, evaluation rounds included.
    const he = bfvOps(bfv, loadPublicKey(bfv, keys.publicBytes), async (masked, step) => {
      policy.admit(self, step, 0, masked.map((m) => m.positions));
      return masked.map((m) => {
        const v = arbiterDecrypt(bfv, keys.secret, m.bytes, m.positions);
        seenByArbiter.push(v);
        return v;
      });
    });
    const conversation = conversations.get(self) as PeerConversation<typeof LOGISTIC_MESSAGES>;
    return {
      job: 'job-test', self, guest: 'guest', hosts, peers: conversation.peers, he, ...conversation.vectors(he),
      progress: () => undefined,
      log: pino({ level: 'silent' }),
      ...(durable.checkpoint ? { checkpoint: (epochs: number, state: unknown) => (durable.checkpoint as NonNullable<Durability['checkpoint']>)(self, epochs, state) } : {}),
    };
  };
  const resume = new Map(await Promise.all(ids.map(async (id) => [id, durable.resume ? await durable.resume(id) : undefined] as const)));
  const [guest, ...hostModels] = await Promise.all([
    logistic.guest(runtime('guest'), { ...(parts[0] as Split), names: [] }, { train: yTrain, evaluation: yEval }, sections, resume.get('guest')),
    ...hosts.map((h, k) => logistic.host(runtime(h), { ...(parts[k + 1] as Split), names: [] }, sections, resume.get(h))),
  ]);
  const weights = (shard: { readonly [key: string]: unknown }) => Float64Array.from(shard.weights as number[]);
  return {
    guest: { ...guest, weights: weights(guest.shard), intercept: guest.shard.intercept as number },
    hostModels: hostModels.map((h) => ({ weights: weights(h.shard) })),
    seenByHosts, seenByArbiter, firstD, toGuest,
  };
}

describe('vertical logistic regression, in process', () => {
  it('follows the plaintext reference on breast (guest + host) and reaches AUC ≥ 0.98', async () => {
    const data = readVertical('breast');
    const mask = validationMask(data.ids, 0.3, 7);
    const g = split(data.guest, mask);
    const h = split(data.host, mask);
    const yTrain = Uint8Array.from(maskIndices(mask, 0), (i) => data.y[i] as number);
    const yEval = Uint8Array.from(maskIndices(mask, 1), (i) => data.y[i] as number);
    const training = { epochs: 5, batchSize: 128, learningRate: 0.15, l2: 0.01, seed: 3 };
    const fed = await federate([g, h], yTrain, yEval, training);

    const joined = (a: Matrix, b: Matrix): Matrix => {
      const data = new Float64Array(a.rows * (a.cols + b.cols));
      for (let i = 0; i < a.rows; i++) {
        data.set(a.data.subarray(i * a.cols, (i + 1) * a.cols), i * (a.cols + b.cols));
        data.set(b.data.subarray(i * b.cols, (i + 1) * b.cols), i * (a.cols + b.cols) + a.cols);
      }
      return { data, rows: a.rows, cols: a.cols + b.cols };
    };
    const ref = trainLogistic(joined(g.train, h.train), yTrain, { ...training, gradient: 'taylor' });
    const fedWeights = [...fed.guest.weights, ...(fed.hostModels[0]?.weights ?? [])];
    fedWeights.forEach((w, j) => expect(Math.abs(w - (ref.weights[j] as number))).toBeLessThan(2e-3));
    expect(Math.abs(fed.guest.intercept - ref.intercept)).toBeLessThan(2e-3);
    expect(auc(fed.guest.evalScores, yEval)).toBeGreaterThanOrEqual(0.98);

    // The guest got the host's per-row evaluation scores once, for the kept model; each epoch, only
    // one number (⟨u_k, U⟩) and ciphertexts. The loss from the encrypted sums is the joint scores' Taylor loss.
    expect(fed.toGuest.filter((f) => f.payloadBytes === yEval.length * 8).map((f) => f.kind)).toEqual(['vlr.final']);
    expect(fed.toGuest.filter((f) => f.kind === 'vlr.eval').map((f) => f.payloadBytes)).toEqual(new Array(training.epochs).fill(0));
    expect(fed.guest.history.at(-1)?.evalLoss).toBeCloseTo(taylorLoss(fed.guest.evalScores, yEval), 4);
    expect(fed.guest.history.map((h) => h.evalAuc === undefined)).toEqual([true, true, true, true, false]);

    // Step 2 pinned: at the first step every weight is 0, so Enc(d) must decrypt to ½ − y of the first batch.
    const firstBatch = batchOrder(yTrain.length, training.batchSize, training.seed, 0)[0] as Uint32Array;
    const layout = makeLayout(bfv.N, firstBatch.length, recommendChunkLength(bfv.N, firstBatch.length, [g.train.cols + 1, h.train.cols]));
    const decrypted: number[] = [];
    for (const blob of fed.firstD) {
      const ct = deserializeCiphertext(bfv, blob, 'Enc(d)', 'first');
      const pt = keys.secret.decrypt(ct);
      const coeffs = coefficientsOf(pt, bfv.N, bfv.seal);
      decrypted.push(...Array.from(coeffs.subarray(0, layout.m), (c) => decodeFixed(c, bfv.t, bfv.fractionalBits)));
      pt.delete();
      ct.delete();
    }
    firstBatch.forEach((row, i) => expect(decrypted[i]).toBeCloseTo(0.5 - (yTrain[row] as number), 6));

    // The arbiter never saw an unmasked gradient: the first step's true Xᵀd residues are not among its values.
    const seen = new Set(fed.seenByArbiter.flatMap((v) => [...v]));
    for (let j = 0; j < h.train.cols; j++) {
      let dot = 0;
      for (const row of firstBatch) dot += (h.train.data[row * h.train.cols + j] as number) * (0.5 - (yTrain[row] as number));
      const residue = ((Math.round(dot * 2 ** (2 * bfv.fractionalBits)) % bfv.t) + bfv.t) % bfv.t;
      for (let delta = -64; delta <= 64; delta++) expect(seen.has(residue + delta)).toBe(false);
    }

    // Hosts only ever received ciphertexts and control messages: no frame carries the labels.
    const labelsAsText = Buffer.from(JSON.stringify(Array.from(yTrain.subarray(0, 32))));
    for (const frame of fed.seenByHosts) expect(frame.includes(labelsAsText)).toBe(false);
    // The arbiter saw residues that are not the gradients: they are spread over [0, t).
    const all = fed.seenByArbiter.flatMap((v) => [...v]);
    expect(all.length).toBeGreaterThan(100);
    const small = all.filter((v) => v < bfv.t / 1024 || v > bfv.t - bfv.t / 1024).length;
    expect(small / all.length).toBeLessThan(0.02);
  }, 120_000);

  it('stops a diverging model with FM_ERR_HE_RANGE instead of letting encrypted values wrap', async () => {
    const data = readVertical('breast');
    const mask = validationMask(data.ids, 0.3, 7);
    const yTrain = Uint8Array.from(maskIndices(mask, 0), (i) => data.y[i] as number);
    const yEval = Uint8Array.from(maskIndices(mask, 1), (i) => data.y[i] as number);
    const training = { epochs: 30, batchSize: 4096, learningRate: 40, l2: 0, seed: 3 };
    await expect(federate([split(data.guest, mask), split(data.host, mask)], yTrain, yEval, training)).rejects.toMatchObject({ code: 'FM_ERR_HE_RANGE' });
  }, 120_000);

  it('stops a host whose partial scores on the training rows leave its share of the range of d (the evaluation rows cannot show it)', async () => {
    const data = readVertical('breast');
    const mask = validationMask(data.ids, 0.3, 7);
    const yTrain = Uint8Array.from(maskIndices(mask, 0), (i) => data.y[i] as number);
    const yEval = Uint8Array.from(maskIndices(mask, 1), (i) => data.y[i] as number);
    const g = split(data.guest, mask);
    const h = split(data.host, mask);
    // Zero host features on the evaluation rows: the guest's evaluation scores stay small.
    const hostParts = { train: h.train, evaluation: { ...h.evaluation, data: new Float64Array(h.evaluation.data.length) } };
    // Host weights that put ¼u_k at 7.8 on some training row: within what one encryption takes
    // (maxAbsD = 8), but with ¼u_G + ½ − y added, d would leave ±8, which no one would see.
    let top = 0;
    for (let i = 0; i < h.train.rows; i++) top = Math.max(top, Math.abs(h.train.data[i * h.train.cols] as number));
    const w = new Float64Array(h.train.cols);
    w[0] = (4 * 7.8) / top;
    const resume = async (self: string) => (self === 'host1' ? { epochs: 0, stopped: false, w, best: { weights: w.slice(), epoch: 0 } } : undefined);
    const training = { epochs: 1, batchSize: 4096, learningRate: 0.15, l2: 0, seed: 3 };
    await expect(federate([g, hostParts], yTrain, yEval, training, { resume })).rejects.toMatchObject({
      code: 'FM_ERR_HE_RANGE',
      message: expect.stringMatching(/^training \(host1, epoch 1, batch 1\): partial scores reached \|¼u\| = 7\.80, above this party's share 3\.750/),
    });
  }, 120_000);

  it('resumed from a stored checkpoint, ends with exactly the model of an uninterrupted run (mini-batches, early stopping)', async () => {
    const data = readVertical('breast');
    const mask = validationMask(data.ids, 0.3, 7);
    const parts = [split(data.guest, mask), split(data.host, mask)];
    const yTrain = Uint8Array.from(maskIndices(mask, 0), (i) => data.y[i] as number);
    const yEval = Uint8Array.from(maskIndices(mask, 1), (i) => data.y[i] as number);
    const training = { epochs: 4, batchSize: 160, learningRate: 0.15, l2: 0.01, seed: 3, earlyStopping: { patience: 3, minDelta: 0.0001 } };
    const workDir = await mkdtemp(join(tmpdir(), 'fedmark-vlr-resume-'));
    const stores = new Map(['guest', 'host1'].map((self) => [self, new JobCheckpoints(join(workDir, self), 'job-test', 'tables')]));
    for (const c of stores.values()) await c.savePsi(0, new Uint32Array(0));
    const full = await federate(parts, yTrain, yEval, training, { checkpoint: (self, epochs, state) => (stores.get(self) as JobCheckpoints).saveEpoch(0, epochs, state) });
    expect(await stores.get('guest')?.held()).toEqual({ psi: 0, epochs: [4, 3] });
    // A second run that picks up after epoch 3 from the files, as a resumed attempt does.
    const resumed = await federate(parts, yTrain, yEval, training, { resume: (self) => (stores.get(self) as JobCheckpoints).loadEpoch(0, 3) });
    expect([...resumed.guest.weights]).toEqual([...full.guest.weights]);
    expect(resumed.guest.intercept).toBe(full.guest.intercept);
    expect([...(resumed.hostModels[0]?.weights ?? [])]).toEqual([...(full.hostModels[0]?.weights ?? [])]);
    expect(resumed.guest.history).toEqual(full.guest.history);
    expect(resumed.guest.epochsRun).toBe(full.guest.epochsRun);
    expect([...resumed.guest.evalScores]).toEqual([...full.guest.evalScores]);
    // Only the last epoch ran again: the arbiter saw a quarter of the decryptions.
    expect(resumed.seenByArbiter.length * 4).toBe(full.seenByArbiter.length);
  }, 120_000);
});
