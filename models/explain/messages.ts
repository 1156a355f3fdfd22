// The messages of federated information value between the guest and its hosts (inside the
// end-to-end channel), and the arbiter step its one decryption names. A vertical model that offers
// `explain: { iv: true }` adds EXPLAIN_MESSAGES to its own table and IvStep to its arbiter's steps.
import { Type } from '@sinclair/typebox';
import { EncryptedPart } from '../vertical/messages.ts';

const Int = Type.Integer({ minimum: 0, maximum: 2 ** 31 });

export const EXPLAIN_MESSAGES = {
  /** Host -> guest: how many bin columns it has (a count: it fixes the layout, and the host's decryption quota). */
  'iv.hello': Type.Object({ columns: Int }, { additionalProperties: false }),
  /** Guest -> hosts: every party's bin columns, guest first (0: its IV is its own, in plaintext). */
  'iv.layout': Type.Object({ rows: Type.Integer({ minimum: 1, maximum: 2 ** 31 }), counts: Type.Array(Int, { minItems: 2, maxItems: 64 }) }, { additionalProperties: false }),
  /** Guest -> hosts: Enc(y) on the training rows, under the arbiter's key (epoch 0, batch 0). */
  'iv.y': EncryptedPart,
};

/** The one decryption of federated IV: a host's per-bin sums of Enc(y), masked. */
export const IvStep = Type.Object(
  {
    iv: Type.Literal(true),
    rows: Type.Integer({ minimum: 1, maximum: 2 ** 31 }),
    counts: Type.Array(Int, { minItems: 2, maxItems: 64 }),
  },
  { additionalProperties: false },
);
