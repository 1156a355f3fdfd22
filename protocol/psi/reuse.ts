// Incremental ECDH-PSI with a partner (Meadows 1986; Huberman, Franklin & Hogg 1999; design note
// protocols.md, section PSI): two parties that run many jobs over slowly changing customer lists
// keep their blinded sets between jobs, under a per-partner key, and a new job blinds only the
// IDs added since the last one.
//
// State of a pair (one per partner and dataset, kept by each side, never sent):
//   key k          this side's X25519 scalar for the pair, drawn when the pair state starts;
//   epoch          BLAKE2b-256(EPOCH_TAG || guest nonce || host nonce) of the job that started it;
//                  the hash domain of every job of the pair is "psi-reuse/" + hex(epoch);
//   fingerprints   fingerprint.ts of each own ID (keyed with k), to tell added and removed IDs;
//   guest:         for each own ID x, the first MATCH_BYTES of k_B·k_A·H(x) (which the host
//                  computed); for each host handle h (ascending), the first MATCH_BYTES of
//                  k_A·k_B·H(y_h);
//   host:          the handle of each own ID, and the next handle to give.
// A job with reuse on both sides:
//   1. Each hello carries a nonce and the tag of the state its sender holds (none after a
//      rotation or a failed save). tag = BLAKE2b-256(TAG_TAG || epoch || generation ||
//      next handle || job of the last update), so both sides' states must come from the same
//      last job.
//   2. Equal tags: continue. The guest sends k_A·H(x) for its added IDs only, the host re-blinds
//      them; the host sends k_B·H(y) for its added IDs with new handles (shuffled among
//      themselves) and the list of handles it removed; the guest re-blinds the new ones, drops
//      the removed ones, and matches its whole stored set against the host's.
//   3. Otherwise: a full PSI under fresh keys and a new epoch, whose state both keep (start).
//   Without reuse on both sides: the plain per-job protocol (fresh), nothing kept.
// Cost of a continued job: one hash and two scalar multiplications per changed ID per side,
// a keyed hash per ID (fingerprints) and the match, instead of two multiplications per ID.
// What each role learns beyond a fresh PSI: the partner's items keep their blinded value (guest)
// or handle (host) across the jobs of an epoch, so each side learns which of the partner's items
// persist, and when: the guest learns which host handles were added or removed in each job (so
// how long a host customer it matches has been held, and the churn among non-intersecting ones);
// the host learns how many IDs the guest added in each job, and, if the guest removes an ID and
// adds it back within the epoch, that it is the same one (its blinded value repeats). Rotation
// (a new epoch) cuts every link.
// Parameters: MATCH_BYTES = 16 (prefix of a double-blinded point the guest keeps).

import { FedmarkError } from '../../errors/table.ts';
import { FINGERPRINT_BYTES } from './fingerprint.ts';
import { sodium } from './sodium.ts';

export const MATCH_BYTES = 16;
const EPOCH_TAG = new TextEncoder().encode('fedmark/psi-reuse/epoch/v1');
const TAG_TAG = new TextEncoder().encode('fedmark/psi-reuse/tag/v1');

interface PairStateBase {
  /** 32 bytes. */
  epoch: Uint8Array;
  /** Jobs completed under this epoch: 1 after the job that started it. */
  generation: number;
  /** When the key was drawn (ms since 1970): rotation counts from here. */
  created: number;
  /** This side's scalar for the pair. */
  key: Uint8Array;
  /** The host's next handle. */
  nextHandle: number;
  /** The job that last updated the state. */
  job: string;
  /** FINGERPRINT_BYTES per own ID, in the order of the table at the last job. */
  fingerprints: Uint8Array;
}

export interface GuestPairState extends PairStateBase {
  role: 'guest';
  /** MATCH_BYTES per own ID, same order as fingerprints: k_B·k_A·H(x). */
  values: Uint8Array;
  /** The host's live handles, ascending. */
  peerHandles: Uint32Array;
  /** MATCH_BYTES per peer handle, same order: k_A·k_B·H(y). */
  peerValues: Uint8Array;
}

export interface HostPairState extends PairStateBase {
  role: 'host';
  /** The handle of each own ID, same order as fingerprints. */
  handles: Uint32Array;
}

export type PairState = GuestPairState | HostPairState;

/** Where a party keeps its state for one partner (party-node/jobs/psiReuse.ts keeps it in a file). */
export interface ReuseStore {
  /** The state held, or undefined when there is none or it is due for rotation; throws on a damaged store. */
  load(): Promise<PairState | undefined>;
  save(state: PairState): Promise<void>;
}

export type ReuseMode =
  | { kind: 'fresh' }
  | { kind: 'start'; epoch: Uint8Array }
  | { kind: 'continue' };

export interface ReuseOffer {
  nonce: Uint8Array;
  tag?: Uint8Array;
}

/** Both sides compute the same answer from the two hellos. */
export function decideMode(guest: ReuseOffer | undefined, host: ReuseOffer | undefined): ReuseMode {
  if (guest === undefined || host === undefined) return { kind: 'fresh' };
  if (guest.tag !== undefined && host.tag !== undefined && equalBytes(guest.tag, host.tag)) return { kind: 'continue' };
  const epoch = new Uint8Array(32);
  sodium.crypto_generichash(epoch, concatBytes([EPOCH_TAG, guest.nonce, host.nonce]));
  return { kind: 'start', epoch };
}

