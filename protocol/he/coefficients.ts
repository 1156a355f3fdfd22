// Coefficient access to BFV plaintexts and fixed-point encoding, for the coefficient-packed inner
// product (design note protocols.md, "Making X_pᵀ·Enc(d) cheap"; BFV: Brakerski 2012, Fan &
// Vercauteren 2012, as implemented by Microsoft SEAL 4.1 through node-seal 7).
//
// node-seal 7 has no coefficient setter, so a plaintext is built by writing SEAL's serialised form
// and loading it (`Plaintext.loadFromArray`), and read back with `saveToArray`. The layout, found by
// saving known plaintexts and pinned by known-answer vectors (vectors.gen.ts → coefficients.test.ts):
//   1. SEALHeader, 16 bytes: magic 0xA15E (uint16 LE), header size 16 (uint8), SEAL version 4.1
//      (two uint8), compression mode (uint8: 0 none, 1 zlib, 2 zstd), 2 reserved zero bytes, total
//      size in bytes including this header (uint64 LE).
//   2. Plaintext members: parms_id (4 × uint64; all zero for a plaintext not in NTT form),
//      coefficient count (uint64), scale (float64, 1.0 for BFV).
//   3. The coefficient array, itself serialised as a SEAL DynArray: a second 16-byte SEALHeader
//      (size = 24 + 8·count), the count again (uint64), then the coefficients (uint64 LE each).
// A ciphertext has the same header, then parms_id, is-NTT-form (uint8), size (uint64, 2 here),
// poly modulus degree N, coefficient-modulus count L, scale (float64), correction factor (uint64),
// and a DynArray of size·L·N uint64: polynomial-major, then prime-major, then coefficient.
//
// Fixed point: a real v is the integer round(v·2^f) in Z_t, negative values as t − |round(v·2^f)|.
// A product of two such values carries scale 2^(2f). t is a power of two of at most 52 bits here,
// so every residue, mask and sum of two residues is an exact JavaScript number.
// What each role learns: nothing; local encoding only.

import type { Ciphertext, MainModule, Plaintext, SEALContext } from 'node-seal';
import { FedmarkError } from '../../errors/table.ts';
import { checkBytes, checkInteger, inputError, sealReason } from './check.ts';

export const SEAL_MAGIC = 0xa15e;
export const SEAL_HEADER_BYTES = 16;
const SEAL_VERSION_MAJOR = 4;
const SEAL_VERSION_MINOR = 1;
const PARMS_ID_BYTES = 32;
/** Header, parms_id, count, scale, then the DynArray's header and count: where coefficient 0 starts. */
export const PLAINTEXT_DATA_OFFSET = SEAL_HEADER_BYTES + PARMS_ID_BYTES + 8 + 8 + SEAL_HEADER_BYTES + 8;
/** Header, parms_id, NTT flag, size, N, L, scale, correction factor, DynArray header and count. */
export const CIPHERTEXT_DATA_OFFSET = SEAL_HEADER_BYTES + PARMS_ID_BYTES + 1 + 8 + 8 + 8 + 8 + 8 + SEAL_HEADER_BYTES + 8;

const TWO_32 = 2 ** 32;

function writeHeader(view: DataView, offset: number, totalBytes: number): void {
  view.setUint16(offset, SEAL_MAGIC, true);
  view.setUint8(offset + 2, SEAL_HEADER_BYTES);
  view.setUint8(offset + 3, SEAL_VERSION_MAJOR);
  view.setUint8(offset + 4, SEAL_VERSION_MINOR);
  view.setUint8(offset + 5, 0); // compression: none
  view.setUint16(offset + 6, 0, true);
  view.setBigUint64(offset + 8, BigInt(totalBytes), true);
}

/** Writes a non-negative integer below 2^53 as a little-endian uint64. */
function setUint64(view: DataView, offset: number, value: number): void {
  const lo = value % TWO_32;
  view.setUint32(offset, lo, true);
  view.setUint32(offset + 4, (value - lo) / TWO_32, true);
}

function getUint64(view: DataView, offset: number): number {
  const hi = view.getUint32(offset + 4, true);
  if (hi >= 2 ** 21) throw new FedmarkError('FM_ERR_HE_INPUT', { param: 'plaintext', expected: 'coefficients below 2^53', got: 'a larger coefficient' });
  return hi * TWO_32 + view.getUint32(offset, true);
}

