// Typed view of the part of sodium-native (libsodium 1.0.x bindings) that the PSI code uses.
// Primitives: X25519 (RFC 7748) via crypto_scalarmult, BLAKE2b (RFC 7693) via crypto_generichash,
// libsodium's Elligator 2 map onto edwards25519 via crypto_core_ed25519_from_uniform, the
// Edwards-to-Montgomery conversion crypto_sign_ed25519_pk_to_curve25519 (the tests' cross-check of
// hash.ts), and the OS CSPRNG via randombytes_buf.
// sodium-native ships no type declarations; we load it through createRequire and check the
// functions exist, instead of declaring a global ambient module that other folders would inherit.
// Loading is thread-safe: the addon is context-aware, so every worker thread gets its own copy.

import { createRequire } from 'node:module';

export interface SodiumSubset {
  /** q = X25519(n, p); throws when the result is all zero (p of low order). */
  crypto_scalarmult(q: Uint8Array, n: Uint8Array, p: Uint8Array): void;
  /** out = BLAKE2b(input) with |out| bytes of output, unkeyed when key is omitted. */
  crypto_generichash(out: Uint8Array, input: Uint8Array, key?: Uint8Array): void;
  /**
   * p = 8·Elligator2(r) as a 32-byte edwards25519 point: bits 0-254 of r (little-endian, mod
   * 2^255 - 19) are mapped, bit 255 picks the sign of x, and the cofactor is cleared, so p lies in
   * the subgroup of prime order ℓ (or is the identity, for a negligible set of r).
   */
  crypto_core_ed25519_from_uniform(p: Uint8Array, r: Uint8Array): void;
  /**
   * x25519pk = u = (1 + y)/(1 - y) of the edwards25519 point ed25519pk; throws unless that point
   * decodes, is not of small order and lies in the prime-order subgroup (a multiplication by ℓ).
   */
  crypto_sign_ed25519_pk_to_curve25519(x25519pk: Uint8Array, ed25519pk: Uint8Array): void;
  randombytes_buf(buf: Uint8Array): void;
}

const REQUIRED = [
  'crypto_scalarmult',
  'crypto_generichash',
  'crypto_core_ed25519_from_uniform',
  'crypto_sign_ed25519_pk_to_curve25519',
  'randombytes_buf',
] as const;

function isSodiumSubset(value: unknown): value is SodiumSubset {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return REQUIRED.every((name) => typeof v[name] === 'function');
}

const loaded: unknown = createRequire(import.meta.url)('sodium-native');
if (!isSodiumSubset(loaded)) {
  throw new Error(`sodium-native does not export ${REQUIRED.join(', ')}`);
}

export const sodium: SodiumSubset = loaded;
