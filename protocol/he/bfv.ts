// BFV context, keys and ciphertext bytes for the coefficient-packed inner product (design note
// protocols.md, "Vertical logistic regression" and "Making X_pᵀ·Enc(d) cheap").
// Scheme: BFV (Brakerski 2012; Fan & Vercauteren, ePrint 2012/144) as implemented by Microsoft
// SEAL 4.1 (node-seal 7, WebAssembly). Security: the Homomorphic Encryption Standard
// (Albrecht et al. 2018) 128-bit table, enforced by SEAL (SEALContext with sec_level tc128).
//
// Parameters (BFV_PARAMETERS; numbers marked [measured] come from the named test or benchmark):
//   N = 8192. The 128-bit table allows 218 bits of coefficient modulus; SEAL's BFVDefault gives
//     43+43+44+44+44 bits, the last being the special (key-switching) prime, so ciphertexts live
//     at 174 bits (4 primes) → 130 → 86 (2 primes, the last level). N = 4096 allows 109 bits
//     (72 at the data level): too few for t = 2^50 plus the product noise plus the flooding below.
//   t = 2^50. Bound: every decrypted inner product Σ_i round(d_i·2^f)·round(x_i·2^f) must stay
//     below t/2 in magnitude, which holds when maxAbsD·2^f · Σ_i|round(x_i·2^f)| < 2^49, i.e. with
//     f = 13 and |d| ≤ maxAbsD = 8, Σ_i |x_i| < 2^20 per feature column. Standardised or one-hot
//     columns have Σ|x_i| ≤ n (Cauchy–Schwarz), so up to ~10^6 rows; packFeatures checks it. Masks
//     need no headroom: they are uniform over Z_t and removed exactly mod t. A power of two makes
//     uniform masks trivial (50 random bits) and keeps every residue and every sum of two residues an
//     exact JavaScript number (t ≤ 2^52). t is coprime to the odd primes of q, as SEAL requires.
//   f = 13 fractional bits for d and for x (products carry 2^26). Rounding error per term ≤
//     2^-14·(|d_i| + |x_i|) + 2^-28, so a gradient Xᵀd/n is off by at most 2^-14·(mean|d| + mean|x|)
//     (≈ 1e-4 for standardised data), far below the Taylor approximation's own error.
//   Noise budget (invariant noise budget, bits) [measured in innerProduct.test.ts]: 116 fresh at
//     4 primes; 95 after Xᵀ·Enc(d) over 21,000 rows with d summed from 3 encryptions and a
//     plaintext (one plaintext multiplication by standardised data costs ~20 bits). Each result is
//     then re-randomised, flooded with E uniform in [−2^116, 2^116) (innerProduct.ts) and switched
//     to the last level (86 bits, Δ' = ⌊q'/t⌋ ≈ 2^36): E scales to ≤ 2^28, the switch adds
//     ≤ (1 + ‖s‖₁)/2 ≤ 2^12, so every coefficient stays below Δ'/2 = 2^35 deterministically
//     (E is bounded, not Gaussian): 7 bits left, measured. Hence t ≤ 2^50 with this flooding:
//     each extra bit of t (or of flooding) costs one of those 7 bits.
//   Sizes [benchmarks/he-layouts.ts]: a ciphertext is 524,401 bytes at the first level
//     (2 × 4 primes × 8192 × 8 bytes) and 262,257 at the last. SEAL's compression is available in
//     node-seal 7: zstd saves ~18 % (43–44-bit residues in 64-bit words; 432 kB / 214 kB) for
//     ~3.5 ms to save and ~1.7 ms to load a first-level ciphertext; zlib saves 19 % for ~60 ms.
//     zstd pays on links slower than ~20 MB/s (a WAN), not on a LAN or loopback, so
//     serializeCiphertext defaults to none and takes 'zstd' as an option; deserializeCiphertext
//     reads both. The public key goes seeded (SEAL's Serializable form: half of it is a PRNG
//     seed) and zstd-compressed: ~270 kB instead of 655 kB.
//   Levels: fresh encryptions and products stay at the first level (4 primes), which the
//     flooding needs (below); results are switched to the last level before they leave the party,
//     halving them. Enc(u) and Enc(d) cannot be switched: the products need the first level.
//
// Roles and what each learns:
//   arbiter — generateArbiterKeys(): keeps the secret key (never serialised by this module); sends
//     publicBytes. Learns only what it decrypts: masked values (uniform mod t).
//   guest, hosts — loadPublicKey(publicBytes): can encrypt and compute, never decrypt. A ciphertext
//     reveals nothing to them (RLWE).
// Ciphertext bytes are SEAL's own serialisation; deserializeCiphertext checks the header, the
// parameter id (level), size 2, non-NTT form and every residue, and reports FM_ERR_HE_CIPHERTEXT
// naming the parameter. Authenticity comes from the end-to-end channel, not from here.

