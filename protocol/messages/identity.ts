// A public key's endorsement on the wire (protocol/identity/signedKey.ts): the owner's Ed25519
// identity public key and its signature over the key's binding, both hex.
import { Type, type Static } from '@sinclair/typebox';

export const KeyEndorsementSchema = Type.Object(
  { identity: Type.String({ pattern: '^[0-9a-f]{64}$' }), signature: Type.String({ pattern: '^[0-9a-f]{128}$' }) },
  { additionalProperties: false },
);
export type KeyEndorsementWire = Static<typeof KeyEndorsementSchema>;
