// Mask pads for the coefficient-packed inner product (design note protocols.md, "Making
// X_pᵀ·Enc(d) cheap": "add a uniformly random mask polynomial over Z_t to the whole ciphertext").
// Circuit privacy by re-randomising and flooding (Gentry 2009, §21; Bourse, Del Pino, Minelli &
// Wee, CRYPTO 2016): a pad is Enc(R) + (E, 0), where
//   R — N coefficients uniform over Z_t (t = 2^50: 50 random bits each, no rejection needed),
//       masking every coefficient the arbiter will decrypt; its fresh encryption also
//       re-randomises c1;
//   E — flooding noise uniform in [−2^116, 2^116), added to c0 only, hiding the data-dependent
//       noise of the product (bound and check in innerProduct.ts's packFeatures).
// Parameters: N, t and the first-level primes from bfv.ts; floodBits = 116. Randomness is
// injectable (`random`, default the OS CSPRNG); SEAL's own encryption randomness is not.
// What each role learns: nothing — the pad is data-independent and never leaves the party except
// inside one masked result; R stays with the party. A pad must be used once (maskResult deletes it).

import type { Ciphertext } from 'node-seal';
import type { Bfv, PartyKey } from './bfv.ts';
import { checkInteger, describe, inputError } from './check.ts';
import { ciphertextBytes, ciphertextFromBytes, plaintextFromCoefficients } from './coefficients.ts';
import { drawBytes, osRandom, type RandomBytes } from './random.ts';

/** Enc(R) + (E, 0) ready to be added to one result, and R itself. Use once. */
export interface MaskPad {
  readonly ct: Ciphertext;
  /** R: all N mask coefficients, uniform over Z_t. */
  readonly masks: Float64Array;
}

/** N residues uniform over Z_t (t a power of two): ⌈log2 t / 8⌉ bytes each, top bits cleared. */
export function uniformMasks(N: number, t: number, random: RandomBytes = osRandom): Float64Array {
  const bits = Math.log2(t);
  if (!Number.isInteger(bits) || bits < 1 || bits > 52) throw inputError('t', 'a power of two from 2 to 2^52', describe(t));
  const per = Math.ceil(bits / 8);
  const topMask = 2 ** (bits - 8 * (per - 1)) - 1;
  const raw = drawBytes(random, N * per);
  const out = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    let v = 0;
    for (let b = per - 1; b >= 0; b--) {
      const byte = raw[i * per + b] as number;
      v = v * 256 + (b === per - 1 ? byte & topMask : byte);
    }
    out[i] = v;
  }
  return out;
}

/**
 * Flooding noise E uniform in [−2^bits, 2^bits) as L·N residues, prime-major, for the primes
 * `primes` (each < 2^45). E = U − 2^bits with U read from ⌈(bits+1)/8⌉ random bytes; residues are
 * Σ_b byte_b·(2^(8b) mod q), every partial product below 2^53 so double arithmetic stays exact.
 */
export function floodingResidues(N: number, primes: readonly number[], bits: number, random: RandomBytes = osRandom): Float64Array {
  checkInteger('bits', bits, 1, 160);
  const per = Math.ceil((bits + 1) / 8);
  const topMask = 2 ** (bits + 1 - 8 * (per - 1)) - 1;
  const raw = drawBytes(random, N * per);
  const L = primes.length;
  const out = new Float64Array(L * N);
  for (let j = 0; j < L; j++) {
    const q = primes[j] as number;
    if (!Number.isSafeInteger(q) || q >= 2 ** 45) throw inputError(`primes[${j}]`, 'a prime below 2^45', describe(q));
    const qb = BigInt(q);
    const pow = Array.from({ length: per }, (_, b) => Number((1n << BigInt(8 * b)) % qb));
    const offset = Number((qb - ((1n << BigInt(bits)) % qb)) % qb);
    const row = out.subarray(j * N, (j + 1) * N);
    for (let i = 0; i < N; i++) {
      let acc = offset;
      const base = i * per;
      for (let b = 0; b < per; b++) {
        const byte = b === per - 1 ? (raw[base + b] as number) & topMask : (raw[base + b] as number);
        acc += (byte * (pow[b] as number)) % q;
      }
      row[i] = acc % q;
    }
  }
  return out;
}

/** The expensive, data-independent half of masking, which can run ahead of time: Enc(R) + (E, 0). */
export function prepareMask(bfv: Bfv, key: PartyKey, random: RandomBytes = osRandom): MaskPad {
  const masks = uniformMasks(bfv.N, bfv.t, random);
  const flood = floodingResidues(bfv.N, bfv.primes, bfv.floodBits, random);
  const pt = plaintextFromCoefficients(bfv.seal, bfv.context, masks, bfv.t, bfv.N);
  let ct: Ciphertext | undefined;
  let floodCt: Ciphertext | undefined;
  try {
    ct = key.encrypt(pt);
    floodCt = ciphertextFromBytes(bfv.seal, bfv.context, ciphertextBytes(bfv.firstParmsIdValues, bfv.N, bfv.firstL, [flood, new Float64Array(flood.length)]));
    bfv.evaluator.addInplace(ct, floodCt);
    return { ct, masks };
  } catch (err) {
    ct?.delete();
    throw err;
  } finally {
    pt.delete();
    floodCt?.delete();
  }
}