import SEAL from 'node-seal';
import type { Ciphertext, Decryptor, Encryptor, Evaluator, MainModule, ParmsIdType, Plaintext, SEALContext, SecretKey } from 'node-seal';
import { FedmarkError } from '../../errors/table.ts';
import { checkBytes, sealReason } from './check.ts';
import { SEAL_HEADER_BYTES, SEAL_MAGIC } from './coefficients.ts';

export const BFV_PARAMETERS = Object.freeze({
  polyModulusDegree: 8192,
  /** SEAL's CoeffModulus.BFVDefault(8192, tc128): the last prime is the special prime. */
  coeffModulusBits: Object.freeze([43, 43, 44, 44, 44]),
  plainModulusBits: 50,
  fractionalBits: 13,
  /** Bound on |d| the range checks assume (d = ¼u + ½ − y in logistic regression). */
  maxAbsD: 8,
  /** Flooding noise is uniform in [−2^floodBits, 2^floodBits) at the first data level. */
  floodBits: 116,
  /** Statistical hiding required of the flooding, per result ciphertext (all N coefficients), in bits. */
  statisticalSecurityBits: 40,
});

export type Compression = 'none' | 'zstd';
/** 'first': where fresh encryptions and products live (4 primes); 'last': what goes to the arbiter (2 primes). */
export type Level = 'first' | 'last';

export interface Bfv {
  readonly seal: MainModule;
  readonly context: SEALContext;
  readonly evaluator: Evaluator;
  readonly N: number;
  /** Plain modulus, 2^plainModulusBits. */
  readonly t: number;
  readonly fractionalBits: number;
  readonly maxAbsD: number;
  readonly floodBits: number;
  /** The data-level primes (first level), as exact numbers (< 2^45). */
  readonly primes: readonly number[];
  readonly firstParmsId: ParmsIdType;
  readonly lastParmsId: ParmsIdType;
  readonly firstParmsIdValues: BigUint64Array;
  /** Number of primes at each level. */
  readonly firstL: number;
  readonly lastL: number;
  /** Frees the SEAL objects; the Bfv must not be used afterwards. */
  dispose(): void;
}

let sealModule: Promise<MainModule> | undefined;

/** The SEAL WebAssembly module, instantiated once per thread. */
export function loadSeal(): Promise<MainModule> {
  sealModule ??= SEAL();
  return sealModule;
}

/** Creates the BFV context with BFV_PARAMETERS; `fractionalBits` and `maxAbsD` may be narrowed. */
export async function createBfv(options: { fractionalBits?: number; maxAbsD?: number } = {}): Promise<Bfv> {
  const seal = await loadSeal();
  const p = BFV_PARAMETERS;
  const fractionalBits = options.fractionalBits ?? p.fractionalBits;
  const maxAbsD = options.maxAbsD ?? p.maxAbsD;
  if (!Number.isInteger(fractionalBits) || fractionalBits < 0 || fractionalBits > 20) {
    throw new FedmarkError('FM_ERR_HE_PARAMS', { reason: 'fractionalBits must be an integer from 0 to 20' });
  }
  if (!(maxAbsD > 0) || 2 * fractionalBits + Math.log2(maxAbsD) > p.plainModulusBits - 2) {
    throw new FedmarkError('FM_ERR_HE_PARAMS', { reason: `maxAbsD·2^(2f) must stay below 2^${p.plainModulusBits - 2}` });
  }
  const N = p.polyModulusDegree;
  const parms = new seal.EncryptionParameters(seal.SchemeType.bfv);
  parms.setPolyModulusDegree(N);
  const coeff = seal.CoeffModulus.BFVDefault(N, seal.SecLevelType.tc128);
  parms.setCoeffModulus(coeff);
  const plain = new seal.Modulus(1n << BigInt(p.plainModulusBits));
  parms.setPlainModulus(plain);
  const context = new seal.SEALContext(parms, true, seal.SecLevelType.tc128);
  coeff.delete();
  plain.delete();
  parms.delete();
  if (!context.parametersSet()) {
    context.delete();
    throw new FedmarkError('FM_ERR_HE_PARAMS', { reason: 'SEAL rejected the BFV parameters at 128-bit security' });
  }
  const first = context.firstContextData();
  const last = context.lastContextData();
  const firstParms = first.parms();
  const firstModuli = firstParms.coeffModulus();
  const primes = (seal.jsArrayFromVecModulus(firstModuli) as bigint[]).map(Number);
  const lastParms = last.parms();
  const lastModuli = lastParms.coeffModulus();
  const lastL = lastModuli.size();
  const bits = [...primes.map((q) => Math.ceil(Math.log2(q)))];
  for (const o of [firstModuli, firstParms, lastModuli, lastParms, first, last]) o.delete();
  if (bits.join() !== p.coeffModulusBits.slice(0, -1).join()) {
    context.delete();
    throw new FedmarkError('FM_ERR_HE_PARAMS', { reason: `unexpected coefficient modulus (${bits.join('+')} bits at the first level)` });
  }
  const evaluator = new seal.Evaluator(context);
  const firstParmsId = context.firstParmsId();
  const lastParmsId = context.lastParmsId();
  const firstParmsIdValues = BigUint64Array.from(firstParmsId.values() as BigUint64Array);
  return Object.freeze({
    seal,
    context,
    evaluator,
    N,
    t: 2 ** p.plainModulusBits,
    fractionalBits,
    maxAbsD,
    floodBits: p.floodBits,
    primes: Object.freeze(primes),
    firstParmsId,
    lastParmsId,
    firstParmsIdValues,
    firstL: primes.length,
    lastL,
    dispose() {
      for (const o of [firstParmsId, lastParmsId, evaluator, context]) o.delete();
    },
  });
}

