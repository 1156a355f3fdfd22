// What a party's vertical-LR loop needs from its surroundings: peers (sealed relay), the arbiter
// (masked decryption), its prepared data and the BFV objects. The loops in guest.ts and host.ts use
// only this, so they can be driven in-process by tests as well as over the network.
import type { Logger } from 'pino';
import type { Ciphertext } from 'node-seal';
import type { Bfv, PartyKey } from '../../../protocol/he/bfv.ts';
import { deserializeCiphertext, serializeCiphertext } from '../../../protocol/he/bfv.ts';
import { encryptedXtD, groupCount, makeLayout, maskResult, packFeatures, quarterScoreShare, recommendChunkLength, resultPositions, unmask, type Layout, type MaskedResult, type PackedFeatures } from '../../../protocol/he/innerProduct.ts';
import { FedmarkError } from '../../../errors/table.ts';
import type { Inbox } from '../../../protocol/peer/inbox.ts';
import { type VlrFrame, type VlrKind, VLR_SCHEMAS } from '../../../protocol/vertical/messages.ts';
import { packBlobs, unpackBlobs } from '../../../protocol/peer/blobs.ts';
import type { Training } from '../../../protocol/messages/training.ts';
import type { HeStep, TrainProgress } from '../../../protocol/messages/train.ts';
import type { Matrix } from '../../../models/matrix.ts';
import type { Static } from '@sinclair/typebox';

/** At most this many ciphertexts (~0.5 MB each at the first level) travel in one frame. */
export const CIPHERTEXTS_PER_FRAME = 8;

export interface VerticalContext {
  job: string;
  self: string;
  guest: string;
  /** Host ids in the job's order; every party uses this order for the layout. */
  hosts: readonly string[];
  training: Required<Pick<Training, 'epochs' | 'batchSize' | 'learningRate' | 'l2' | 'seed'>> & Training;
  bfv: Bfv;
  key: PartyKey;
  send: <K extends VlrKind>(peer: string, kind: K, body: Static<(typeof VLR_SCHEMAS)[K]>, payload?: Uint8Array) => void;
  inbox: Inbox<VlrFrame>;
  /** Sends the masked results of `step` to the arbiter and returns the masked residues at their positions. */
  decrypt: (masked: readonly MaskedResult[], step: HeStep) => Promise<Float64Array[]>;
  progress: (p: TrainProgress) => void;
  log: Logger;
  /** Aborted when the job is paused or cancelled: the loops stop at the next batch. */
  signal?: AbortSignal;
  /** Stores the state after `epochs` completed epochs (the party's own secret, kept at its premises). */
  checkpoint?: (epochs: number, state: unknown) => Promise<void>;
}

export interface Prepared {
  train: Matrix;
  evaluation: Matrix;
  featureNames: string[];
}

/** The chunk length every party derives from the same public numbers. */
export function layoutFor(ctx: VerticalContext, rows: number, counts: readonly number[]): Layout {
  return makeLayout(ctx.bfv.N, rows, recommendChunkLength(ctx.bfv.N, rows, counts));
}

/** The messages that carry ciphertexts: Enc(¼u_k) and Enc(d) of a batch, Enc(¼u_k) and Enc(¼U) of an evaluation. */
export type CiphertextKind = 'vlr.u' | 'vlr.d' | 'vlr.evalU' | 'vlr.evalD';

/** Sends a list of ciphertexts in parts. */
export function sendCiphertexts(ctx: VerticalContext, peer: string, kind: CiphertextKind, epoch: number, batch: number, blobs: readonly Uint8Array[]): void {
  const parts = Math.max(1, Math.ceil(blobs.length / CIPHERTEXTS_PER_FRAME));
  for (let part = 0; part < parts; part++) {
    const slice = blobs.slice(part * CIPHERTEXTS_PER_FRAME, (part + 1) * CIPHERTEXTS_PER_FRAME);
    ctx.send(peer, kind, { epoch, batch, part, parts }, packBlobs(slice));
  }
}

/** Collects all parts of one step's ciphertexts from `peer` and loads them. */
export async function receiveCiphertexts(ctx: VerticalContext, peer: string, kind: CiphertextKind, epoch: number, batch: number, layout: Layout): Promise<Ciphertext[]> {
  const first = await ctx.inbox.take((it) => it.from === peer && it.frame.kind === kind && sameStep(it.frame, epoch, batch, 0));
  const parts = (first.frame.body as { parts: number }).parts;
  const frames = [first];
  for (let part = 1; part < parts; part++) {
    frames.push(await ctx.inbox.take((it) => it.from === peer && it.frame.kind === kind && sameStep(it.frame, epoch, batch, part)));
  }
  const blobs = frames.flatMap((f) => unpackBlobs(f.frame.payload, `${kind} from ${peer}`));
  if (blobs.length !== layout.chunks) throw new Error(`${kind} from ${peer}: ${blobs.length} ciphertexts, expected ${layout.chunks}`);
  return blobs.map((b, i) => deserializeCiphertext(ctx.bfv, b, `${kind}[${i}] from ${peer}`, 'first'));
}

