// HE packing-layout benchmark for the vertical-LR gradient Xᵀ·Enc(d) (protocols.md, "Making
// X_pᵀ·Enc(d) cheap"): `npm run bench -- he-layouts [--json] [flags]`, or directly
// `npx node benchmarks/he-layouts.ts [flags]`.
//
// Layouts, each at N = 8192 and 128-bit security, single thread, full batch (one epoch = one Xᵀd):
//   (a) ckks-slots   CKKS (60+40+40 | 60 bits, scale 2^40), d in 4096 slots per ciphertext;
//                    per feature Σ_c Enc(d_c)⊙x_c, rescale, rotate-and-sum (12 rotations).
//   (b) ckks-blocks  CKKS, slots cut into B = nextPow2(F) blocks of s = 4096/B; each ciphertext
//                    holds s rows of d repeated in every block, each plaintext s rows of B features,
//                    so one rotate-and-sum (log2 s rotations) reduces all features at once; the
//                    price is B times more ciphertexts of d (and of u).
//   (c) bfv-coeff    protocol/he/innerProduct.ts: BFV coefficient packing, no rotation, with the
//                    recommended chunk length m (recommendChunkLength for one host) unless --m is given.
// Reported per layout: the time of Xᵀ·Enc(d) per epoch (products, rescales, rotations, inverse
// NTTs — not the one-off encoding of X, reported apart), the host's time to encrypt u, the bytes
// per epoch (Enc(u) from one host, Enc(d) to one host, the results of one party: (a)/(b) at 2
// primes after the rescale, (c) masked at the last level), and the ratio to the plaintext Xᵀd
// measured in the same run. Then two whole-epoch simulations with (c) for the targets: the
// default_credit shape (21,000 rows; guest 13, host 10 features; target ≤ 1 s per epoch) and
// 100,000 rows × (30 guest + 300 host) features (target ≤ 14 s): every HE step of one epoch run
// in sequence on one thread (host encrypts ¼u, guest forms Enc(d), both compute and mask Xᵀd,
// arbiter decrypts, parties unmask), with the answers checked against plaintext. First, the size
// and (de)serialisation time of one BFV ciphertext at the first and last level, uncompressed and
// with SEAL's zlib and zstd.
// What each role learns: nothing; local measurement on random data.