// ---- keys --------------------------------------------------------------------------------------

/** The arbiter's secret key and decryptor. Never serialised, never sent. */
export class ArbiterSecret {
  readonly #bfv: Bfv;
  readonly #secretKey: SecretKey;
  readonly #decryptor: Decryptor;

  constructor(bfv: Bfv, secretKey: SecretKey) {
    this.#bfv = bfv;
    this.#secretKey = secretKey;
    this.#decryptor = new bfv.seal.Decryptor(bfv.context, secretKey);
  }

  /** Decrypts to a fresh plaintext (the caller deletes it). */
  decrypt(ct: Ciphertext): Plaintext {
    const pt = new this.#bfv.seal.Plaintext();
    this.#decryptor.decrypt(ct, pt);
    return pt;
  }

  /** Invariant noise budget in bits; 0 means the ciphertext no longer decrypts correctly. */
  noiseBudget(ct: Ciphertext): number {
    return this.#decryptor.invariantNoiseBudget(ct);
  }

  dispose(): void {
    this.#decryptor.delete();
    this.#secretKey.delete();
  }

  toJSON(): string {
    return '[ArbiterSecret]'; // never serialise key material by accident
  }
}

export interface ArbiterKeys {
  secret: ArbiterSecret;
  /** The public key, SEAL-serialised in seeded form (half the size) and zstd-compressed. */
  publicBytes: Uint8Array;
}

/** Arbiter: a fresh key pair for one job. */
export function generateArbiterKeys(bfv: Bfv): ArbiterKeys {
  const keygen = new bfv.seal.KeyGenerator(bfv.context);
  try {
    const serializable = keygen.createPublicKeySerializable();
    const publicBytes = new Uint8Array(serializable.saveToArray(bfv.seal.ComprModeType.zstd) as Uint8Array);
    serializable.delete();
    return { secret: new ArbiterSecret(bfv, keygen.secretKey()), publicBytes };
  } finally {
    keygen.delete();
  }
}

/** A party's handle on the arbiter's public key: it can encrypt, never decrypt. */
export class PartyKey {
  readonly #encryptor: Encryptor;
  readonly #bfv: Bfv;

  constructor(bfv: Bfv, encryptor: Encryptor) {
    this.#bfv = bfv;
    this.#encryptor = encryptor;
  }

  /** A fresh encryption of `pt` at the first level (the caller deletes it). */
  encrypt(pt: Plaintext): Ciphertext {
    const ct = new this.#bfv.seal.Ciphertext();
    this.#encryptor.encrypt(pt, ct);
    return ct;
  }

  dispose(): void {
    this.#encryptor.delete();
  }
}

/** Guest or host: loads the arbiter's public key; FM_ERR_HE_KEY if the bytes are not one for `bfv`. */
export function loadPublicKey(bfv: Bfv, publicBytes: Uint8Array, param = 'publicBytes'): PartyKey {
  checkBytes(param, publicBytes);
  checkSealHeader(param, publicBytes, 'FM_ERR_HE_KEY');
  const pk = new bfv.seal.PublicKey();
  try {
    pk.loadFromArray(bfv.context, publicBytes);
  } catch (err) {
    pk.delete();
    throw new FedmarkError('FM_ERR_HE_KEY', { param, reason: sealReason(err) }, { cause: err });
  }
  try {
    return new PartyKey(bfv, new bfv.seal.Encryptor(bfv.context, pk));
  } catch (err) {
    throw new FedmarkError('FM_ERR_HE_KEY', { param, reason: sealReason(err) }, { cause: err });
  } finally {
    pk.delete();
  }
}