/**
 * SEAL's serialised form (compression none) of the plaintext Σ coeffs[i]·X^i, not in NTT form.
 * Every coefficient must be an integer in [0, t); `t` is the plain modulus (≤ 2^53).
 */
export function plaintextBytes(coeffs: ArrayLike<number>, t: number, maxCount?: number): Uint8Array {
  const count = coeffs.length;
  if (maxCount !== undefined && count > maxCount) throw inputError('coeffs', `at most ${maxCount} coefficients`, `${count}`);
  const total = PLAINTEXT_DATA_OFFSET + 8 * count;
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  writeHeader(view, 0, total);
  let o = SEAL_HEADER_BYTES + PARMS_ID_BYTES; // parms_id stays zero
  setUint64(view, o, count);
  view.setFloat64(o + 8, 1.0, true);
  o += 16;
  writeHeader(view, o, SEAL_HEADER_BYTES + 8 + 8 * count);
  setUint64(view, o + SEAL_HEADER_BYTES, count);
  o = PLAINTEXT_DATA_OFFSET;
  for (let i = 0; i < count; i++, o += 8) {
    const c = coeffs[i] as number;
    if (!Number.isSafeInteger(c) || c < 0 || c >= t) {
      throw inputError(`coeffs[${i}]`, `an integer in [0, t) with t = 2^${Math.log2(t)}`, Number.isSafeInteger(c) ? 'an integer out of range' : 'a non-integer');
    }
    setUint64(view, o, c);
  }
  return bytes;
}

function checkHeader(param: string, view: DataView, offset: number, expectedBytes?: number): number {
  if (view.byteLength < offset + SEAL_HEADER_BYTES) throw inputError(param, 'a SEAL object', 'fewer bytes than a SEAL header');
  if (view.getUint16(offset, true) !== SEAL_MAGIC || view.getUint8(offset + 2) !== SEAL_HEADER_BYTES) {
    throw inputError(param, 'a SEAL object', 'no SEAL header');
  }
  if (view.getUint8(offset + 5) !== 0) throw inputError(param, 'an uncompressed SEAL object', 'a compressed one');
  const size = Number(view.getBigUint64(offset + 8, true));
  if (expectedBytes !== undefined && size !== expectedBytes) throw inputError(param, `a SEAL object of ${expectedBytes} bytes`, `${size}`);
  return size;
}

/**
 * The coefficients of a plaintext in SEAL's uncompressed serialised form (not NTT form), as a
 * Float64Array of length `N` (missing high coefficients are zero).
 */
