// A frame that was rejected, with why; the link stays up. `rejectedSeq` names the frame when it
// could be read that far.
import { Type } from '@sinclair/typebox';
import { WireErrorSchema } from '../envelope.ts';

export const ErrorReply = Type.Object(
  { rejectedSeq: Type.Optional(Type.Integer({ minimum: 0 })), error: WireErrorSchema },
  { additionalProperties: false },
);
