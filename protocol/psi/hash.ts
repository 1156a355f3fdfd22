// Hash of customer IDs onto X25519 u-coordinates, step 1 of ECDH-PSI
// (Meadows 1986; Huberman, Franklin & Hogg 1999; design note protocols.md, section PSI).
//
// H(x) = BLAKE2b-256 (RFC 7693, unkeyed) of
//     "fedmark/psi/v1" || be32(len(jobId)) || jobId || be32(len(id)) || id
// with jobId and id in UTF-8 and lengths in bytes. The 32-byte digest is used as the u-coordinate
// for X25519 (RFC 7748), which ignores bit 255 and reduces mod 2^255 - 19 (section 5).
//
// Why the length prefixes: without them ("job-1", "2x") and ("job-12", "x") would hash the same
// bytes, so an ID could be made to collide with an ID of another job. With both lengths in front,
// the encoding is injective: every (jobId, id) pair has exactly one byte string. The tag names the
// protocol and its version, so these hashes never collide with another use of BLAKE2b.
//
// Parameters: jobId (domain separation: hashes from different jobs are unrelated, so blinded
// values cannot be linked across jobs even if a scalar leaked). IDs arrive normalised by the
// caller (trim, case-fold); lone surrogates are refused because UTF-8 would merge them.
// What each role learns: nothing; hashing is local. H(x) itself is never sent, only a·H(x).

import { checkString, checkStrings, POINT_BYTES } from './check.ts';
import { sodium } from './sodium.ts';

export const HASH_DOMAIN = 'fedmark/psi/v1';

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
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] as string;
    // UTF-8 needs at most 3 bytes per UTF-16 code unit.
    if (scratch.length < idStart + 3 * id.length) {
      scratch = new Uint8Array(idStart + 3 * id.length);
      view = new DataView(scratch.buffer);
      writePrefix();
    }
    // 2. be32(len(id)) || id after the prefix, then 3. BLAKE2b-256 into slot i.
    const { written } = utf8.encodeInto(id, scratch.subarray(idStart));
    view.setUint32(prefixLength, written);
    sodium.crypto_generichash(
      out.subarray(i * POINT_BYTES, (i + 1) * POINT_BYTES),
      scratch.subarray(0, idStart + written),
    );
  }
  return out;
}
