// CKKS secure aggregation for horizontal federated learning (Cheon–Kim–Kim–Song 2017, as
// implemented by Microsoft SEAL 4.1 through node-seal 7). Members encrypt vectors (weighted model
// updates, sample counts, scaling sums, score histograms) under a secret key that only members
// hold; the coordinator adds ciphertexts with the public parameters alone and returns the sum.
//
// Parameters (CKKS_PARAMETERS), 128-bit security from SEAL's table (HE Standard, Albrecht et al.
// 2018; SEALContext checks tc128):
//   N = 8192 (4096 slots per ciphertext). The table allows 218 bits of coefficient modulus; we use
//   three 60-bit primes (180 bits): two data primes (120 bits) and the special prime. Only
//   additions are ever evaluated, so no rescaling and no relinearisation keys exist.
//   Scale Δ = 2^40: a value v is encoded as round(v·Δ) in the slots; |Σ v| must stay below
//   2^(120−1−40) = 2^79, which no sum of model weights, counts or Σx² of bank data reaches
//   (encodeVector checks |v| ≤ MAX_ABS_VALUE = 2^60 per contribution).
//   Precision: encoding plus fresh-encryption noise is about 2^-25 absolute per slot [measured in
//   ckks.test.ts]; sums of k members add roughly √k of that. Decrypted aggregates are rounded to
//   a grid of 2^-GRID_BITS (2^-20, well above the noise) before use: the rounded value no longer
//   carries the decryption noise, which would otherwise reveal information about the secret key
//   when results are shared (Li & Micciancio, "On the security of homomorphic encryption on
//   approximate numbers", EUROCRYPT 2021).
//   Sizes: a member's upload is a seeded symmetric encryption (half the polynomial is a PRNG seed),
//   about 131 kB per ciphertext; an aggregate is a full ciphertext, about 262 kB, or 131 kB when
//   the coordinator switches it down to the last level (one 60-bit prime; aggregateCiphertexts
//   with `compact`), which carries |sum| < 2^18 (COMPACT_MAX_ABS) at the same scale: enough for
//   sample-weighted model parameters, not for raw moments or counts.
//
// Key distribution: one member generates the secret key (generateMemberKey), serialises it
// (secretKeyBytes) and sends it to the other members over the end-to-end channel (the relay sees
// sealed bytes). The coordinator uses createCkks + aggregateCiphertexts only: no key object
// exists on its side. Anyone holding the key could decrypt an individual member's upload; every
// holder is a member, and members never see each other's uploads (they go to the coordinator).

import SEAL from 'node-seal';
import type { Ciphertext, Decryptor, Encryptor, MainModule, SEALContext, Evaluator, CKKSEncoder, ParmsIdType, SecretKey } from 'node-seal';
import { FedmarkError } from '../../errors/table.ts';
import { checkBytes, sealReason } from '../he/check.ts';
import { SEAL_HEADER_BYTES, SEAL_MAGIC } from '../he/coefficients.ts';

export const CKKS_PARAMETERS = Object.freeze({
  polyModulusDegree: 8192,
  coeffModulusBits: Object.freeze([60, 60, 60]),
  scaleBits: 40,
  /** Decrypted aggregates are rounded to multiples of 2^-gridBits. */
  gridBits: 20,
  /** Largest |value| one member may contribute. */
  maxAbsValue: 2 ** 60,
});

/** Largest |sum| a compact (last-level) aggregate carries: 2^(60 − 1 − 40) with one bit of margin. */
export const COMPACT_MAX_ABS = 2 ** 18;

export interface Ckks {
  readonly seal: MainModule;
  readonly context: SEALContext;
  readonly evaluator: Evaluator;
  readonly encoder: CKKSEncoder;
  /** The last level (one prime): where compact aggregates live. */
  readonly lastParmsId: ParmsIdType;
  readonly slots: number;
  readonly scale: number;
  /** Primes of the data level (the special prime excluded). */
  readonly dataPrimes: number;
  dispose(): void;
}

let sealModule: Promise<MainModule> | undefined;