function sameStep(frame: VlrFrame, epoch: number, batch: number, part: number): boolean {
  const b = frame.body as { epoch: number; batch: number; part: number };
  return b.epoch === epoch && b.batch === batch && b.part === part;
}

export function serializeAll(ctx: VerticalContext, cts: readonly Ciphertext[]): Uint8Array[] {
  return cts.map((ct) => serializeCiphertext(ctx.bfv, ct));
}

/**
 * Xᵀd for the batch `step`, through the arbiter (which checks the request against the step): encrypted product, masked before it leaves, decrypted
 * by the arbiter as uniform residues, unmasked here. `packed` is reused when the batch is the
 * same every epoch (full batch).
 */
export async function encryptedGradient(ctx: VerticalContext, dCts: Ciphertext[], packed: PackedFeatures, step: { epoch: number; batch: number; counts: readonly number[]; evaluation?: boolean }): Promise<Float64Array> {
  const { layout, cols } = packed;
  const products = encryptedXtD(ctx.bfv, dCts, packed);
  const masked = products.map((ct, g) => maskResult(ctx.bfv, ctx.key, ct, resultPositions(layout, Math.min(layout.k, cols - g * layout.k))));
  const values = await ctx.decrypt(masked, { epoch: step.epoch, batch: step.batch, rows: layout.rows, counts: [...step.counts], ...(step.evaluation ? { evaluation: true } : {}) });
  const out = new Float64Array(cols);
  for (let g = 0; g < groupCount(layout, cols); g++) {
    const plain = unmask(ctx.bfv, values[g] as Float64Array, (masked[g] as MaskedResult).masks);
    out.set(plain, g * layout.k);
  }
  return out;
}

/** counts: the layout's feature counts, guest first, so counts.length − 1 hosts sum into Enc(d). */
/** The layout of the evaluation round: one value per party on the evaluation rows. */
export function evaluationLayout(ctx: VerticalContext, rows: number, counts: readonly number[]): Layout {
  return layoutFor(ctx, rows, counts.map(() => 1));
}

export function pack(ctx: VerticalContext, x: Matrix, layout: Layout, counts: readonly number[]): PackedFeatures {
  return packFeatures(ctx.bfv, x.data, x.rows, x.cols, layout, counts.length - 1);
}

/**
 * d = Σ_k ¼u_k + ¼u_G + ½ − y must stay within ±maxAbsD on the training rows while encrypted, where
 * nobody can check it: each party checks its own ¼u_p against its share (quarterScoreShare) before
 * it goes into Enc(d).
 */
export function checkShare(ctx: VerticalContext, quarter: Float64Array, counts: readonly number[], where: string): void {
  const share = quarterScoreShare(ctx.bfv.maxAbsD, counts.length - 1);
  let max = 0;
  for (const v of quarter) max = Math.max(max, Math.abs(v));
  if (!(max <= share)) {
    throw new FedmarkError('FM_ERR_HE_RANGE', {
      param: `training (${ctx.self}, ${where})`,
      reason: `partial scores reached |¼u| = ${Number.isFinite(max) ? max.toFixed(2) : 'infinity'}, above this party's share ${share.toFixed(3)} of the encrypted range (|d| = |Σ ¼u + ½ − y| ≤ ${ctx.bfv.maxAbsD} over ${counts.length} parties); the model diverges — lower learningRate (now ${ctx.training.learningRate}) or standardise the features`,
    });
  }
}

/** w ← w − lr·(g/|B| + l2·w), the intercept (last weight of the guest) without l2. */
export function applyGradient(w: Float64Array, xtd: Float64Array, batchRows: number, lr: number, l2: number, interceptIndex = -1): void {
  for (let j = 0; j < w.length; j++) {
    const reg = j === interceptIndex ? 0 : l2 * (w[j] as number);
    w[j] = (w[j] as number) - lr * ((xtd[j] as number) / batchRows + reg);
  }
}

/** u = X·w for the given rows (no intercept). */
export function partialScores(x: Matrix, w: Float64Array, rows?: ArrayLike<number>): Float64Array {
  const n = rows ? rows.length : x.rows;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = rows ? (rows[i] as number) : i;
    let s = 0;
    const base = r * x.cols;
    for (let j = 0; j < x.cols; j++) s += (x.data[base + j] as number) * (w[j] as number);
    out[i] = s;
  }
  return out;
}
