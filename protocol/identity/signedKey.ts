// Long-term party identities and the per-job keys they vouch for (protocols.md, "Identity and key
// authentication"). Each party holds an Ed25519 identity key (RFC 8032, libsodium crypto_sign);
// partners pin its fingerprint (SHA-256 of the 32-byte public key) out of band, as SSH known_hosts
// or Signal safety numbers do. Every per-job public key a party hands to the coordinator for
// relaying travels with a signature over (owner, job, attempt, purpose, key bytes), so a relay that
// substitutes a key, moves it to another job, attempt, purpose or party, or signs with its own
// identity is caught by the receiver before the key is used.
// What each role learns: the coordinator sees identity public keys and signatures (public values);
// it cannot forge a signature without the owner's identity secret key, which never leaves the party.
import { createHash } from 'node:crypto';
import sodium from 'sodium-native';
import { FedmarkError } from '../../errors/table.ts';

const LABEL = 'fedmark/key-binding/v1';
export const IDENTITY_KEY_BYTES = sodium.crypto_sign_PUBLICKEYBYTES;
export const SIGNATURE_BYTES = sodium.crypto_sign_BYTES;

/** What a key is for: the receiver checks the purpose it expects, so keys cannot be swapped between uses. */
export type KeyPurpose = 'e2e-x25519' | 'seed-upload-x25519';

/** The `job` of a long-term key's binding (the seed-upload key), which belongs to no job. */
export const NO_JOB = '';

export interface IdentityKeyPair {
  publicKey: Buffer;
  secretKey: Buffer;
}

/** The statement an identity signs: `owner`'s key `key` for `purpose` in attempt `attempt` of `job` (NO_JOB and 0 for a long-term key). */
export interface KeyBinding {
  owner: string;
  job: string;
  attempt: number;
  purpose: KeyPurpose;
  key: Uint8Array;
}

/** What travels next to a per-job key: the owner's identity public key and its signature. */
export interface KeyEndorsement {
  identity: Uint8Array;
  signature: Uint8Array;
}

export function newIdentity(): IdentityKeyPair {
  const publicKey = Buffer.alloc(sodium.crypto_sign_PUBLICKEYBYTES);
  const secretKey = sodium.sodium_malloc(sodium.crypto_sign_SECRETKEYBYTES);
  sodium.crypto_sign_keypair(publicKey, secretKey);
  return { publicKey, secretKey };
}

/** Rebuilds a key pair from its 64-byte secret key (libsodium keeps the public key in its second half). */
export function identityFromSecret(secret: Uint8Array): IdentityKeyPair {
  if (secret.length !== sodium.crypto_sign_SECRETKEYBYTES) {
    throw new FedmarkError('FM_ERR_INTERNAL', { reason: `an identity secret key has ${sodium.crypto_sign_SECRETKEYBYTES} bytes, got ${secret.length}` });
  }
  const secretKey = sodium.sodium_malloc(sodium.crypto_sign_SECRETKEYBYTES);
  Buffer.from(secret).copy(secretKey);
  const publicKey = Buffer.alloc(sodium.crypto_sign_PUBLICKEYBYTES);
  sodium.crypto_sign_ed25519_sk_to_pk(publicKey, secretKey);
  return { publicKey, secretKey };
}

/** A fingerprint as people write it: 32 bytes of hex, colons optional (the form the TLS pin takes too). */
export const FINGERPRINT_PATTERN = '^([0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2}$';

/** SHA-256 of the identity public key, as colon-separated upper-case hex (the form the TLS pin uses too). */
export function fingerprint(identity: Uint8Array): string {
  const hex = createHash('sha256').update(identity).digest('hex').toUpperCase();
  return hex.match(/../g)?.join(':') ?? '';
}

/** A pinned fingerprint in canonical form: colons optional and case ignored in the config. */
export function normaliseFingerprint(text: string): string {
  const hex = text.replaceAll(':', '').toUpperCase();
  if (!new RegExp(FINGERPRINT_PATTERN).test(text) || hex.length !== 64) throw new FedmarkError('FM_ERR_INTERNAL', { reason: 'a fingerprint is 32 bytes of hex, colons optional' });
  return hex.match(/../g)?.join(':') ?? '';
}

export function signKey(identity: IdentityKeyPair, binding: KeyBinding): KeyEndorsement {
  const signature = Buffer.alloc(SIGNATURE_BYTES);
  sodium.crypto_sign_detached(signature, bindingMessage(binding), identity.secretKey);
  return { identity: Buffer.from(identity.publicKey), signature };
}

/**
 * Checks that `binding.key` is vouched for by the identity pinned for `binding.owner`. `pins` maps
 * partner ids to fingerprints. Throws FM_ERR_AUTH_PEER_KEY naming the partner: no pin, no
 * endorsement, an identity other than the pinned one, or a signature over anything else.
 */
export function verifyKey(pins: Readonly<Record<string, string>>, binding: KeyBinding, endorsement: KeyEndorsement | undefined): void {
  const refuse = (reason: string) => new FedmarkError('FM_ERR_AUTH_PEER_KEY', { party: binding.owner, purpose: binding.purpose, reason });
  const pinned = Object.hasOwn(pins, binding.owner) ? pins[binding.owner] : undefined;
  if (pinned === undefined) throw refuse(`no identity fingerprint is pinned for ${binding.owner} in this party's knownPartners`);
  if (!endorsement) throw refuse('the key came without a signature');
  if (endorsement.identity.length !== IDENTITY_KEY_BYTES || endorsement.signature.length !== SIGNATURE_BYTES) throw refuse('malformed identity key or signature');
  const presented = fingerprint(endorsement.identity);
  if (presented !== normaliseFingerprint(pinned)) throw refuse(`signed by identity ${presented}, not the pinned one`);
  const ok = sodium.crypto_sign_verify_detached(Buffer.from(endorsement.signature), bindingMessage(binding), Buffer.from(endorsement.identity));
  if (!ok) throw refuse(`the signature does not cover this key for job ${binding.job}, attempt ${binding.attempt}`);
}

/** Length-prefixed fields under a protocol label, so no two different bindings share a message. */
function bindingMessage(b: KeyBinding): Buffer {
  if (!Number.isSafeInteger(b.attempt) || b.attempt < 0) throw new FedmarkError('FM_ERR_INTERNAL', { reason: 'attempt must be a non-negative integer' });
  const attempt = Buffer.alloc(8);
  attempt.writeBigUInt64BE(BigInt(b.attempt));
  return Buffer.concat([field(Buffer.from(LABEL)), field(Buffer.from(b.owner)), field(Buffer.from(b.job)), attempt, field(Buffer.from(b.purpose)), field(b.key)]);
}

function field(bytes: Uint8Array): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(bytes.length);
  return Buffer.concat([len, bytes]);
}