function loadSeal(): Promise<MainModule> {
  sealModule ??= SEAL();
  return sealModule;
}

/** The public CKKS context: what the coordinator needs to add ciphertexts, and members to encode. */
export async function createCkks(): Promise<Ckks> {
  const seal = await loadSeal();
  const p = CKKS_PARAMETERS;
  const parms = new seal.EncryptionParameters(seal.SchemeType.ckks);
  parms.setPolyModulusDegree(p.polyModulusDegree);
  const coeff = seal.CoeffModulus.Create(p.polyModulusDegree, Int32Array.from(p.coeffModulusBits));
  parms.setCoeffModulus(coeff);
  const context = new seal.SEALContext(parms, true, seal.SecLevelType.tc128);
  coeff.delete();
  parms.delete();
  if (!context.parametersSet()) {
    context.delete();
    throw new FedmarkError('FM_ERR_HE_PARAMS', { reason: 'SEAL rejected the CKKS parameters at 128-bit security' });
  }
  const evaluator = new seal.Evaluator(context);
  const encoder = new seal.CKKSEncoder(context);
  const lastParmsId = context.lastParmsId();
  return Object.freeze({
    seal, context, evaluator, encoder, lastParmsId,
    slots: encoder.slotCount(),
    scale: 2 ** p.scaleBits,
    dataPrimes: p.coeffModulusBits.length - 1,
    dispose() {
      lastParmsId.delete();
      encoder.delete();
      evaluator.delete();
      context.delete();
    },
  });
}

/** Ciphertexts needed for a vector of `length` values. */
export function ciphertextCount(ckks: Ckks, length: number): number {
  return Math.max(1, Math.ceil(length / ckks.slots));
}

// ---- members: the shared secret key ------------------------------------------------------------

/** A member's handle on the job's CKKS secret key: encrypts uploads, decrypts aggregates. */
export class MemberKey {
  readonly #ckks: Ckks;
  readonly #secret: SecretKey;
  readonly #encryptor: Encryptor;
  readonly #decryptor: Decryptor;

  constructor(ckks: Ckks, secret: SecretKey) {
    this.#ckks = ckks;
    this.#secret = secret;
    const keygen = new ckks.seal.KeyGenerator(ckks.context, secret);
    const pk = keygen.createPublicKey();
    this.#encryptor = new ckks.seal.Encryptor(ckks.context, pk, secret);
    this.#decryptor = new ckks.seal.Decryptor(ckks.context, secret);
    pk.delete();
    keygen.delete();
  }

