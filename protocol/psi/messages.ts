// The PSI messages parties exchange inside the end-to-end channel (the coordinator sees none of
// them, only sealed sizes). Payloads are packed 32-byte X25519 points, or uint32 indices.
import { Type } from '@sinclair/typebox';
import { createCodec, type Frame } from '../envelope.ts';

const Count = Type.Integer({ minimum: 0, maximum: 2 ** 31 });
const Chunk = Type.Object({ chunk: Count }, { additionalProperties: false });

export const PSI_SCHEMAS = {
  /** Sent first by each side: how many IDs it will send, in chunks of how many. */
  'psi.hello': Type.Object({ rows: Count, chunkSize: Type.Integer({ minimum: 1, maximum: 1 << 20 }) }, { additionalProperties: false }),
  /** Guest -> host: a·H(x) for a chunk of the guest's IDs, in the guest's order. */
  'psi.guest-blinded': Chunk,
  /** Host -> guest: b·a·H(x) for that chunk, same order. */
  'psi.guest-reblinded': Chunk,
  /** Host -> guest: b·H(y) for a chunk of the host's IDs, in a secret shuffled order. */
  'psi.host-blinded': Chunk,
  /** Guest -> host: the host's shuffled positions of the intersection, in canonical order (uint32 LE). */
  'psi.result': Type.Object({ size: Count }, { additionalProperties: false }),
};

export const psiCodec = createCodec(PSI_SCHEMAS);
export type PsiFrame = Frame<typeof PSI_SCHEMAS>;