/** The hash domain of every job of an epoch. */
export function reuseDomain(epoch: Uint8Array): string {
  return `psi-reuse/${Buffer.from(epoch).toString('hex')}`;
}

/** What a hello says about a held state. */
export function stateTag(state: Pick<PairState, 'epoch' | 'generation' | 'nextHandle' | 'job'>): Uint8Array {
  const numbers = new DataView(new ArrayBuffer(8));
  numbers.setUint32(0, state.generation);
  numbers.setUint32(4, state.nextHandle);
  const tag = new Uint8Array(32);
  sodium.crypto_generichash(tag, concatBytes([TAG_TAG, state.epoch, new Uint8Array(numbers.buffer), new TextEncoder().encode(state.job)]));
  return tag;
}

/**
 * For each current ID (by fingerprint), its index in the stored fingerprints, -1 when it is new;
 * and the stored indices no current ID has (removed IDs), ascending.
 */
export function diffFingerprints(current: Uint8Array, stored: Uint8Array): { storedIndex: Int32Array; removed: Uint32Array } {
  const n = current.length / FINGERPRINT_BYTES;
  const m = stored.length / FINGERPRINT_BYTES;
  // Four words per fingerprint; fingerprints are keyed hashes, so the first word indexes a table
  // without further hashing.
  const c = words(current);
  const s = words(stored);
  let size = 1;
  while (size < m + (m >>> 1) + 1) size *= 2;
  const mask = size - 1;
  const table = new Int32Array(size).fill(-1);
  for (let j = 0; j < m; j++) {
    let slot = s[4 * j]! & mask;
    while (table[slot] !== -1) slot = (slot + 1) & mask;
    table[slot] = j;
  }
  const storedIndex = new Int32Array(n);
  const used = new Uint8Array(m);
  for (let i = 0; i < n; i++) {
    const w0 = c[4 * i]!;
    const w1 = c[4 * i + 1]!;
    const w2 = c[4 * i + 2]!;
    const w3 = c[4 * i + 3]!;
    let slot = w0 & mask;
    let found = -1;
    for (let j = table[slot]!; j !== -1; j = table[slot]!) {
      if (s[4 * j] === w0 && s[4 * j + 1] === w1 && s[4 * j + 2] === w2 && s[4 * j + 3] === w3) {
        found = j;
        break;
      }
      slot = (slot + 1) & mask;
    }
    storedIndex[i] = found;
    if (found >= 0) used[found] = 1;
  }
  let removedCount = 0;
  for (let j = 0; j < m; j++) if (!used[j]) removedCount++;
  const removed = new Uint32Array(removedCount);
  for (let j = 0, k = 0; j < m; j++) if (!used[j]) removed[k++] = j;
  return { storedIndex, removed };
}

/** The bytes as 32-bit words (native order: only compared, never read as numbers), copied when not aligned. */
function words(bytes: Uint8Array): Uint32Array {
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  return new Uint32Array(aligned.buffer, aligned.byteOffset, aligned.length / 4);
}

/**
 * The guest's view of the host's set after an incremental job: the stored handles without the
 * removed ones, then `added` new handles from `base` with their values. A removed handle the
 * guest does not hold, or one named twice, means the two states differ: a protocol error.
 */
export function mergePeer(
  state: Pick<GuestPairState, 'peerHandles' | 'peerValues' | 'nextHandle'>,
  removed: Uint32Array,
  base: number,
  addedValues: Uint8Array,
  peer: string,
): { handles: Uint32Array; values: Uint8Array } {
  if (base !== state.nextHandle) throw new FedmarkError('FM_ERR_PSI_PROTOCOL', { peer, reason: `new handles start at ${base}, the stored state expects ${state.nextHandle}` });
  const { peerHandles, peerValues } = state;
  const drop = new Uint8Array(peerHandles.length);
  for (const h of removed) {
    const at = binarySearch(peerHandles, h);
    if (at < 0 || drop[at]) throw new FedmarkError('FM_ERR_PSI_PROTOCOL', { peer, reason: `removed handle ${h} is not held or is named twice` });
    drop[at] = 1;
  }
  const added = addedValues.length / MATCH_BYTES;
  const kept = peerHandles.length - removed.length;
  const handles = new Uint32Array(kept + added);
  const values = new Uint8Array((kept + added) * MATCH_BYTES);
  let k = 0;
  for (let j = 0; j < peerHandles.length; j++) {
    if (drop[j]) continue;
    handles[k] = peerHandles[j]!;
    values.set(peerValues.subarray(j * MATCH_BYTES, (j + 1) * MATCH_BYTES), k * MATCH_BYTES);
    k++;
  }
  for (let a = 0; a < added; a++) handles[k + a] = base + a;
  values.set(addedValues, k * MATCH_BYTES);
  return { handles, values };
}

function equalAt(a: Uint8Array, i: number, b: Uint8Array, j: number, width: number): boolean {
  for (let w = 0; w < width; w++) if (a[i * width + w] !== b[j * width + w]) return false;
  return true;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && equalAt(a, 0, b, 0, a.length);
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function binarySearch(sorted: Uint32Array, value: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid]!;
    if (v === value) return mid;
    if (v < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
