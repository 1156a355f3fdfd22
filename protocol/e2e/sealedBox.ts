// Anonymous sealed boxes (libsodium crypto_box_seal: ephemeral X25519 + XSalsa20-Poly1305) for
// files a person sends to one party through the coordinator, e.g. a lookalike seed list: only the
// holder of the party's secret key can open them, the coordinator relays bytes it cannot read.
import sodium from 'sodium-native';
import { FedmarkError } from '../../errors/table.ts';

export const BOX_PUBLIC_KEY_BYTES = sodium.crypto_box_PUBLICKEYBYTES;

export interface BoxKeyPair {
  publicKey: Buffer;
  secretKey: Buffer;
}

export function newBoxKeyPair(): BoxKeyPair {
  const publicKey = Buffer.alloc(sodium.crypto_box_PUBLICKEYBYTES);
  const secretKey = sodium.sodium_malloc(sodium.crypto_box_SECRETKEYBYTES);
  sodium.crypto_box_keypair(publicKey, secretKey);
  return { publicKey, secretKey };
}

export function sealTo(publicKey: Uint8Array, message: Uint8Array): Buffer {
  if (publicKey.length !== BOX_PUBLIC_KEY_BYTES) throw new FedmarkError('FM_ERR_WIRE_MALFORMED', { reason: `a sealing key has ${BOX_PUBLIC_KEY_BYTES} bytes, got ${publicKey.length}` });
  const out = Buffer.alloc(message.length + sodium.crypto_box_SEALBYTES);
  sodium.crypto_box_seal(out, view(message), view(publicKey));
  return out;
}

/** Opens a sealed box; `from` names the sender in the error when it was not sealed to this key or was altered. */
export function openSealed(keys: BoxKeyPair, sealed: Uint8Array, from: string): Buffer {
  if (sealed.length < sodium.crypto_box_SEALBYTES) throw new FedmarkError('FM_ERR_WIRE_DECRYPT', { from });
  const out = Buffer.alloc(sealed.length - sodium.crypto_box_SEALBYTES);
  if (!sodium.crypto_box_seal_open(out, view(sealed), keys.publicKey, keys.secretKey)) throw new FedmarkError('FM_ERR_WIRE_DECRYPT', { from });
  return out;
}

function view(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
