// The PSI messages parties exchange inside the end-to-end channel (the coordinator sees none of
// them, only sealed sizes). Payloads are packed 32-byte X25519 points, or uint32 LE indices.
// Order on each side: hello; once both hellos are in, items, then the removed handles and the
// blinded chunks; the guest ends with the result. Chunk k holds entries k·chunkSize onwards
// (result chunks: k·RESULT_CHUNK onwards).
import { Type } from '@sinclair/typebox';
import { createCodec, type Frame } from '../envelope.ts';

const Count = Type.Integer({ minimum: 0, maximum: 2 ** 31 });
const Chunk = Type.Object({ chunk: Count }, { additionalProperties: false });
const Hex32 = Type.String({ pattern: '^[0-9a-f]{64}$' });

/** Entries of a psi.result chunk: 1 MiB of uint32 handles, well below any frame limit. */
export const RESULT_CHUNK = 1 << 18;

export const PSI_SCHEMAS = {
  /**
   * Sent first by each side: its set size and chunk size, and, when its config reuses blinded sets
   * with this partner, a fresh nonce and the tag of the state it holds for the pair (reuse.ts).
   */
  'psi.hello': Type.Object(
    {
      rows: Count,
      chunkSize: Type.Integer({ minimum: 1, maximum: 1 << 20 }),
      reuse: Type.Optional(Type.Object({ nonce: Hex32, tag: Type.Optional(Hex32) }, { additionalProperties: false })),
    },
    { additionalProperties: false },
  ),
  /**
   * How many blinded items this side streams (all its IDs, or the added ones of an incremental
   * run); a host's items get the handles base, base + 1, …, and `removed` handles follow in
   * psi.removed chunks.
   */
  'psi.items': Type.Object({ items: Count, base: Count, removed: Count }, { additionalProperties: false }),
  /** Host -> guest: handles the host no longer holds (incremental runs only). */
  'psi.removed': Chunk,
  /** Guest -> host: a·H(x) for a chunk of the guest's items, in the guest's order. */
  'psi.guest-blinded': Chunk,
  /** Host -> guest: b·a·H(x) for that chunk, same order. */
  'psi.guest-reblinded': Chunk,
  /** Host -> guest: b·H(y) for a chunk of the host's items, in a secret shuffled order. */
  'psi.host-blinded': Chunk,
  /** Guest -> host: that chunk is re-blinded and stored (flow control: the host keeps a few chunks in flight). */
  'psi.ack': Chunk,
  /** Guest -> host: a chunk of the host's handles of the intersection, in canonical order (uint32 LE). */
  'psi.result': Type.Object({ size: Count, chunk: Count }, { additionalProperties: false }),
};

export const psiCodec = createCodec(PSI_SCHEMAS);
export type PsiFrame = Frame<typeof PSI_SCHEMAS>;
