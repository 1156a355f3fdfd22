// Vertical logistic regression messages between parties, inside the end-to-end channel (the
// coordinator relays them sealed). Payloads: BFV ciphertexts (packed with packBlobs) or float64
// vectors (little-endian).
import { Type } from '@sinclair/typebox';
import { createCodec, type Frame } from '../envelope.ts';

const Int = Type.Integer({ minimum: 0, maximum: 2 ** 31 });
/** Ciphertext lists are split into parts so that no frame exceeds the link's limit. */
const Step = Type.Object({ epoch: Int, batch: Int, part: Int, parts: Type.Integer({ minimum: 1, maximum: 4096 }) }, { additionalProperties: false });

export const VLR_SCHEMAS = {
  /** Host -> guest: how many prepared features it trains on (an aggregate that fixes the packing layout). */
  'vlr.hello': Type.Object({ features: Int }, { additionalProperties: false }),
  /** Guest -> hosts: feature counts of guest (with intercept) and hosts, in the job's host order. */
  'vlr.layout': Type.Object({ counts: Type.Array(Int, { minItems: 2, maxItems: 64 }) }, { additionalProperties: false }),
  /** Host -> guest, step 1: Enc(¼·u_k) for the batch's rows. */
  'vlr.u': Step,
  /** Guest -> host, step 2: Enc(d) for the batch's rows. */
  'vlr.d': Step,
  /** Host -> guest after each epoch: Enc(¼u_k) on the evaluation rows (`batch` = the epoch's batch count). */
  'vlr.evalU': Step,
  /** Guest -> host: Enc(¼U), U = Σ_k u_k on the evaluation rows. */
  'vlr.evalD': Step,
  /** Host -> guest after each epoch: ⟨u_k, U⟩ on the evaluation rows, one number (for the loss's Σ U²). */
  'vlr.eval': Type.Object({ epoch: Int, product: Type.Number() }, { additionalProperties: false }),
  /** Host -> guest once, after the last epoch: u_k of the best epoch's weights on the evaluation rows (float64), for the final metrics. */
  'vlr.final': Type.Object({ epoch: Int }, { additionalProperties: false }),
  /** Guest -> host after evaluating an epoch: go on, or stop and keep the weights of `best`. */
  'vlr.epoch': Type.Object({ epoch: Int, stop: Type.Boolean(), best: Int }, { additionalProperties: false }),
  /**
   * Host -> guest after training a lookalike model: the host's partial scores u_k of the best epoch
   * on every row of the intersection (float64, rows [from, from + count)), so the guest can rank the
   * whole population and cut the audience at its own premises.
   */
  'vlr.scores': Type.Object({ from: Int, count: Int, part: Int, parts: Type.Integer({ minimum: 1, maximum: 1 << 20 }) }, { additionalProperties: false }),
};

export const vlrCodec = createCodec(VLR_SCHEMAS);
export type VlrFrame = Frame<typeof VLR_SCHEMAS>;
export type VlrKind = keyof typeof VLR_SCHEMAS;

/** Length-prefixed concatenation of byte strings (ciphertexts): u32 count, then u32 length + bytes each. */
export function packBlobs(blobs: readonly Uint8Array[]): Buffer {
  const total = 4 + blobs.reduce((s, b) => s + 4 + b.length, 0);
  const out = Buffer.allocUnsafe(total);
  out.writeUInt32LE(blobs.length, 0);
  let at = 4;
  for (const b of blobs) {
    out.writeUInt32LE(b.length, at);
    out.set(b, at + 4);
    at += 4 + b.length;
  }
  return out;
}

export function unpackBlobs(bytes: Uint8Array | undefined, param: string): Uint8Array[] {
  const buf = bytes ?? new Uint8Array(0);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length < 4) throw new Error(`${param}: no blob count`);
  const count = view.getUint32(0, true);
  const out: Uint8Array[] = [];
  let at = 4;
  for (let i = 0; i < count; i++) {
    if (at + 4 > buf.length) throw new Error(`${param}: blob ${i} has no length`);
    const len = view.getUint32(at, true);
    if (at + 4 + len > buf.length) throw new Error(`${param}: blob ${i} runs past the end`);
    out.push(new Uint8Array(buf.buffer, buf.byteOffset + at + 4, len));
    at += 4 + len;
  }
  if (at !== buf.length) throw new Error(`${param}: ${buf.length - at} trailing bytes`);
  return out;
}

export function float64Bytes(values: Float64Array): Buffer {
  const out = Buffer.allocUnsafe(values.length * 8);
  for (let i = 0; i < values.length; i++) out.writeDoubleLE(values[i] as number, i * 8);
  return out;
}

export function readFloat64(bytes: Uint8Array | undefined, expected: number, param: string): Float64Array {
  const buf = bytes ?? new Uint8Array(0);
  if (buf.length !== expected * 8) throw new Error(`${param}: ${buf.length} bytes, expected ${expected * 8}`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out = new Float64Array(expected);
  for (let i = 0; i < expected; i++) out[i] = view.getFloat64(i * 8, true);
  return out;
}
