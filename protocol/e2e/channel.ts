// End-to-end channel between two parties of one job, relayed by the coordinator.
//
// Key agreement: libsodium crypto_kx (X25519 + BLAKE2b, giving one key per direction) on fresh
// per-job key pairs; the party whose id sorts first takes the kx "client" side. Messages: XChaCha20-
// Poly1305 (IETF) with a random 192-bit nonce; the associated data binds the protocol label, the job,
// sender, receiver and a per-direction counter, so the relay cannot redirect, replay, reorder or
// drop-and-continue without the receiver noticing.
// What the relay learns: who talks to whom, when, and the ciphertext sizes.
// Trust: the coordinator relays the public keys, each signed by its owner's long-term identity key
// over (owner, job, attempt, purpose, key) and checked against the receiver's pin before a Channel
// is built (protocol/identity/signedKey.ts), so a substituted key fails the job instead of opening it.
//
// Wire form of one sealed message: counter (8 bytes, big-endian) || nonce (24) || ciphertext || tag (16).

import sodium from 'sodium-native';
import { FedmarkError } from '../../errors/table.ts';

const LABEL = 'fedmark/e2e/v1';
const COUNTER_BYTES = 8;
const NONCE_BYTES = sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
const TAG_BYTES = sodium.crypto_aead_xchacha20poly1305_ietf_ABYTES;
export const PUBLIC_KEY_BYTES = sodium.crypto_kx_PUBLICKEYBYTES;
export const SEAL_OVERHEAD = COUNTER_BYTES + NONCE_BYTES + TAG_BYTES;

export interface KeyPair {
  publicKey: Buffer;
  secretKey: Buffer;
}

export function newKeyPair(): KeyPair {
  const publicKey = Buffer.alloc(sodium.crypto_kx_PUBLICKEYBYTES);
  const secretKey = sodium.sodium_malloc(sodium.crypto_kx_SECRETKEYBYTES);
  sodium.crypto_kx_keypair(publicKey, secretKey);
  return { publicKey, secretKey };
}

/** One direction-aware channel from `self` to `peer` within `job`. */
export class Channel {
  readonly job: string;
  readonly self: string;
  readonly peer: string;
  private readonly tx: Buffer;
  private readonly rx: Buffer;
  private sendCounter = 0n;
  private receiveCounter = 0n;

  constructor(job: string, self: string, peer: string, own: KeyPair, peerPublicKey: Uint8Array) {
    if (peerPublicKey.length !== PUBLIC_KEY_BYTES) {
      throw new FedmarkError('FM_ERR_WIRE_MALFORMED', { reason: `public key of ${peer} has ${peerPublicKey.length} bytes, expected ${PUBLIC_KEY_BYTES}` });
    }
    if (self === peer) throw new FedmarkError('FM_ERR_INTERNAL', { reason: 'a channel needs two different parties' });
    this.job = job;
    this.self = self;
    this.peer = peer;
    this.rx = sodium.sodium_malloc(sodium.crypto_kx_SESSIONKEYBYTES);
    this.tx = sodium.sodium_malloc(sodium.crypto_kx_SESSIONKEYBYTES);
    const peerKey = Buffer.from(peerPublicKey);
    if (self < peer) sodium.crypto_kx_client_session_keys(this.rx, this.tx, own.publicKey, own.secretKey, peerKey);
    else sodium.crypto_kx_server_session_keys(this.rx, this.tx, own.publicKey, own.secretKey, peerKey);
  }

  seal(plaintext: Uint8Array): Buffer {
    const counter = this.sendCounter++;
    const out = Buffer.allocUnsafe(SEAL_OVERHEAD + plaintext.length);
    out.writeBigUInt64BE(counter, 0);
    const nonce = out.subarray(COUNTER_BYTES, COUNTER_BYTES + NONCE_BYTES);
    sodium.randombytes_buf(nonce);
    sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
      out.subarray(COUNTER_BYTES + NONCE_BYTES),
      Buffer.from(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength),
      associatedData(this.job, this.self, this.peer, counter),
      null,
      nonce,
      this.tx,
    );
    return out;
  }

  /** Throws FM_ERR_WIRE_DECRYPT on a forged, truncated, replayed or reordered message. */
  open(sealed: Uint8Array): Buffer {
    if (sealed.length < SEAL_OVERHEAD) throw new FedmarkError('FM_ERR_WIRE_DECRYPT', { from: this.peer });
    const buf = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
    const counter = buf.readBigUInt64BE(0);
    if (counter !== this.receiveCounter) throw new FedmarkError('FM_ERR_WIRE_DECRYPT', { from: this.peer });
    const nonce = buf.subarray(COUNTER_BYTES, COUNTER_BYTES + NONCE_BYTES);
    const ciphertext = buf.subarray(COUNTER_BYTES + NONCE_BYTES);
    const plain = Buffer.allocUnsafe(ciphertext.length - TAG_BYTES);
    try {
      sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
        plain, null, ciphertext, associatedData(this.job, this.peer, this.self, counter), nonce, this.rx,
      );
    } catch (err) {
      throw new FedmarkError('FM_ERR_WIRE_DECRYPT', { from: this.peer }, { cause: err });
    }
    this.receiveCounter++;
    return plain;
  }

  /**
   * A 32-byte key both ends derive alike and the relay cannot, for values the two parties keep
   * beyond this job's messages (scoring handles). Bound to `label`, the job and the pair.
   */
  deriveKey(label: string): Buffer {
    // Both ends order the two session keys the same way: the kx client's transmit key first.
    const [first, second] = this.self < this.peer ? [this.tx, this.rx] : [this.rx, this.tx];
    const [a, b] = this.self < this.peer ? [this.self, this.peer] : [this.peer, this.self];
    const out = Buffer.alloc(32);
    const key = Buffer.alloc(sodium.crypto_generichash_KEYBYTES);
    sodium.crypto_generichash_batch(key, [first, second]);
    sodium.crypto_generichash(out, Buffer.concat([lengthPrefixed(`${LABEL}/derive/${label}`), lengthPrefixed(this.job), lengthPrefixed(a), lengthPrefixed(b)]), key);
    return out;
  }
}

function associatedData(job: string, from: string, to: string, counter: bigint): Buffer {
  const counterBytes = Buffer.alloc(8);
  counterBytes.writeBigUInt64BE(counter);
  return Buffer.concat([lengthPrefixed(LABEL), lengthPrefixed(job), lengthPrefixed(from), lengthPrefixed(to), counterBytes]);
}

function lengthPrefixed(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(bytes.length);
  return Buffer.concat([len, bytes]);
}
