// Contribution tags: how a member checks who is really inside an aggregate the coordinator hands it.
//
// The coordinator adds the members' CKKS ciphertexts and names the contributors next to the sum.
// Without a check it could name three members and send one member's upload alone (or the sum of
// two), and every member would decrypt that member's update. The coordinator holds no key, but
// CKKS is malleable with public parameters only: it can scale a ciphertext, add one to itself, or
// add a trivial encryption of any value, so an encrypted "count" slot proves nothing.
//
// Each upload therefore ends in TAG_SLOTS values that only members can compute: a PRF of the job's
// tag key, the job, the step (round and purpose) and the contributing member. A member decrypting
// an aggregate recomputes the sum of the tags of the members the coordinator names and refuses the
// aggregate unless every tag slot matches. To pass, the ciphertext's tag slots must hold exactly
// Σ tag(m) over the named members: leaving one out, repeating one, scaling or replaying an upload
// from another step changes them, and forging the difference means guessing 32 unknown bits per
// slot within the tolerance (about 2^-28 per slot, 2^-112 for four). The tag key comes from the
// job's CKKS secret key bytes, which only members hold (sent end to end); a member colluding with
// the coordinator can forge tags, but such a pair decrypts every upload anyway (docs/security.md: trust).
import { createHmac, hkdfSync } from 'node:crypto';
import { FedmarkError } from '../../errors/table.ts';
import type { Purpose } from '../messages/horizontal.ts';
import { CKKS_PARAMETERS } from './ckks.ts';

/** Tag values appended to every horizontal upload. */
export const TAG_SLOTS = 4;

/** Tags are multiples of the decryption grid in [-2^11, 2^11): 64 members' sum stays below 2^17. */
const GRID = 2 ** -CKKS_PARAMETERS.gridBits;

/** Far above the CKKS error after rounding to the grid (2^-20), far below one guess's chance. */
const TOLERANCE = 2 ** -16;

export interface TagStep {
  job: string;
  round: number;
  purpose: Purpose;
}

/** The job's tag key, from the CKKS secret key bytes every member holds. */
export function tagKeyFrom(secretKeyBytes: Uint8Array, job: string): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', secretKeyBytes, job, 'fedmark horizontal contribution tags', 32));
}

/** The tag `member` appends to its upload for one step. */
export function contributionTag(tagKey: Uint8Array, step: TagStep, member: string): Float64Array {
  const mac = createHmac('sha256', tagKey).update(JSON.stringify([step.job, step.round, step.purpose, member])).digest();
  const out = new Float64Array(TAG_SLOTS);
  for (let i = 0; i < TAG_SLOTS; i++) out[i] = mac.readInt32LE(4 * i) * GRID;
  return out;
}

/** `values` followed by this member's tag for the step: the vector to encrypt. */
export function withTag(values: ArrayLike<number>, tagKey: Uint8Array, step: TagStep, member: string): Float64Array {
  const out = new Float64Array(values.length + TAG_SLOTS);
  out.set(values);
  out.set(contributionTag(tagKey, step, member), values.length);
  return out;
}

/**
 * Checks that a decrypted aggregate holds one upload of each named contributor, and nothing else
 * tagged; returns the values without the tag slots. FM_ERR_HFL_AGGREGATE otherwise.
 */
export function checkedSum(sum: Float64Array, tagKey: Uint8Array, step: TagStep, contributors: readonly string[]): Float64Array {
  const values = sum.length - TAG_SLOTS;
  if (values < 1) throw new FedmarkError('FM_ERR_HFL_AGGREGATE', { round: step.round, purpose: step.purpose, reason: `${sum.length} values, too few to carry contribution tags` });
  const expected = new Float64Array(TAG_SLOTS);
  for (const m of contributors) contributionTag(tagKey, step, m).forEach((v, i) => (expected[i] = (expected[i] as number) + v));
  for (let i = 0; i < TAG_SLOTS; i++) {
    if (!(Math.abs((sum[values + i] as number) - (expected[i] as number)) <= TOLERANCE)) {
      throw new FedmarkError('FM_ERR_HFL_AGGREGATE', {
        round: step.round, purpose: step.purpose,
        reason: `its contribution tags do not match the ${contributors.length} contributors it names (${contributors.join(', ')}): a contribution was left out, repeated, altered or replayed`,
      });
    }
  }
  return sum.slice(0, values);
}