// ---- ciphertext bytes --------------------------------------------------------------------------

function checkSealHeader(param: string, bytes: Uint8Array, code: 'FM_ERR_HE_KEY' | 'FM_ERR_HE_CIPHERTEXT'): void {
  const fail = (reason: string): never => {
    throw new FedmarkError(code, { param, reason });
  };
  if (bytes.length < SEAL_HEADER_BYTES) fail(`${bytes.length} bytes, fewer than a SEAL header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(0, true) !== SEAL_MAGIC || view.getUint8(2) !== SEAL_HEADER_BYTES) fail('no SEAL header');
  if (view.getUint8(3) !== 4 || view.getUint8(4) !== 1) fail(`SEAL version ${view.getUint8(3)}.${view.getUint8(4)}, expected 4.1`);
  const mode = view.getUint8(5);
  if (mode !== 0 && mode !== 2) fail(`compression mode ${mode} (none or zstd expected)`);
  const size = view.getBigUint64(8, true);
  if (size !== BigInt(bytes.length)) fail(`the header says ${size} bytes, got ${bytes.length}`);
}

/** The largest serialised ciphertext (uncompressed) at a level: header, metadata and 2·L·N words. */
export function ciphertextMaxBytes(bfv: Bfv, level: Level): number {
  const L = level === 'first' ? bfv.firstL : bfv.lastL;
  return 113 + 8 * 2 * L * bfv.N;
}

/** SEAL serialisation of a ciphertext (see the header for none vs zstd). */
export function serializeCiphertext(bfv: Bfv, ct: Ciphertext, compression: Compression = 'none'): Uint8Array {
  const mode = compression === 'zstd' ? bfv.seal.ComprModeType.zstd : bfv.seal.ComprModeType.none;
  // Copy out of the WebAssembly heap view so the bytes survive later heap growth.
  return new Uint8Array(ct.saveToArray(mode) as Uint8Array);
}

/**
 * Loads a ciphertext another party sent. Rejects (FM_ERR_HE_CIPHERTEXT naming `param`) bytes that
 * are truncated, oversized, not SEAL's, for other parameters, at another level than `level`, of
 * size other than 2, in NTT form, or with a residue outside its prime.
 */
export function deserializeCiphertext(bfv: Bfv, bytes: Uint8Array, param: string, level: Level): Ciphertext {
  checkBytes(param, bytes);
  checkSealHeader(param, bytes, 'FM_ERR_HE_CIPHERTEXT');
  const max = ciphertextMaxBytes(bfv, level);
  if (bytes.length > max) {
    throw new FedmarkError('FM_ERR_HE_CIPHERTEXT', { param, reason: `${bytes.length} bytes, more than the ${max} of a ciphertext at the ${level} level` });
  }
  const ct = new bfv.seal.Ciphertext();
  try {
    ct.loadFromArray(bfv.context, bytes);
  } catch (err) {
    ct.delete();
    throw new FedmarkError('FM_ERR_HE_CIPHERTEXT', { param, reason: sealReason(err) }, { cause: err });
  }
  const L = level === 'first' ? bfv.firstL : bfv.lastL;
  const reason =
    ct.size() !== 2 ? `size ${ct.size()}, expected 2`
    : ct.isNttForm() ? 'in NTT form'
    : ct.polyModulusDegree() !== bfv.N ? `degree ${ct.polyModulusDegree()}, expected ${bfv.N}`
    : ct.coeffModulusSize() !== L ? `${ct.coeffModulusSize()} primes, expected ${L} (the ${level} level)`
    : ct.isTransparent() ? 'transparent (not encrypted)'
    : undefined;
  if (reason !== undefined) {
    ct.delete();
    throw new FedmarkError('FM_ERR_HE_CIPHERTEXT', { param, reason });
  }
  return ct;
}

/** Switches a ciphertext down to the last level in place (smaller, and its noise is re-rounded). */
export function modSwitchToLast(bfv: Bfv, ct: Ciphertext): void {
  bfv.evaluator.cipherModSwitchToInplace(ct, bfv.lastParmsId);
}

/** Deletes SEAL objects, ignoring undefined entries. */
export function disposeAll(objects: Iterable<{ delete(): void } | undefined>): void {
  for (const o of objects) o?.delete();
}
