// Generator of the known-answer vectors pinned in coefficients.test.ts and innerProduct.test.ts,
// computed independently of coefficients.ts and innerProduct.ts: SEAL's serialised Plaintext form
// (see coefficients.ts's header) written here with BigInt and Buffer from its description, the
// byte stream of random.ts's seededRandom re-derived with node:crypto (SHA-256 of "seed/counter"),
// and the mask and flooding residues recomputed with BigInt arithmetic.
// Parameters: the fixed inputs below (t = 2^50, flooding 2^116, the first-level primes of
// BFVDefault(8192, 128-bit), printed by SEAL in bfv.test.ts). Roles: none (test data only).
// Run: npx node protocol/he/vectors.gen.ts

import { createHash } from 'node:crypto';

const T = 1n << 50n;
const PRIMES = [8796092858369n, 8796092792833n, 17592186028033n, 17592185438209n];
const FLOOD_BITS = 116n;

// 1. Plaintext Σ c_i X^i with c = [1, t − 1, 0, 2^32 + 5], uncompressed.
function header(total: number): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt16LE(0xa15e, 0);
  h.writeUInt8(16, 2);
  h.writeUInt8(4, 3); // SEAL 4.1
  h.writeUInt8(1, 4);
  h.writeUInt8(0, 5); // compression none
  h.writeBigUInt64LE(BigInt(total), 8);
  return h;
}
function u64(v: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return b;
}
const coeffs = [1n, T - 1n, 0n, (1n << 32n) + 5n];
const array = Buffer.concat([u64(BigInt(coeffs.length)), ...coeffs.map(u64)]);
const dynArray = Buffer.concat([header(16 + array.length), array]);
const scale = Buffer.alloc(8);
scale.writeDoubleLE(1.0);
const body = Buffer.concat([Buffer.alloc(32), u64(BigInt(coeffs.length)), scale, dynArray]);
const plaintext = Buffer.concat([header(16 + body.length), body]);
console.log(`plaintext [1, t-1, 0, 2^32+5]: ${plaintext.toString('hex')}`);

// 2. The seeded byte stream.
function stream(seed: string, length: number): Buffer {
  const parts: Buffer[] = [];
  for (let c = 0; Buffer.concat(parts).length < length; c++) parts.push(createHash('sha256').update(`${seed}/${c}`).digest());
  return Buffer.concat(parts).subarray(0, length);
}

// 3. uniformMasks(N, 2^50, seededRandom('fedmark/he/kat')): 7 bytes per mask, little-endian,
//    top byte reduced to its low 2 bits. First three masks.
const maskBytes = stream('fedmark/he/kat', 21);
const masks = [0, 1, 2].map((i) => {
  let v = 0n;
  for (let b = 6; b >= 0; b--) v = (v << 8n) | BigInt(b === 6 ? maskBytes[i * 7 + b]! & 3 : maskBytes[i * 7 + b]!);
  return v;
});
console.log(`masks[0..2]: ${masks.join(', ')}`);

// 4. floodingResidues(N, primes, 116, seededRandom('fedmark/he/flood')): 15 bytes per
//    coefficient, little-endian U (117 bits: the top byte reduced to its low 5 bits), E = U − 2^116.
const floodBytes = stream('fedmark/he/flood', 30);
for (const i of [0, 1]) {
  let u = 0n;
  for (let b = 14; b >= 0; b--) u = (u << 8n) | BigInt(b === 14 ? floodBytes[i * 15 + b]! & 31 : floodBytes[i * 15 + b]!);
  const e = u - (1n << FLOOD_BITS);
  const residues = PRIMES.map((q) => ((e % q) + q) % q);
  console.log(`flood E[${i}] = ${e}; residues: ${residues.join(', ')}`);
}
