// Hash of customer IDs onto the prime-order subgroup of Curve25519, as X25519 u-coordinates:
// step 1 of ECDH-PSI (Meadows 1986; Huberman, Franklin & Hogg 1999; design note protocols.md,
// section PSI).
//
// H(x) = u-coordinate of E = from_uniform(r), where
//     r = BLAKE2b-256 (RFC 7693, unkeyed) of
//         "fedmark/psi/v2" || be32(len(jobId)) || jobId || be32(len(id)) || id
// with jobId and id in UTF-8 and lengths in bytes, and from_uniform is libsodium's
// crypto_core_ed25519_from_uniform: Elligator 2 (Bernstein, Hamburg, Krasnova & Lange 2013; the
// Montgomery map of RFC 9380 section 6.7.1 with Z = 2) on bits 0-254 of r, mapped to edwards25519
// with the sign of x taken from bit 255, then multiplied by the cofactor 8. So E has prime order ℓ
// (libsodium's ge25519_clear_cofactor). The u-coordinate is u = (1 + y)/(1 - y) mod 2^255 - 19 of
// E = (x, y), written as 32 bytes little-endian (RFC 7748 section 5); the sign of x does not
// change it, since u is shared by E and -E.
//
// Why not the digest itself as u (v1 did that): about half of all u lie on the quadratic twist,
// X25519 keeps a point on its side, and the side is public (a Legendre symbol of u^3 + A·u^2 + u),
// so every blinded value a·H(x) showed one bit of H(x), against which a peer could test guessed
// IDs. Every H(x) is now a point of the prime-order group, and X25519's clamped scalars (multiples
// of 8) keep it there: no twist bit, so a blinded value reveals nothing about x beyond what DDH in
// that group allows. from_uniform is an encoding (one Elligator map, like RFC 9380's
// encode_to_curve), not the two-map hash_to_curve: its outputs are not uniform on the group
// (points have different numbers of preimages), which blinding hides; the map is efficiently
// invertible, so a random-oracle proof can still program H.
//
// The conversion u = (1 + y)/(1 - y) is done here, with BigInt arithmetic and one inversion per
// batch of BATCH points (Montgomery's trick), instead of libsodium's
// crypto_sign_ed25519_pk_to_curve25519: that one first multiplies by ℓ to check the subgroup,
// which E needs not, and costs more than the X25519 blinding itself. The tests check that both
// agree. V8's BigInt operations on 255-bit operands follow the same digit loops for all but a
// negligible fraction of values, but this is not audited constant-time code; the values are
// hashes of our own IDs, and only the time of a whole task is observable from outside.
//
// Why the length prefixes: without them ("job-1", "2x") and ("job-12", "x") would hash the same
// bytes, so an ID could be made to collide with an ID of another job. With both lengths in front,
// the encoding is injective: every (jobId, id) pair has exactly one byte string. The tag names the
// protocol and its version, so these hashes never collide with another use of BLAKE2b; v2 marks
// the change of mapping, so a v1 and a v2 party never match by accident.
//
// Parameters: jobId (domain separation: hashes from different jobs are unrelated, so blinded
// values cannot be linked across jobs even if a scalar leaked). IDs arrive normalised by the
// caller (trim, case-fold); lone surrogates are refused because UTF-8 would merge them.
// What each role learns: nothing; hashing is local. H(x) itself is never sent, only a·H(x).
// Errors: FM_ERR_PSI_INPUT for bad arguments; FM_ERR_PSI_POINT if an ID maps to the identity
// (1 - y = 0), which needs a BLAKE2b output in a set of a few dozen values out of 2^256.

import { FedmarkError } from '../../errors/table.ts';
import { checkString, checkStrings, POINT_BYTES } from './check.ts';
import { sodium } from './sodium.ts';

export const HASH_DOMAIN = 'fedmark/psi/v2';

/** Points per field inversion in the Edwards-to-Montgomery conversion. */
const BATCH = 1024;

const utf8 = new TextEncoder();

