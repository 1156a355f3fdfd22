// Generator of the known-answer vectors pinned in hash.test.ts and ecdh.test.ts, computed
// independently of sodium-native: BLAKE2b (RFC 7693) from @noble/hashes, the RFC 9380 Elligator 2
// map with cofactor clearing, edwards25519 arithmetic and X25519 (RFC 7748) from @noble/curves,
// with the encoding of hash.ts re-implemented here from its specification:
//   r = BLAKE2b-256("fedmark/psi/v2" || be32(len(jobId)) || jobId || be32(len(id)) || id),
//   E = 8·Elligator2(r mod 2^255, sign of x = bit 255 of r),  H(x) = u = (1 + y)/(1 - y) of E.
// libsodium's crypto_core_ed25519_from_uniform and RFC 9380's map_to_curve_elligator2_edwards25519
// compute the same Montgomery point and the same Edwards y; they differ only in how they pick the
// sign of x (libsodium: bit 255 of r; RFC 9380: sgn0 of the Montgomery v). Multiplying by 8
// commutes with negation, so both give the same y, hence the same u. Here:
//   u     from ed25519_hasher.mapToCurve (noble's public RFC 9380 map, cofactor cleared), and
//   bytes of E with libsodium's sign rule, from noble's Montgomery map and Point arithmetic,
// each checked against the other (E = ±mapToCurve) and against ed25519.utils.toMontgomery.
// Parameters: the fixed inputs below. Roles: none (test data only).
// Run: npx node protocol/psi/vectors.gen.ts

import { blake2b } from '@noble/hashes/blake2.js';
import { _map_to_curve_elligator2_curve25519, ed25519, ed25519_hasher, x25519 } from '@noble/curves/ed25519.js';

const Point = ed25519.Point;
const Fp = Point.Fp;

// noble 2.4 declares ed25519_hasher.mapToCurve with the type of its internal callback (bigint[] to
// an affine point); the public method takes one bigint (m = 1) and returns the cofactor-cleared
// Point (createHasher in @noble/curves/src/abstract/hash-to-curve.ts).
const mapToCurve = ed25519_hasher.mapToCurve as unknown as (t: bigint) => InstanceType<typeof Point>;

function be32(n: number): number[] {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
}

function utf8(s: string): number[] {
  return [...Buffer.from(s, 'utf8')];
}

function digest(id: string, jobId: string): Uint8Array {
  const job = utf8(jobId);
  const x = utf8(id);
  const message = Uint8Array.from([...utf8('fedmark/psi/v2'), ...be32(job.length), ...job, ...be32(x.length), ...x]);
  return blake2b(message, { dkLen: 32 });
}

/** Bits 0-254 of r, little-endian, reduced mod p: the field element libsodium maps. */
function fieldElement(r: Uint8Array): bigint {
  const low = Uint8Array.from(r);
  low[31] = (low[31] as number) & 0x7f;
  return Fp.create(Fp.fromBytes(low, true));
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function hashId(id: string, jobId: string): { edwards: Uint8Array; u: Uint8Array } {
  const r = digest(id, jobId);
  const t = fieldElement(r);
  // u from noble's own RFC 9380 map (its sign convention; u does not depend on it).
  const mapped = mapToCurve(t);
  const { y } = mapped.toAffine();
  const u = Fp.toBytes(Fp.div(Fp.add(Fp.ONE, y), Fp.sub(Fp.ONE, y)));
  // E with libsodium's sign rule: Edwards y = (xM - 1)/(xM + 1) of the Montgomery point, x of
  // parity bit 255 of r, then times the cofactor.
  const { xMn, xMd } = _map_to_curve_elligator2_curve25519(t);
  const yBytes = Fp.toBytes(Fp.div(Fp.sub(xMn, xMd), Fp.add(xMn, xMd)));
  yBytes[31] = (yBytes[31] as number) | ((r[31] as number) & 0x80);
  const point = Point.fromBytes(yBytes).clearCofactor();
  if (!point.equals(mapped) && !point.equals(mapped.negate())) throw new Error('E is not ±mapToCurve');
  if (hex(ed25519.utils.toMontgomery(point.toBytes())) !== hex(u)) throw new Error('toMontgomery disagrees');
  return { edwards: point.toBytes(), u };
}

const cases = [
  { ids: ['customer-1'], jobId: 'job-1' },
  { ids: ['customer-1', '', 'Zoë 🙂 ß'], jobId: 'job-1' },
  { ids: ['customer-1'], jobId: 'job-2' },
  // The pair the length prefixes keep apart from each other.
  { ids: ['2x'], jobId: 'job-1' },
  { ids: ['x'], jobId: 'job-12' },
];

const hashes = cases.map(({ ids, jobId }) => ({ ids, jobId, hex: ids.map((id) => hex(hashId(id, jobId).u)).join('') }));

// The intermediate values for H("customer-1") in job-1: digest, from_uniform output.
const first = hashId('customer-1', 'job-1');
const steps = { digest: hex(digest('customer-1', 'job-1')), edwards: hex(first.edwards), u: hex(first.u) };

// Blinding with a fixed scalar 0x01 0x02 … 0x20 (X25519 clamps it).
const scalar = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const blinded = x25519.scalarMult(scalar, first.u);

console.log(JSON.stringify({ hashes, steps, blind: { scalar: hex(scalar), point: hex(first.u), blinded: hex(blinded) } }, null, 2));