export function readPlaintextBytes(bytes: Uint8Array, N: number): Float64Array {
  checkBytes('bytes', bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  checkHeader('bytes', view, 0, bytes.length);
  for (let i = 0; i < PARMS_ID_BYTES; i++) {
    if (bytes[SEAL_HEADER_BYTES + i] !== 0) throw inputError('bytes', 'a plaintext not in NTT form', 'an NTT-form plaintext');
  }
  const count = getUint64(view, SEAL_HEADER_BYTES + PARMS_ID_BYTES);
  if (count > N || bytes.length !== PLAINTEXT_DATA_OFFSET + 8 * count) {
    throw inputError('bytes', `at most ${N} coefficients filling the buffer`, `${count} coefficients in ${bytes.length} bytes`);
  }
  const out = new Float64Array(N);
  for (let i = 0, o = PLAINTEXT_DATA_OFFSET; i < count; i++, o += 8) out[i] = getUint64(view, o);
  return out;
}

/** Loads the plaintext Σ coeffs[i]·X^i (integers in [0, t), at most N of them) into SEAL. */
export function plaintextFromCoefficients(seal: MainModule, context: SEALContext, coeffs: ArrayLike<number>, t: number, N: number): Plaintext {
  const bytes = plaintextBytes(coeffs, t, N);
  const pt = new seal.Plaintext();
  try {
    pt.loadFromArray(context, bytes);
  } catch (err) {
    pt.delete();
    throw new FedmarkError('FM_ERR_HE_INPUT', { param: 'coeffs', expected: 'coefficients SEAL accepts', got: sealReason(err) }, { cause: err });
  }
  return pt;
}

/** All N coefficients of a (non-NTT) plaintext, e.g. a decryption. */
export function coefficientsOf(pt: Plaintext, N: number, seal: MainModule): Float64Array {
  const bytes = pt.saveToArray(seal.ComprModeType.none) as Uint8Array;
  return readPlaintextBytes(bytes, N);
}

/**
 * SEAL's serialised form of a ciphertext with explicit RNS polynomials: `polys[k]` holds
 * polynomial k as L·N residues, prime-major (residues of prime j at j·N … j·N + N − 1), each below
 * that prime. Used for the noise-flooding term (E, 0) and the all-zero result (0, 0). parms_id is
 * the level's parameter id (4 × uint64).
 */
export function ciphertextBytes(parmsId: BigUint64Array, N: number, L: number, polys: readonly Float64Array[]): Uint8Array {
  const size = polys.length;
  const count = size * L * N;
  const total = CIPHERTEXT_DATA_OFFSET + 8 * count;
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  writeHeader(view, 0, total);
  let o = SEAL_HEADER_BYTES;
  for (let i = 0; i < 4; i++, o += 8) view.setBigUint64(o, parmsId[i] as bigint, true);
  view.setUint8(o, 0); // not NTT form
  o += 1;
  setUint64(view, o, size);
  setUint64(view, o + 8, N);
  setUint64(view, o + 16, L);
  view.setFloat64(o + 24, 1.0, true);
  setUint64(view, o + 32, 1); // correction factor (BGV only; 1 for BFV)
  o += 40;
  writeHeader(view, o, SEAL_HEADER_BYTES + 8 + 8 * count);
  setUint64(view, o + SEAL_HEADER_BYTES, count);
  o = CIPHERTEXT_DATA_OFFSET;
  for (const poly of polys) {
    if (poly.length !== L * N) throw inputError('polys', `${L * N} residues per polynomial`, `${poly.length}`);
    for (let i = 0; i < poly.length; i++, o += 8) setUint64(view, o, poly[i] as number);
  }
  return bytes;
}

/** Loads bytes made by ciphertextBytes (SEAL checks every residue against its prime). */
export function ciphertextFromBytes(seal: MainModule, context: SEALContext, bytes: Uint8Array): Ciphertext {
  const ct = new seal.Ciphertext();
  try {
    ct.loadFromArray(context, bytes);
  } catch (err) {
    ct.delete();
    throw new FedmarkError('FM_ERR_HE_INPUT', { param: 'polys', expected: 'residues below their primes', got: sealReason(err) }, { cause: err });
  }
  return ct;
}

// ---- fixed point -------------------------------------------------------------------------------

export interface FixedPoint {
  /** Fractional bits f: v is stored as round(v·2^f). */
  fractionalBits: number;
  /** Plain modulus t, a power of two ≤ 2^52. */
  t: number;
}

/** round(v·2^f) as a residue in [0, t); |round(v·2^f)| must stay below `limit` (default t/2). */
export function encodeFixed(param: string, v: number, fp: FixedPoint, limit = fp.t / 2): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw inputError(param, 'a finite number', typeof v === 'number' ? String(v) : typeof v);
  const s = Math.round(v * 2 ** fp.fractionalBits) + 0; // + 0 turns −0 into 0
  if (Math.abs(s) >= limit) {
    throw new FedmarkError('FM_ERR_HE_RANGE', { param, reason: `|value|·2^${fp.fractionalBits} must stay below 2^${Math.log2(limit).toFixed(1)}` });
  }
  return s < 0 ? fp.t + s : s;
}

/** Encodes a whole vector (see encodeFixed); names the first bad index. */
export function encodeFixedVector(param: string, values: ArrayLike<number>, fp: FixedPoint, limit = fp.t / 2): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = encodeFixed(`${param}[${i}]`, values[i] as number, fp, limit);
  return out;
}

/** The signed integer a residue in [0, t) stands for: r − t when r ≥ t/2. */
export function centered(r: number, t: number): number {
  return r >= t / 2 ? r - t : r;
}

/** The real value of a residue at scale 2^scaleBits (f for an encoded value, 2f for a product). */
export function decodeFixed(r: number, t: number, scaleBits: number): number {
  checkInteger('r', r, 0, t - 1);
  return centered(r, t) / 2 ** scaleBits;
}
