// Typed view of the part of sodium-native (libsodium 1.0.x bindings) that the PSI code uses.
// Primitives: X25519 (RFC 7748) via crypto_scalarmult, BLAKE2b (RFC 7693) via crypto_generichash,
// and the OS CSPRNG via randombytes_buf.
// sodium-native ships no type declarations; we load it through createRequire and check the
// functions exist, instead of declaring a global ambient module that other folders would inherit.
// Loading is thread-safe: the addon is context-aware, so every worker thread gets its own copy.

import { createRequire } from 'node:module';

export interface SodiumSubset {
  /** q = X25519(n, p); throws when the result is all zero (p of low order). */
  crypto_scalarmult(q: Uint8Array, n: Uint8Array, p: Uint8Array): void;
  /** out = BLAKE2b(input) with |out| bytes of output, unkeyed when key is omitted. */
  crypto_generichash(out: Uint8Array, input: Uint8Array, key?: Uint8Array): void;
  randombytes_buf(buf: Uint8Array): void;
}

function isSodiumSubset(value: unknown): value is SodiumSubset {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.crypto_scalarmult === 'function' &&
    typeof v.crypto_generichash === 'function' &&
    typeof v.randombytes_buf === 'function'
  );
}

const loaded: unknown = createRequire(import.meta.url)('sodium-native');
if (!isSodiumSubset(loaded)) {
  throw new Error('sodium-native does not export crypto_scalarmult, crypto_generichash and randombytes_buf');
}

export const sodium: SodiumSubset = loaded;
