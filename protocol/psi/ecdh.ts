// Commutative blinding for ECDH-PSI (Meadows 1986; Huberman, Franklin & Hogg 1999) with X25519
// (RFC 7748) on the u-coordinates of hashed points (hash.ts), which lie in the subgroup of prime
// order ℓ of Curve25519. Design note protocols.md, section PSI.
//
// X25519(k, u) clamps k (clears bits 0-2 and 255, sets bit 254), so blinding with a then b gives
// clamp(a)·clamp(b)·P = blinding with b then a: the double-blinded values of a common ID agree.
// Clamped scalars are multiples of the cofactor, so any small-order part of a point is erased,
// and a point of the prime-order subgroup stays in it.
//
// Parameters: one fresh 32-byte scalar per party per job (newScalar), never reused, never sent.
// Steps (design note): 1. A sends a·H(x); 2. B returns b·(a·H(x)) in A's order and sends b·H(y)
// shuffled; 3. A computes a·(b·H(y)) and matches (match.ts).
// What each role learns: the peer sees only blinded points a·H(x), all in the prime-order
// subgroup, which reveal nothing about the ID beyond what DDH in that group allows (nothing,
// under the assumption). Only double-blinded values can be compared, and only the party holding
// both lists learns which match.
// No twist bit: hash.ts maps every ID into the prime-order subgroup (Elligator 2 and cofactor
// clearing), never onto the quadratic twist. Before (v1), the digest itself was the u-coordinate,
// about half of the points were on the twist, blinding kept each on its side, and the side (a
// public Legendre symbol) showed one bit of H(x) in every blinded value.
// A point of low order makes libsodium return an all-zero result; we refuse it (FM_ERR_PSI_POINT)
// because it would match every other low-order point and carries no information.

import { FedmarkError } from '../../errors/table.ts';
import { checkPoints, checkScalar, POINT_BYTES, SCALAR_BYTES } from './check.ts';
import { hashIdsToPoints } from './hash.ts';
import { drawBytes, randomBytes, type RandomBytes } from './random.ts';
import { sodium } from './sodium.ts';

/** A fresh secret scalar: 32 random bytes (X25519 clamps them when used). */
export function newScalar(random: RandomBytes = randomBytes): Uint8Array {
  // Copy (not .slice(), which is a view on a Buffer) so a caller's buffer never aliases the key.
  const scalar = new Uint8Array(SCALAR_BYTES);
  scalar.set(drawBytes(random, SCALAR_BYTES));
  return scalar;
}

/**
 * Writes scalar·P for every packed point of `points` into `out` (which may be `points` itself).
 * Exported for the worker; callers check their inputs first.
 */
export function blindInto(out: Uint8Array, points: Uint8Array, scalar: Uint8Array): void {
  const scratch = new Uint8Array(POINT_BYTES);
  const count = points.length / POINT_BYTES;
  for (let i = 0; i < count; i++) {
    const at = i * POINT_BYTES;
    try {
      sodium.crypto_scalarmult(scratch, scalar, points.subarray(at, at + POINT_BYTES));
    } catch (cause) {
      // Lengths are checked, so the only failure left is libsodium's all-zero (low-order) result.
      throw new FedmarkError('FM_ERR_PSI_POINT', { index: i }, { cause });
    }
    out.set(scratch, at);
  }
  scratch.fill(0);
}

/** Packed scalar·P for every 32-byte point P of `points`, in the same order. */
export function blindPoints(points: Uint8Array, scalar: Uint8Array): Uint8Array {
  checkPoints('points', points);
  checkScalar('scalar', scalar);
  const out = new Uint8Array(points.length);
  blindInto(out, points, scalar);
  return out;
}

/** scalar·H(id) for every id: hashIdsToPoints followed by blindPoints, without a second buffer. */
export function hashAndBlind(ids: readonly string[], jobId: string, scalar: Uint8Array): Uint8Array {
  checkScalar('scalar', scalar);
  const points = hashIdsToPoints(ids, jobId);
  blindInto(points, points, scalar);
  return points;
}
