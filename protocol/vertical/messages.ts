// Vertical logistic regression messages between parties, inside the end-to-end channel (the
// coordinator relays them sealed). Payloads: BFV ciphertexts (packed with packBlobs) or float64
// vectors (little-endian), packed as in protocol/peer/blobs.ts.
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
