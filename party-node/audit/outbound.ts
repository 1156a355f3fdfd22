// What the ledger records about a frame this party is about to send: read back from the frame's own
// header (kind, job, relay recipient) and a digest of the exact bytes.
import { createHash } from 'node:crypto';
import { linkCodec } from '../../protocol/messages/index.ts';
import type { OutboundRecord } from './ledger.ts';

export function describeOutbound(bytes: Uint8Array): OutboundRecord {
  // Our own frame, encoded a moment ago: no size limit applies to reading it back.
  const frame = linkCodec.decode(bytes, Number.MAX_SAFE_INTEGER);
  const to = frame.kind === 'relay.send' ? frame.body.to : 'coordinator';
  return { job: frame.job ?? null, kind: frame.kind, to, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/**
 * A notice this party received about its job that it must be able to show later (a partner's
 * refused decryption request): recorded with `to: 'self'`, a digest of the notice and its size.
 */
export function describeNotice(job: string, kind: string, body: unknown): OutboundRecord {
  const bytes = Buffer.from(JSON.stringify(body), 'utf8');
  return { job, kind, to: 'self', bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}