import { availableParallelism, cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { mulberry32 } from '../models/random.ts';
import type { Ciphertext, MainModule, Plaintext } from 'node-seal';
import { createBfv, deserializeCiphertext, disposeAll, generateArbiterKeys, loadPublicKey, loadSeal, serializeCiphertext, type Bfv } from '../protocol/he/bfv.ts';
import {
  addPlain,
  arbiterDecrypt,
  encryptVector,
  encryptedXtD,
  makeLayout,
  maskResult,
  packFeatures,
  prepareMask,
  recommendChunkLength,
  resultPositions,
  unmask,
  type MaskPad,
} from '../protocol/he/innerProduct.ts';

const HELP = `usage: npm run bench -- he-layouts [--json] [--rows N] [--features F,F...] [--layouts a,b,c]
                                  [--m M] [--no-epochs] [--quick]

  --rows       rows n for the layout comparison (default 21000, default_credit's training part)
  --features   feature counts for the layout comparison (default 10,130)
  --layouts    which layouts: a (ckks-slots), b (ckks-blocks), c (bfv-coeff); default a,b,c
  --m          chunk length for (c) (default: recommendChunkLength for one party)
  --big-rows   rows of the big (c) run and epoch (default 100000); --big-features (default 300)
  --no-epochs  skip the two whole-epoch simulations
  --clock      cpu (default: the main thread's CPU time, robust to other load) or wall
  --quick      smoke run: --rows 3000 --features 4,20 --big-rows 10000 --big-features 30
  --json       one JSON line on stdout instead of the tables`;

// Every time below is the main thread's CPU time (process.threadCpuUsage), which on an idle
// machine equals wall time for this single-threaded work but is not inflated when other processes
// share the 2 cores. --clock wall switches to performance.now().
let clock: 'cpu' | 'wall' = 'cpu';
const now = (): number => {
  if (clock === 'wall') return performance.now();
  const u = process.threadCpuUsage();
  return (u.user + u.system) / 1000;
};

interface LayoutResult {
  layout: 'ckks-slots' | 'ckks-blocks' | 'bfv-coeff';
  rows: number;
  features: number;
  /** Layout parameter: (b) blocks B and block size s; (c) chunk length m and K. */
  params: Record<string, number>;
  /** One-off: encoding X into plaintexts. */
  encodeXMs: number;
  /** One host encrypting ¼u (its vector of n values). */
  encryptUMs: number;
  /** Xᵀ·Enc(d) per epoch. */
  xtdMs: number;
  /** (c) only: masking every result (pads included) and the arbiter's decryptions. */
  maskMs: number | null;
  decryptMs: number | null;
  plainMs: number;
  ratio: number;
  ciphertexts: { encU: number; encD: number; results: number };
  bytes: { encU: number; encD: number; results: number; total: number };
  maxAbsError: number;
}

interface EpochResult {
  name: string;
  rows: number;
  guestFeatures: number;
  hostFeatures: number;
  m: number;
  k: number;
  targetMs: number;
  /** One-off per job: packing X (both parties). */
  packMs: number;
  phases: Record<string, number>;
  /** All phases one after the other on one thread. */
  sequentialMs: number;
  /** Guest and host computing in parallel (2 cores): encU + formD + max(host, guest) + arbiter, pads included. */
  criticalPathMs: number;
  /** The same with the mask pads prepared ahead of time (while waiting for Enc(d)). */
  criticalPathPadsAheadMs: number;
  bytes: { encU: number; encD: number; results: number; total: number };
  maxAbsError: number;
  meetsTarget: boolean;
}

// ---- data --------------------------------------------------------------------------------------

/** Uniform floats in [0, 1) from the project's seeded generator. */
function mulberry(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() / 2 ** 32;
}

/** Standardised-looking features (sum of uniforms, unit variance), row-major. */
function features(rows: number, cols: number, seed: number): Float64Array {
  const r = mulberry(seed);
  const X = new Float64Array(rows * cols);
  for (let i = 0; i < X.length; i++) X[i] = (r() + r() + r() - 1.5) * 2;
  return X;
}

function vector(rows: number, seed: number, scale: number): Float64Array {
  const r = mulberry(seed);
  return Float64Array.from({ length: rows }, () => (r() * 2 - 1) * scale);
}

function plainXtd(X: Float64Array, d: Float64Array, rows: number, cols: number, out: Float64Array): void {
  out.fill(0);
  for (let i = 0; i < rows; i++) {
    const di = d[i] as number;
    const base = i * cols;
    for (let j = 0; j < cols; j++) out[j] = (out[j] as number) + di * (X[base + j] as number);
  }
}

/** Plaintext Xᵀd, repeated until 200 ms have passed; ms per call. */
function timePlain(X: Float64Array, d: Float64Array, rows: number, cols: number): { ms: number; result: Float64Array } {
  const result = new Float64Array(cols);
  plainXtd(X, d, rows, cols, result); // warm-up
  let reps = 0;
  const start = now();
  do {
    plainXtd(X, d, rows, cols, result);
    reps++;
  } while (now() - start < 200);
  return { ms: (now() - start) / reps, result };
}

// ---- CKKS (a) and (b) --------------------------------------------------------------------------

interface Ckks {
  seal: MainModule;
  ctx: InstanceType<MainModule['SEALContext']>;
  encoder: InstanceType<MainModule['CKKSEncoder']>;
  encryptor: InstanceType<MainModule['Encryptor']>;
  decryptor: InstanceType<MainModule['Decryptor']>;
  evaluator: InstanceType<MainModule['Evaluator']>;
  galois: InstanceType<MainModule['GaloisKeys']>;
  slots: number;
  scale: number;
  dispose(): void;
}

async function createCkks(): Promise<Ckks> {
  const seal = await loadSeal();
  const parms = new seal.EncryptionParameters(seal.SchemeType.ckks);
  parms.setPolyModulusDegree(8192);
  const coeff = seal.CoeffModulus.Create(8192, Int32Array.from([60, 40, 40, 60]));
  parms.setCoeffModulus(coeff);
  const ctx = new seal.SEALContext(parms, true, seal.SecLevelType.tc128);
  if (!ctx.parametersSet()) throw new Error('CKKS parameters rejected');
  const keygen = new seal.KeyGenerator(ctx);
  const pk = keygen.createPublicKey();
  const sk = keygen.secretKey();
  const slots = 4096;
  const steps = Int32Array.from({ length: Math.log2(slots) }, (_, i) => 2 ** i);
  const galois = keygen.createGaloisKeysWithSteps(steps);
  const encoder = new seal.CKKSEncoder(ctx);
  const encryptor = new seal.Encryptor(ctx, pk);
  const decryptor = new seal.Decryptor(ctx, sk);
  const evaluator = new seal.Evaluator(ctx);
  for (const o of [coeff, parms, keygen, pk]) o.delete();
  return {
    seal, ctx, encoder, encryptor, decryptor, evaluator, galois, slots, scale: 2 ** 40,
    dispose() {
      for (const o of [galois, encoder, encryptor, decryptor, evaluator, sk, ctx]) o.delete();
    },
  };
}

function ckksEncrypt(c: Ckks, values: Float64Array): Ciphertext {
  const pt = new c.seal.Plaintext();
  c.encoder.encode(values, c.scale, pt);
  const ct = new c.seal.Ciphertext();
  c.encryptor.encrypt(pt, ct);
  pt.delete();
  return ct;
}

function ckksEncode(c: Ckks, values: Float64Array): Plaintext {
  const pt = new c.seal.Plaintext();
  c.encoder.encode(values, c.scale, pt);
  return pt;
}

function ckksBytes(c: Ckks, ct: Ciphertext): number {
  return (ct.saveToArray(c.seal.ComprModeType.none) as Uint8Array).length;
}

/** Sum over blocks of `block` slots: rotations by 1, 2, …, block/2; slot b·block holds block b's sum. */
function rotateAndSum(c: Ckks, ct: Ciphertext, block: number): void {
  const tmp = new c.seal.Ciphertext();
  for (let step = 1; step < block; step *= 2) {
    c.evaluator.rotateVector(ct, step, c.galois, tmp);
    c.evaluator.addInplace(ct, tmp);
  }
  tmp.delete();
}

function ckksDecode(c: Ckks, ct: Ciphertext): Float64Array {
  const pt = new c.seal.Plaintext();
  c.decryptor.decrypt(ct, pt);
  const out = c.encoder.decodeFloat64(pt) as Float64Array;
  pt.delete();
  return Float64Array.from(out);
}

/**
 * (a) and (b) share one routine: blocks B (1 for (a)) of s = slots/B; Enc(d) chunk c holds rows
 * c·s … c·s+s−1 in every block; the plaintext for (chunk c, group g) holds feature g·B+b of those
 * rows in block b. Streams chunk by chunk so memory stays bounded; times each part apart.
 */
function runCkks(c: Ckks, X: Float64Array, d: Float64Array, rows: number, cols: number, blocks: number, want: Float64Array): Omit<LayoutResult, 'plainMs' | 'ratio'> {
  const s = c.slots / blocks;
  const chunks = Math.ceil(rows / s);
  const groups = Math.ceil(cols / blocks);
  let encodeXMs = 0;
  let encryptUMs = 0;
  let xtdMs = 0;
  const acc: (Ciphertext | undefined)[] = new Array<Ciphertext | undefined>(groups).fill(undefined);
  const tmp = new c.seal.Ciphertext();
  let encBytes = 0;
  const slotValues = new Float64Array(c.slots);
  for (let ch = 0; ch < chunks; ch++) {
    slotValues.fill(0);
    for (let b = 0; b < blocks; b++) for (let i = 0; i < s && ch * s + i < rows; i++) slotValues[b * s + i] = d[ch * s + i] as number;
    let t0 = now();
    const encD = ckksEncrypt(c, slotValues);
    encryptUMs += now() - t0;
    if (ch === 0) encBytes = ckksBytes(c, encD);
    for (let g = 0; g < groups; g++) {
      slotValues.fill(0);
      for (let b = 0; b < blocks && g * blocks + b < cols; b++) {
        for (let i = 0; i < s && ch * s + i < rows; i++) slotValues[b * s + i] = X[(ch * s + i) * cols + g * blocks + b] as number;
      }
      t0 = now();
      const pt = ckksEncode(c, slotValues);
      encodeXMs += now() - t0;
      t0 = now();
      const a = acc[g];
      if (a === undefined) {
        const fresh = new c.seal.Ciphertext();
        c.evaluator.multiplyPlain(encD, pt, fresh);
        acc[g] = fresh;
      } else {
        c.evaluator.multiplyPlain(encD, pt, tmp);
        c.evaluator.addInplace(a, tmp);
      }
      xtdMs += now() - t0;
      pt.delete();
    }
    encD.delete();
  }
  tmp.delete();
  // (a) per feature: 12 rotations; (b) per group: log2(s) rotations.
  const t0 = now();
  for (const a of acc) {
    if (a === undefined) continue;
    c.evaluator.rescaleToNextInplace(a);
    rotateAndSum(c, a, s);
  }
  xtdMs += now() - t0;
  let resultBytes = 0;
  let maxAbsError = 0;
  acc.forEach((a, g) => {
    if (a === undefined) return;
    resultBytes += ckksBytes(c, a);
    const slots = ckksDecode(c, a);
    for (let b = 0; b < blocks && g * blocks + b < cols; b++) maxAbsError = Math.max(maxAbsError, Math.abs((slots[b * s] as number) - (want[g * blocks + b] as number)));
    a.delete();
  });
  return {
    layout: blocks === 1 ? 'ckks-slots' : 'ckks-blocks',
    rows,
    features: cols,
    params: blocks === 1 ? { slots: c.slots, rotationsPerFeature: Math.log2(s) } : { blocks, blockSlots: s, rotationsPerGroup: Math.log2(s) },
    encodeXMs,
    encryptUMs,
    xtdMs,
    maskMs: null,
    decryptMs: null,
    ciphertexts: { encU: chunks, encD: chunks, results: groups },
    bytes: { encU: chunks * encBytes, encD: chunks * encBytes, results: resultBytes, total: 2 * chunks * encBytes + resultBytes },
    maxAbsError,
  };
}

// ---- BFV (c) -----------------------------------------------------------------------------------

function runBfv(bfv: Bfv, X: Float64Array, d: Float64Array, rows: number, cols: number, m: number, want: Float64Array): Omit<LayoutResult, 'plainMs' | 'ratio'> {
  const keys = generateArbiterKeys(bfv);
  const party = loadPublicKey(bfv, keys.publicBytes);
  const layout = makeLayout(bfv.N, rows, m);
  try {
    let t0 = now();
    const packed = packFeatures(bfv, X, rows, cols, layout, 1);
    const encodeXMs = now() - t0;
    t0 = now();
    const encD = encryptVector(bfv, party, d, layout);
    const encryptUMs = now() - t0;
    const encBytes = encD.reduce((s, ct) => s + serializeCiphertext(bfv, ct).length, 0);
    t0 = now();
    const results = encryptedXtD(bfv, encD, packed);
    const xtdMs = now() - t0;
    packed.dispose();
    disposeAll(encD);
    let maskMs = 0;
    let decryptMs = 0;
    let resultBytes = 0;
    let maxAbsError = 0;
    results.forEach((ct, g) => {
      const feats = Math.min(layout.k, cols - g * layout.k);
      let t = now();
      const masked = maskResult(bfv, party, ct, resultPositions(layout, feats));
      maskMs += now() - t;
      resultBytes += masked.bytes.length;
      t = now();
      const values = arbiterDecrypt(bfv, keys.secret, masked.bytes, masked.positions);
      decryptMs += now() - t;
      unmask(bfv, values, masked.masks).forEach((v, k) => {
        maxAbsError = Math.max(maxAbsError, Math.abs(v - (want[g * layout.k + k] as number)));
      });
    });
    return {
      layout: 'bfv-coeff',
      rows,
      features: cols,
      params: { m, k: layout.k },
      encodeXMs,
      encryptUMs,
      xtdMs,
      maskMs,
      decryptMs,
      ciphertexts: { encU: layout.chunks, encD: layout.chunks, results: results.length },
      bytes: { encU: encBytes, encD: encBytes, results: resultBytes, total: 2 * encBytes + resultBytes },
      maxAbsError,
    };
  } finally {
    party.dispose();
    keys.secret.dispose();
  }
}

/** One whole epoch with (c): host → guest → host/guest → arbiter → parties, each phase timed. */
function runEpoch(bfv: Bfv, name: string, rows: number, guestFeatures: number, hostFeatures: number, targetMs: number, progress: (s: string) => void): EpochResult {
  const m = recommendChunkLength(bfv.N, rows, [guestFeatures, hostFeatures]);
  const layout = makeLayout(bfv.N, rows, m);
  progress(`${name}: ${rows} rows, guest ${guestFeatures} + host ${hostFeatures} features, m = ${m} (K = ${layout.k})`);
  const keys = generateArbiterKeys(bfv);
  const guestKey = loadPublicKey(bfv, keys.publicBytes);
  const hostKey = loadPublicKey(bfv, keys.publicBytes);
  const XG = features(rows, guestFeatures, 11);
  const XH = features(rows, hostFeatures, 12);
  const uG = vector(rows, 13, 1); // stands for ¼·u_G
  const uH = vector(rows, 14, 1); // ¼·u_H
  const y = Float64Array.from(vector(rows, 15, 1), (v) => (v > 0 ? 1 : 0));
  const plainPart = Float64Array.from(uG, (v, i) => v + 0.5 - (y[i] as number));
  const d = Float64Array.from(uH, (v, i) => v + (plainPart[i] as number));
  const phases: Record<string, number> = {};
  const time = <T>(phase: string, fn: () => T): T => {
    const t0 = now();
    const out = fn();
    phases[phase] = (phases[phase] ?? 0) + now() - t0;
    return out;
  };
  let t0 = now();
  const packedG = packFeatures(bfv, XG, rows, guestFeatures, layout, 1);
  const packedH = packFeatures(bfv, XH, rows, hostFeatures, layout, 1);
  const packMs = now() - t0;
  const bytes = { encU: 0, encD: 0, results: 0, total: 0 };
  // 1. host: Enc(¼u_H), serialised.
  const encUBytes = time('1 host: encrypt ¼u', () => {
    const cts = encryptVector(bfv, hostKey, uH, layout);
    const out = cts.map((ct) => serializeCiphertext(bfv, ct));
    disposeAll(cts);
    return out;
  });
  bytes.encU = encUBytes.reduce((s, b) => s + b.length, 0);
  // 2. guest: Enc(d) = Enc(¼u_H) + (¼u_G + ½ − y), serialised for the host.
  const encDGuest = time('2 guest: form Enc(d)', () => {
    const cts = encUBytes.map((b, c) => deserializeCiphertext(bfv, b, `encU[${c}]`, 'first'));
    addPlain(bfv, cts, plainPart, layout);
    return cts;
  });
  const encDBytes = time('2 guest: form Enc(d)', () => encDGuest.map((ct) => serializeCiphertext(bfv, ct)));
  bytes.encD = encDBytes.reduce((s, b) => s + b.length, 0);
  // 3. each party: Xᵀ·Enc(d), masked. Pads are timed apart: they can be prepared while waiting.
  const party = (who: 'host' | 'guest', encD: Ciphertext[], packed: typeof packedG, key: typeof hostKey) => {
    const results = time(`3 ${who}: Xᵀ·Enc(d)`, () => encryptedXtD(bfv, encD, packed));
    const pads: MaskPad[] = time(`3 ${who}: mask pads (ahead of time)`, () => results.map(() => prepareMask(bfv, key)));
    return time(`3 ${who}: mask, switch, serialise`, () =>
      results.map((ct, g) => maskResult(bfv, key, ct, resultPositions(layout, Math.min(layout.k, packed.cols - g * layout.k)), { pad: pads[g] as MaskPad })),
    );
  };
  const encDHost = time('3 host: load Enc(d)', () => encDBytes.map((b, c) => deserializeCiphertext(bfv, b, `encD[${c}]`, 'first')));
  const hostMasked = party('host', encDHost, packedH, hostKey);
  disposeAll(encDHost);
  const guestMasked = party('guest', encDGuest, packedG, guestKey);
  disposeAll(encDGuest);
  bytes.results = [...hostMasked, ...guestMasked].reduce((s, r) => s + r.bytes.length, 0);
  bytes.total = bytes.encU + bytes.encD + bytes.results;
  // 4. arbiter decrypts every result; parties unmask.
  const decrypted = time('4 arbiter: decrypt', () => [...hostMasked, ...guestMasked].map((r, i) => arbiterDecrypt(bfv, keys.secret, r.bytes, r.positions, `result[${i}]`)));
  const gradients = time('4 parties: unmask', () => [...hostMasked, ...guestMasked].map((r, i) => unmask(bfv, decrypted[i] as Float64Array, r.masks)));
  // Check against plaintext.
  const wantH = new Float64Array(hostFeatures);
  const wantG = new Float64Array(guestFeatures);
  plainXtd(XH, d, rows, hostFeatures, wantH);
  plainXtd(XG, d, rows, guestFeatures, wantG);
  const got = [...gradients.slice(0, hostMasked.length).flatMap((g) => [...g]), ...gradients.slice(hostMasked.length).flatMap((g) => [...g])];
  const want = [...wantH, ...wantG];
  const maxAbsError = Math.max(...want.map((w, i) => Math.abs(w - (got[i] as number))));
  packedG.dispose();
  packedH.dispose();
  guestKey.dispose();
  hostKey.dispose();
  keys.secret.dispose();
  const p = (k: string) => phases[k] ?? 0;
  const sequentialMs = Object.values(phases).reduce((s, v) => s + v, 0);
  const hostPath = p('3 host: load Enc(d)') + p('3 host: Xᵀ·Enc(d)') + p('3 host: mask, switch, serialise');
  const guestPath = p('3 guest: Xᵀ·Enc(d)') + p('3 guest: mask, switch, serialise');
  const common = p('1 host: encrypt ¼u') + p('2 guest: form Enc(d)') + p('4 arbiter: decrypt') + p('4 parties: unmask');
  const criticalPathPadsAheadMs = common + Math.max(hostPath, guestPath);
  const criticalPathMs = common + Math.max(hostPath + p('3 host: mask pads (ahead of time)'), guestPath + p('3 guest: mask pads (ahead of time)'));
  return {
    name, rows, guestFeatures, hostFeatures, m, k: layout.k, targetMs, packMs, phases, sequentialMs, criticalPathMs, criticalPathPadsAheadMs, bytes, maxAbsError,
    meetsTarget: criticalPathMs <= targetMs,
  };
}

// ---- ciphertext bytes ----------------------------------------------------------------------------

interface SerialisationResult {
  level: 'first' | 'last';
  compression: 'none' | 'zlib' | 'zstd';
  bytes: number;
  saveMs: number;
  loadMs: number;
}

/** Size and (de)serialisation time of one fresh BFV ciphertext, per level and compression. */
function runSerialisation(bfv: Bfv): SerialisationResult[] {
  const keys = generateArbiterKeys(bfv);
  const party = loadPublicKey(bfv, keys.publicBytes);
  const pt = new bfv.seal.Plaintext(bfv.N);
  const ct = party.encrypt(pt);
  const out: SerialisationResult[] = [];
  for (const level of ['first', 'last'] as const) {
    if (level === 'last') bfv.evaluator.cipherModSwitchToInplace(ct, bfv.lastParmsId);
    for (const compression of ['none', 'zlib', 'zstd'] as const) {
      const mode = bfv.seal.ComprModeType[compression];
      const reps = compression === 'zlib' ? 10 : 100; // the CPU clock ticks every few ms
      let t0 = now();
      let bytes = new Uint8Array(0);
      for (let i = 0; i < reps; i++) bytes = new Uint8Array(ct.saveToArray(mode) as Uint8Array);
      const saveMs = (now() - t0) / reps;
      const back = new bfv.seal.Ciphertext();
      t0 = now();
      for (let i = 0; i < reps; i++) back.loadFromArray(bfv.context, bytes);
      const loadMs = (now() - t0) / reps;
      back.delete();
      out.push({ level, compression, bytes: bytes.length, saveMs, loadMs });
    }
  }
  disposeAll([ct, pt]);
  party.dispose();
  keys.secret.dispose();
  return out;
}

// ---- report ------------------------------------------------------------------------------------

const ms = (v: number | null) => (v === null ? '—' : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(v < 10 ? 2 : 0)} ms`);
const mb = (v: number) => `${(v / 1e6).toFixed(1)} MB`;

function table(layouts: LayoutResult[], epochs: EpochResult[], serialisation: SerialisationResult[]): string {
  const lines: string[] = [];
  lines.push('BFV ciphertext bytes (one ciphertext; first level 4 primes, last level 2 primes)');
  for (const r of serialisation) lines.push(`  ${r.level.padEnd(5)} ${r.compression.padEnd(4)} ${String(r.bytes).padStart(7)} bytes  save ${ms(r.saveMs)}  load ${ms(r.loadMs)}`);
  lines.push('');
  lines.push('Xᵀ·Enc(d) per epoch, one thread (N = 8192, 128-bit); bytes: Enc(u) one host, Enc(d) to one host, results of one party');
  const head = ['layout', 'n', 'F', 'params', 'Xᵀ·Enc(d)', 'plain Xᵀd', 'ratio', 'encrypt u', 'mask+decrypt', 'encode X (once)', 'cts u/d/res', 'Enc(u)', 'Enc(d)', 'results', 'max |err|'];
  const rows = layouts.map((r) => [
    r.layout, String(r.rows), String(r.features), Object.entries(r.params).map(([k, v]) => `${k}=${v}`).join(' '),
    ms(r.xtdMs), ms(r.plainMs), `${Math.round(r.ratio)}×`, ms(r.encryptUMs), r.maskMs === null ? '—' : `${ms(r.maskMs)} + ${ms(r.decryptMs)}`, ms(r.encodeXMs),
    `${r.ciphertexts.encU}/${r.ciphertexts.encD}/${r.ciphertexts.results}`, mb(r.bytes.encU), mb(r.bytes.encD), mb(r.bytes.results), r.maxAbsError.toExponential(1),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const fmt = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] as number)).join('  ');
  lines.push(fmt(head), ...rows.map(fmt));
  for (const e of epochs) {
    lines.push('', `epoch with (c): ${e.name} — ${e.rows} rows, guest ${e.guestFeatures} + host ${e.hostFeatures} features, m = ${e.m} (K = ${e.k}); packing X once: ${ms(e.packMs)}`);
    for (const [phase, v] of Object.entries(e.phases)) lines.push(`  ${phase.padEnd(40)} ${ms(v)}`);
    lines.push(`  ${'sequential, one thread'.padEnd(40)} ${ms(e.sequentialMs)}`);
    lines.push(`  ${'critical path (guest ∥ host)'.padEnd(40)} ${ms(e.criticalPathMs)}  (pads ahead of time: ${ms(e.criticalPathPadsAheadMs)})  target ≤ ${ms(e.targetMs)}: ${e.meetsTarget ? 'met' : 'NOT met'}`);
    lines.push(`  ${'bytes'.padEnd(40)} Enc(u) ${mb(e.bytes.encU)}, Enc(d) ${mb(e.bytes.encD)}, results ${mb(e.bytes.results)}, total ${mb(e.bytes.total)}; max |err| ${e.maxAbsError.toExponential(1)}`);
  }
  return `${lines.join('\n')}\n`;
}

function positiveInt(flag: string, s: string): number {
  const v = Number(s);
  if (!Number.isSafeInteger(v) || v <= 0) throw new Error(`${flag}: expected a positive integer, got ${s}`);
  return v;
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      json: { type: 'boolean', default: false },
      rows: { type: 'string' },
      features: { type: 'string' },
      layouts: { type: 'string', default: 'a,b,c' },
      m: { type: 'string' },
      'big-rows': { type: 'string' },
      'big-features': { type: 'string' },
      'no-epochs': { type: 'boolean', default: false },
      clock: { type: 'string', default: 'cpu' },
      quick: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return void process.stdout.write(`${HELP}\n`);
  if (values.clock !== 'cpu' && values.clock !== 'wall') throw new Error(`--clock: expected cpu or wall, got ${values.clock}`);
  clock = values.clock;
  const rows = values.rows !== undefined ? positiveInt('--rows', values.rows) : values.quick ? 3000 : 21_000;
  const featureCounts = (values.features ?? (values.quick ? '4,20' : '10,130')).split(',').map((s) => positiveInt('--features', s.trim()));
  const bigRows = values['big-rows'] !== undefined ? positiveInt('--big-rows', values['big-rows']) : values.quick ? 10_000 : 100_000;
  const bigFeatures = values['big-features'] !== undefined ? positiveInt('--big-features', values['big-features']) : values.quick ? 30 : 300;
  const which = new Set(values.layouts.split(',').map((s) => s.trim()));
  for (const w of which) if (!['a', 'b', 'c'].includes(w)) throw new Error(`--layouts: expected a, b or c, got ${w}`);
  const progress = (line: string) => process.stderr.write(`he-layouts: ${line}\n`);
  const loadStart = loadavg();

  const bfv = await createBfv();
  const ckks = which.has('a') || which.has('b') ? await createCkks() : undefined;
  const layouts: LayoutResult[] = [];
  const epochs: EpochResult[] = [];
  let serialisation: SerialisationResult[] = [];
  try {
    serialisation = runSerialisation(bfv);
    const shapes: [number, number][] = featureCounts.map((f) => [rows, f]);
    if (which.has('c')) shapes.push([bigRows, bigFeatures]);
    for (const [n, F] of shapes) {
      const X = features(n, F, 1);
      const d = vector(n, 2, 2);
      const plain = timePlain(X, d, n, F);
      const big = n === bigRows && F === bigFeatures;
      const add = (r: Omit<LayoutResult, 'plainMs' | 'ratio'>) => {
        const full = { ...r, plainMs: plain.ms, ratio: r.xtdMs / plain.ms };
        layouts.push(full);
        progress(`${r.layout} n=${n} F=${F}: Xᵀ·Enc(d) ${ms(r.xtdMs)} (plain ${ms(plain.ms)}), bytes ${mb(r.bytes.total)}`);
      };
      if (ckks !== undefined && !big) {
        if (which.has('a')) add(runCkks(ckks, X, d, n, F, 1, plain.result));
        if (which.has('b')) add(runCkks(ckks, X, d, n, F, Math.min(2 ** Math.ceil(Math.log2(F)), ckks.slots), plain.result));
      }
      if (which.has('c')) {
        const m = values.m !== undefined ? positiveInt('--m', values.m) : recommendChunkLength(bfv.N, n, [0, F]); // the party as a host: its Enc(u) and Enc(d) count
        add(runBfv(bfv, X, d, n, F, m, plain.result));
      }
    }
    if (!values['no-epochs']) {
      epochs.push(runEpoch(bfv, 'default_credit', values.quick ? 3000 : 21_000, 13, 10, 1000, progress));
      epochs.push(runEpoch(bfv, `${bigRows / 1000}k × (${bigFeatures / 10} + ${bigFeatures})`, bigRows, bigFeatures / 10, bigFeatures, 14_000, progress));
    }
  } finally {
    ckks?.dispose();
    bfv.dispose();
  }
  const report = { benchmark: 'he-layouts', node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: availableParallelism(), clock, loadAverage: { start: loadStart, end: loadavg() }, serialisation, layouts, epochs };
  if (values.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else process.stdout.write(`${table(layouts, epochs, serialisation)}times: ${clock === 'cpu' ? 'main-thread CPU (getrusage: a few ms granularity per measured phase)' : 'wall'}; load average ${loadStart.map((v) => v.toFixed(1)).join(' ')} at the start, ${loadavg().map((v) => v.toFixed(1)).join(' ')} at the end, on ${availableParallelism()} cores\n`);
}

if (import.meta.main) {
  run(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`he-layouts: FAILED: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