  /** The secret key's bytes, for the other members only (sent through the end-to-end channel). */
  secretKeyBytes(): Uint8Array {
    return new Uint8Array(this.#secret.saveToArray(this.#ckks.seal.ComprModeType.zstd) as Uint8Array);
  }

  /**
   * Encrypts `values` into ciphertexts of `slots` values each (the last padded with zeros), in
   * seeded symmetric form: the bytes to upload.
   */
  encryptVector(values: ArrayLike<number>, param = 'values', maxAbs = CKKS_PARAMETERS.maxAbsValue): Uint8Array[] {
    const ckks = this.#ckks;
    checkValues(param, values, maxAbs);
    const out: Uint8Array[] = [];
    const count = ciphertextCount(ckks, values.length);
    const chunk = new Float64Array(ckks.slots);
    for (let c = 0; c < count; c++) {
      chunk.fill(0);
      const from = c * ckks.slots;
      for (let i = 0; i < ckks.slots && from + i < values.length; i++) chunk[i] = values[from + i] as number;
      const pt = new ckks.seal.Plaintext();
      try {
        ckks.encoder.encode(chunk, ckks.scale, pt);
        const serializable = this.#encryptor.encryptSymmetricSerializable(pt);
        out.push(new Uint8Array(serializable.saveToArray(ckks.seal.ComprModeType.none) as Uint8Array));
        serializable.delete();
      } finally {
        pt.delete();
      }
    }
    return out;
  }

  /**
   * Decrypts an aggregate of `length` values and rounds every value to the 2^-gridBits grid
   * (Li–Micciancio: the noise must not leave the decryptor).
   */
  decryptVector(blobs: readonly Uint8Array[], length: number, param = 'aggregate'): Float64Array {
    const ckks = this.#ckks;
    const count = ciphertextCount(ckks, length);
    if (blobs.length !== count) throw new FedmarkError('FM_ERR_HE_CIPHERTEXT', { param, reason: `${blobs.length} ciphertexts, expected ${count}` });
    const out = new Float64Array(length);
    const grid = 2 ** CKKS_PARAMETERS.gridBits;
    for (const [c, bytes] of blobs.entries()) {
      const ct = loadCiphertext(ckks, bytes, `${param}[${c}]`);
      const pt = new ckks.seal.Plaintext();
      try {
        this.#decryptor.decrypt(ct, pt);
        const slots = ckks.encoder.decodeFloat64(pt) as Float64Array;
        const from = c * ckks.slots;
        for (let i = 0; i < ckks.slots && from + i < length; i++) out[from + i] = Math.round((slots[i] as number) * grid) / grid;
      } finally {
        pt.delete();
        ct.delete();
      }
    }
    return out;
  }

  toJSON(): string {
    return '[MemberKey]'; // never serialise key material by accident
  }

  dispose(): void {
    this.#encryptor.delete();
    this.#decryptor.delete();
    this.#secret.delete();
  }
}

/** The key-holding member: a fresh secret key for the job. */
export function generateMemberKey(ckks: Ckks): MemberKey {
  const keygen = new ckks.seal.KeyGenerator(ckks.context);
  try {
    return new MemberKey(ckks, keygen.secretKey());
  } finally {
    keygen.delete();
  }
}

/** The other members: the secret key received from the key holder; FM_ERR_HFL_KEY if it is not one. */
export function loadMemberKey(ckks: Ckks, bytes: Uint8Array, param = 'secret key'): MemberKey {
  checkBytes(param, bytes);
  checkSealHeader(param, bytes, 'FM_ERR_HFL_KEY');
  const sk = new ckks.seal.SecretKey();
  try {
    // A plain Uint8Array copy: SEAL's binding refuses Buffer views of a larger frame.
    sk.loadFromArray(ckks.context, Uint8Array.from(bytes));
  } catch (err) {
    sk.delete();
    throw new FedmarkError('FM_ERR_HFL_KEY', { param, reason: sealReason(err) }, { cause: err });
  }
  return new MemberKey(ckks, sk);
}

// ---- the coordinator: addition with public parameters only ---------------------------------------

/** Largest serialised ciphertext (uncompressed): header, metadata and 2·L·N words. */
function ciphertextMaxBytes(ckks: Ckks): number {
  return 129 + 8 * 2 * ckks.dataPrimes * CKKS_PARAMETERS.polyModulusDegree;
}

/**
 * Loads an uploaded or aggregated ciphertext; FM_ERR_HE_CIPHERTEXT naming `param` for bytes that
 * are not a size-2 CKKS ciphertext at the data level with the job's scale.
 */
export function loadCiphertext(ckks: Ckks, bytes: Uint8Array, param: string): Ciphertext {
  checkBytes(param, bytes);
  checkSealHeader(param, bytes, 'FM_ERR_HE_CIPHERTEXT');
  if (bytes.length > ciphertextMaxBytes(ckks)) {
    throw new FedmarkError('FM_ERR_HE_CIPHERTEXT', { param, reason: `${bytes.length} bytes, more than a ciphertext of these parameters` });
  }
  const ct = new ckks.seal.Ciphertext();
  try {
    ct.loadFromArray(ckks.context, Uint8Array.from(bytes));
  } catch (err) {
    ct.delete();
    throw new FedmarkError('FM_ERR_HE_CIPHERTEXT', { param, reason: sealReason(err) }, { cause: err });
  }
  const primes = ct.coeffModulusSize();
  const reason =
    ct.size() !== 2 ? `size ${ct.size()}, expected 2`
    : primes !== ckks.dataPrimes && primes !== 1 ? `${primes} primes, expected ${ckks.dataPrimes} (or 1 when compact)`
    : ct.scale() !== ckks.scale ? 'a different scale'
    : ct.isTransparent() ? 'transparent (not encrypted)'
    : undefined;
  if (reason !== undefined) {
    ct.delete();
    throw new FedmarkError('FM_ERR_HE_CIPHERTEXT', { param, reason });
  }
  return ct;
}

/**
 * Σ over contributors, ciphertext by ciphertext: `uploads[k][c]` is contributor k's ciphertext c.
 * Returns the serialised sums, switched to the last level (half the bytes) when `compact` (only
 * for sums below COMPACT_MAX_ABS). Needs no key: the coordinator's whole part of secure aggregation.
 */
export function aggregateCiphertexts(ckks: Ckks, uploads: ReadonlyArray<{ from: string; blobs: readonly Uint8Array[] }>, count: number, compact = false): Uint8Array[] {
  if (uploads.length === 0) throw new FedmarkError('FM_ERR_HE_INPUT', { param: 'uploads', expected: 'at least one contribution', got: 'none' });
  for (const u of uploads) {
    if (u.blobs.length !== count) throw new FedmarkError('FM_ERR_HE_CIPHERTEXT', { param: `upload from ${u.from}`, reason: `${u.blobs.length} ciphertexts, expected ${count}` });
  }
  const out: Uint8Array[] = [];
  for (let c = 0; c < count; c++) {
    const [first, ...rest] = uploads;
    const sum = loadUpload(ckks, (first as (typeof uploads)[number]).blobs[c] as Uint8Array, `upload from ${first?.from}[${c}]`);
    try {
      for (const u of rest) {
        const ct = loadUpload(ckks, u.blobs[c] as Uint8Array, `upload from ${u.from}[${c}]`);
        try {
          ckks.evaluator.addInplace(sum, ct);
        } finally {
          ct.delete();
        }
      }
      if (compact) ckks.evaluator.cipherModSwitchToInplace(sum, ckks.lastParmsId);
      out.push(new Uint8Array(sum.saveToArray(ckks.seal.ComprModeType.none) as Uint8Array));
    } finally {
      sum.delete();
    }
  }
  return out;
}

/** Uploads are fresh encryptions: at the data level, never already switched down. */
function loadUpload(ckks: Ckks, bytes: Uint8Array, param: string): Ciphertext {
  const ct = loadCiphertext(ckks, bytes, param);
  if (ct.coeffModulusSize() !== ckks.dataPrimes) {
    ct.delete();
    throw new FedmarkError('FM_ERR_HE_CIPHERTEXT', { param, reason: 'not at the data level' });
  }
  return ct;
}

function checkValues(param: string, values: ArrayLike<number>, maxAbs: number): void {
  if (values.length === 0) throw new FedmarkError('FM_ERR_HE_INPUT', { param, expected: 'at least one value', got: 'none' });
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v) || Math.abs(v) > maxAbs) {
      throw new FedmarkError('FM_ERR_HE_RANGE', { param, reason: `value ${i} is ${Number.isFinite(v) ? `beyond ±2^${Math.log2(maxAbs)} (the model diverges: lower learningRate)` : 'not finite'}` });
    }
  }
}

function checkSealHeader(param: string, bytes: Uint8Array, code: 'FM_ERR_HFL_KEY' | 'FM_ERR_HE_CIPHERTEXT'): void {
  const fail = (reason: string): never => {
    throw new FedmarkError(code, { param, reason });
  };
  if (bytes.length < SEAL_HEADER_BYTES) fail(`${bytes.length} bytes, fewer than a SEAL header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(0, true) !== SEAL_MAGIC || view.getUint8(2) !== SEAL_HEADER_BYTES) fail('no SEAL header');
  const size = view.getBigUint64(8, true);
  if (size !== BigInt(bytes.length)) fail(`the header says ${size} bytes, got ${bytes.length}`);
}
