// Party-to-party messages carried by the coordinator. The payload is an end-to-end AEAD
// ciphertext (protocol/e2e/channel.ts): the coordinator sees the two party ids and the size.
import { Type } from '@sinclair/typebox';
import { PartyId } from './job.ts';

export const RelaySend = Type.Object({ to: PartyId }, { additionalProperties: false });
export const RelayDeliver = Type.Object({ from: PartyId }, { additionalProperties: false });
