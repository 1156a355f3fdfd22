// A frame that was rejected. The reason travels in the envelope's `error`; the link stays up.
import { Type } from '@sinclair/typebox';

export const ErrorReply = Type.Object(
  { rejectedSeq: Type.Optional(Type.Integer({ minimum: 0 })) },
  { additionalProperties: false },
);
