// Contribution tags under real CKKS: the sum the coordinator makes of the named members' uploads
// passes, and every way of making one member's upload pass for a larger sum is caught.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateCiphertexts, ciphertextCount, createCkks, generateMemberKey, type Ckks, type MemberKey } from './ckks.ts';
import { checkedSum, contributionTag, tagKeyFrom, TAG_SLOTS, withTag } from './contributionTag.ts';

let ckks: Ckks;
let key: MemberKey;
let tagKey: Uint8Array;
const step = { job: 'job-1', round: 3, purpose: 'update' as const };
const members = ['m1', 'm2', 'm3'];
const values = members.map((_, k) => Float64Array.from({ length: 25 }, (_, i) => (k + 1) * 0.01 * (i - 12)));

beforeAll(async () => {
  ckks = await createCkks();
  key = generateMemberKey(ckks);
  tagKey = tagKeyFrom(key.secretKeyBytes(), step.job);
});
afterAll(() => {
  key.dispose();
  ckks.dispose();
});

function upload(k: number, at = step): { from: string; blobs: Uint8Array[] } {
  return { from: members[k] as string, blobs: key.encryptVector(withTag(values[k] as Float64Array, tagKey, at, members[k] as string)) };
}

function decrypt(uploads: Array<{ from: string; blobs: Uint8Array[] }>): Float64Array {
  return key.decryptVector(aggregateCiphertexts(ckks, uploads, ciphertextCount(ckks, 25 + TAG_SLOTS), true), 25 + TAG_SLOTS);
}

describe('contribution tags', () => {
  it('differ by member, step and job, and derive the same for every holder of the key bytes', () => {
    const tags = [contributionTag(tagKey, step, 'm1'), contributionTag(tagKey, step, 'm2'), contributionTag(tagKey, { ...step, round: 4 }, 'm1'),
      contributionTag(tagKey, { ...step, purpose: 'histogram' }, 'm1'), contributionTag(tagKeyFrom(key.secretKeyBytes(), 'job-2'), step, 'm1')];
    expect(new Set(tags.map((t) => t.join())).size).toBe(tags.length);
    expect(contributionTag(tagKeyFrom(key.secretKeyBytes(), step.job), step, 'm1')).toEqual(tags[0]);
    for (const t of tags) for (const v of t) expect(Math.abs(v)).toBeLessThan(2 ** 11);
  });

  it('pass for the sum of the named members\' uploads and give back the values without the tags', () => {
    const sum = checkedSum(decrypt([0, 1, 2].map((k) => upload(k))), tagKey, step, members);
    expect(sum).toHaveLength(25);
    sum.forEach((v, i) => expect(Math.abs(v - 0.06 * (i - 12))).toBeLessThan(2 ** -18));
  });

  it('catch one upload named as three, a left-out member, a doubled upload and a replay from another round', () => {
    const refused = (uploads: Array<{ from: string; blobs: Uint8Array[] }>, named = members) =>
      expect(() => checkedSum(decrypt(uploads), tagKey, step, named)).toThrow(expect.objectContaining({ code: 'FM_ERR_HFL_AGGREGATE' }));
    refused([upload(0)]);
    refused([upload(0), upload(1)]);
    refused([upload(0), upload(0), upload(0)]);
    refused([upload(0), upload(1), upload(2, { ...step, round: 2 })]);
    refused([upload(0), upload(1), upload(2)], ['m1', 'm2']);
  });
});
