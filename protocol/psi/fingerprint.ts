// ID fingerprints for incremental PSI (reuse.ts): a party recognises which of its own IDs it has
// blinded for a partner before by a keyed hash of each, without keeping the IDs themselves.
//
// fp(x) = BLAKE2b-128 (RFC 7693), keyed with K, of "fedmark/psi-reuse/fp/v1" || be32(len(x)) || x
// with x the normalised ID in UTF-8. K is the party's own 32-byte scalar for that partner (never
// sent), so fingerprints are unlinkable across partners and key rotations, and useless to anyone
// without the party's reuse file. 128 bits: two of a party's IDs collide with probability about
// n²/2^129 (below 10^-24 for n = 10^7).
// Parameters: key (32 bytes). What each role learns: nothing; fingerprints never leave the party.

import { checkScalar, checkStrings } from './check.ts';
import { sodium } from './sodium.ts';

export const FINGERPRINT_BYTES = 16;
const TAG = new TextEncoder().encode('fedmark/psi-reuse/fp/v1');
const utf8 = new TextEncoder();

/** Packed 16-byte fingerprints of `ids`, in order. */
export function fingerprintIds(ids: readonly string[], key: Uint8Array): Uint8Array {
  checkStrings('ids', ids);
  checkScalar('key', key);
  const out = new Uint8Array(ids.length * FINGERPRINT_BYTES);
  const idStart = TAG.length + 4;
  let scratch = new Uint8Array(idStart + 256);
  let view = new DataView(scratch.buffer);
  let room = scratch.subarray(idStart);
  scratch.set(TAG, 0);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    // UTF-8 needs at most 3 bytes per UTF-16 code unit.
    if (room.length < 3 * id.length) {
      scratch = new Uint8Array(idStart + 3 * id.length);
      view = new DataView(scratch.buffer);
      room = scratch.subarray(idStart);
      scratch.set(TAG, 0);
    }
    const { written } = utf8.encodeInto(id, room);
    view.setUint32(TAG.length, written);
    sodium.crypto_generichash(out.subarray(i * FINGERPRINT_BYTES, (i + 1) * FINGERPRINT_BYTES), scratch.subarray(0, idStart + written), key);
  }
  scratch.fill(0);
  return out;
}