/** Packed 32-byte points, point i at offset 32·i, for ids in the order given. */
export function hashIdsToPoints(ids: readonly string[], jobId: string): Uint8Array {
  checkStrings('ids', ids);
  checkString('jobId', jobId, true);

  // 1. Prefix shared by every ID of the job: tag || be32(len(jobId)) || jobId.
  const job = utf8.encode(jobId);
  const tag = utf8.encode(HASH_DOMAIN);
  const prefixLength = tag.length + 4 + job.length;
  const idStart = prefixLength + 4;
  let scratch = new Uint8Array(idStart + 256);
  let view = new DataView(scratch.buffer);
  const writePrefix = (): void => {
    scratch.set(tag, 0);
    view.setUint32(tag.length, job.length);
    scratch.set(job, tag.length + 4);
  };
  writePrefix();

  const out = new Uint8Array(ids.length * POINT_BYTES);
  const digest = new Uint8Array(POINT_BYTES);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] as string;
    // UTF-8 needs at most 3 bytes per UTF-16 code unit.
    if (scratch.length < idStart + 3 * id.length) {
      scratch = new Uint8Array(idStart + 3 * id.length);
      view = new DataView(scratch.buffer);
      writePrefix();
    }
    // 2. be32(len(id)) || id after the prefix, 3. BLAKE2b-256, 4. Elligator 2 and cofactor 8,
    // giving the Edwards point in slot i.
    const { written } = utf8.encodeInto(id, scratch.subarray(idStart));
    view.setUint32(prefixLength, written);
    sodium.crypto_generichash(digest, scratch.subarray(0, idStart + written));
    sodium.crypto_core_ed25519_from_uniform(out.subarray(i * POINT_BYTES, (i + 1) * POINT_BYTES), digest);
  }
  digest.fill(0);
  scratch.fill(0);
  // 5. Every slot from Edwards (y and the sign of x) to the Montgomery u, in place.
  edwardsToMontgomery(out);
  return out;
}

// Arithmetic mod p = 2^255 - 19 on BigInt.
const P = (1n << 255n) - 19n;
const MASK_64 = (1n << 64n) - 1n;
const MASK_63 = (1n << 63n) - 1n;

const mul = (a: bigint, b: bigint): bigint => (a * b) % P;

function squareTimes(a: bigint, n: number): bigint {
  let r = a;
  for (let i = 0; i < n; i++) r = (r * r) % P;
  return r;
}

/** z^(p - 2) = 1/z for z ≠ 0, with the addition chain of ref10's fe25519_invert (254 S + 11 M). */
function invert(z: bigint): bigint {
  const z2 = mul(z, z);
  const z9 = mul(squareTimes(z2, 2), z);
  const z11 = mul(z9, z2);
  const z2_5_0 = mul(mul(z11, z11), z9); //     z^(2^5 - 1)
  const z2_10_0 = mul(squareTimes(z2_5_0, 5), z2_5_0);
  const z2_20_0 = mul(squareTimes(z2_10_0, 10), z2_10_0);
  const z2_40_0 = mul(squareTimes(z2_20_0, 20), z2_20_0);
  const z2_50_0 = mul(squareTimes(z2_40_0, 10), z2_10_0);
  const z2_100_0 = mul(squareTimes(z2_50_0, 50), z2_50_0);
  const z2_200_0 = mul(squareTimes(z2_100_0, 100), z2_100_0);
  const z2_250_0 = mul(squareTimes(z2_200_0, 50), z2_50_0);
  return mul(squareTimes(z2_250_0, 5), z11); // z^(2^255 - 32 + 11) = z^(p - 2)
}

/**
 * Replaces each packed edwards25519 point (canonical y, sign of x in bit 255) by its X25519
 * u = (1 + y)/(1 - y); FM_ERR_PSI_POINT with its index for the identity (y = 1). No other check:
 * the points come from from_uniform. Exported for the tests.
 */
export function edwardsToMontgomery(points: Uint8Array): void {
  const count = points.length / POINT_BYTES;
  const view = new DataView(points.buffer, points.byteOffset, points.byteLength);
  const numerators: bigint[] = [];
  const prefixes: bigint[] = [];
  const denominators: bigint[] = [];
  for (let start = 0; start < count; start += BATCH) {
    const n = Math.min(BATCH, count - start);
    // Prefix products of the denominators 1 - y, then one inversion for the whole batch.
    let product = 1n;
    for (let j = 0; j < n; j++) {
      const at = (start + j) * POINT_BYTES;
      // y < p: libsodium writes it canonical; bit 255 is the sign of x, dropped.
      const y =
        view.getBigUint64(at, true) |
        (view.getBigUint64(at + 8, true) << 64n) |
        (view.getBigUint64(at + 16, true) << 128n) |
        ((view.getBigUint64(at + 24, true) & MASK_63) << 192n);
      const denominator = (P + 1n - y) % P;
      if (denominator === 0n) throw new FedmarkError('FM_ERR_PSI_POINT', { index: start + j });
      numerators[j] = (1n + y) % P;
      denominators[j] = denominator;
      prefixes[j] = product;
      product = mul(product, denominator);
    }
    let inverse = invert(product); // 1/(d_0 ··· d_{n-1})
    for (let j = n - 1; j >= 0; j--) {
      const d = denominators[j] as bigint;
      const u = mul(numerators[j] as bigint, mul(inverse, prefixes[j] as bigint)); // (1 + y)/d_j
      inverse = mul(inverse, d); // 1/(d_0 ··· d_{j-1})
      const at = (start + j) * POINT_BYTES;
      view.setBigUint64(at, u & MASK_64, true);
      view.setBigUint64(at + 8, (u >> 64n) & MASK_64, true);
      view.setBigUint64(at + 16, (u >> 128n) & MASK_64, true);
      view.setBigUint64(at + 24, u >> 192n, true);
    }
  }
}
