// Generator of the known-answer vectors pinned in hash.test.ts and ecdh.test.ts, computed
// independently of sodium-native: BLAKE2b (RFC 7693) from @noble/hashes and X25519 (RFC 7748)
// from @noble/curves, with the encoding of hash.ts re-implemented here from its specification:
//   H(x) = BLAKE2b-256("fedmark/psi/v1" || be32(len(jobId)) || jobId || be32(len(id)) || id).
// Parameters: the fixed inputs below. Roles: none (test data only).
// Run: npx node protocol/psi/vectors.gen.ts

import { blake2b } from '@noble/hashes/blake2.js';
import { x25519 } from '@noble/curves/ed25519.js';

function be32(n: number): number[] {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
}

function utf8(s: string): number[] {
  return [...Buffer.from(s, 'utf8')];
}

function hashId(id: string, jobId: string): Uint8Array {
  const job = utf8(jobId);
  const x = utf8(id);
  const message = Uint8Array.from([...utf8('fedmark/psi/v1'), ...be32(job.length), ...job, ...be32(x.length), ...x]);
  return blake2b(message, { dkLen: 32 });
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

const cases = [
  { ids: ['customer-1'], jobId: 'job-1' },
  { ids: ['customer-1', '', 'Zoë 🙂 ß'], jobId: 'job-1' },
  { ids: ['customer-1'], jobId: 'job-2' },
  // The pair the length prefixes keep apart from each other.
  { ids: ['2x'], jobId: 'job-1' },
  { ids: ['x'], jobId: 'job-12' },
];

const hashes = cases.map(({ ids, jobId }) => ({ ids, jobId, hex: ids.map((id) => hex(hashId(id, jobId))).join('') }));

// Blinding with a fixed scalar 0x01 0x02 … 0x20 (X25519 clamps it).
const scalar = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const point = hashId('customer-1', 'job-1');
const blinded = x25519.scalarMult(scalar, point);

console.log(JSON.stringify({ hashes, blind: { scalar: hex(scalar), point: hex(point), blinded: hex(blinded) } }, null, 2));
