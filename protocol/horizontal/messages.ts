// Messages between horizontal members, inside the end-to-end channel (the coordinator relays
// them sealed): the key holder hands the job's CKKS secret key to every other member.
import { Type } from '@sinclair/typebox';
import { createCodec, type Frame } from '../envelope.ts';

export const HFL_PEER_SCHEMAS = {
  /** Payload: the CKKS secret key (SEAL serialisation). */
  'hfl.key': Type.Object({}, { additionalProperties: false }),
};

export const hflPeerCodec = createCodec(HFL_PEER_SCHEMAS);
export type HflPeerFrame = Frame<typeof HFL_PEER_SCHEMAS>;
