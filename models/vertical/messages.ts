// Message bodies every vertical model may use between its parties. A model declares its
// ciphertext messages with EncryptedPart: the runtime sends a whole encrypted vector as several
// such messages (no frame may exceed the link's limit) and reassembles it.
import { Type, type Static, type TSchema } from '@sinclair/typebox';

/** A model's messages between its parties: kind → body schema. */
export type MessageTable = Record<string, TSchema>;

const Int = Type.Integer({ minimum: 0, maximum: 2 ** 31 });

/** Part `part` of `parts` of one step's ciphertexts (epoch, batch). */
export const EncryptedPart = Type.Object({ epoch: Int, batch: Int, part: Int, parts: Type.Integer({ minimum: 1, maximum: 4096 }) }, { additionalProperties: false });
export type EncryptedPart = Static<typeof EncryptedPart>;

/** The kinds of a model's messages whose body is an EncryptedPart. */
export type PartKinds<T extends MessageTable> = { [K in keyof T & string]: T[K] extends typeof EncryptedPart ? K : never }[keyof T & string];
