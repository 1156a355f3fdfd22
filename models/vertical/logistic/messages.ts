// Vertical logistic regression's messages between parties, inside the end-to-end channel (the
// coordinator relays them sealed). Ciphertext messages carry EncryptedParts; vlr.final and
// vlr.scores carry float64 vectors.
import { Type } from '@sinclair/typebox';
import { EncryptedPart } from '../messages.ts';
import { EXPLAIN_MESSAGES } from '../../explain/messages.ts';

const Int = Type.Integer({ minimum: 0, maximum: 2 ** 31 });

export const LOGISTIC_MESSAGES = {
  /** Host -> guest: how many prepared features it trains on (an aggregate that fixes the packing layout). */
  'vlr.hello': Type.Object({ features: Int }, { additionalProperties: false }),
  /** Guest -> hosts: feature counts of guest (with intercept) and hosts, in the job's host order. */
  'vlr.layout': Type.Object({ counts: Type.Array(Int, { minItems: 2, maxItems: 64 }) }, { additionalProperties: false }),
  /** Host -> guest, step 1: Enc(¼·u_k) for the batch's rows. */
  'vlr.u': EncryptedPart,
  /** Guest -> host, step 2: Enc(d) for the batch's rows. */
  'vlr.d': EncryptedPart,
  /** Host -> guest after each epoch: Enc(¼u_k) on the evaluation rows (`batch` = the epoch's batch count). */
  'vlr.evalU': EncryptedPart,
  /** Guest -> host: Enc(¼U), U = Σ_k u_k on the evaluation rows. */
  'vlr.evalD': EncryptedPart,
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
  /** After training, with explain.iv: federated information value (models/explain/federatedIv.ts). */
  ...EXPLAIN_MESSAGES,
};
export type LogisticMessages = typeof LOGISTIC_MESSAGES;

/**
 * The training step a decryption belongs to: the arbiter derives the step's layout from it (rows
 * and every party's feature count, guest first with its intercept, as in vlr.layout) and serves
 * each party only the result positions and the number of results that step produces.
 */
export const LogisticStep = Type.Object(
  {
    epoch: Int,
    batch: Int,
    rows: Type.Integer({ minimum: 1, maximum: 2 ** 31 }),
    counts: Type.Array(Int, { minItems: 2, maxItems: 64 }),
    /** The evaluation round after an epoch's batches (batch = their count): one result of one value per party. */
    evaluation: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
