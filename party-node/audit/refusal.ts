// What the ledger records when this party refuses something addressed to it (a partner key that did
// not verify, a request it would not answer): nothing left the party, so `bytes` is 0, the kind says
// what was refused, `to` names the partner concerned, and the digest is of the refused value.
import { createHash } from 'node:crypto';
import type { OutboundRecord } from './ledger.ts';

export const REFUSAL_PREFIX = 'refused.';

export function describeRefusal(job: string, what: string, party: string, refused: Uint8Array): OutboundRecord {
  return { job, kind: `${REFUSAL_PREFIX}${what}`, to: party, bytes: 0, sha256: createHash('sha256').update(refused).digest('hex') };
}
