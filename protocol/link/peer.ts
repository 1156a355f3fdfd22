// Both ends of a coordinator <-> party link share this: numbering outgoing frames, checking that
// incoming sequence numbers only go up, and turning a bad frame into an error reply instead of a
// dropped link. It knows nothing about sockets: `sendRaw` is given by the owner.

import { FedmarkError, serializeError, type WireError } from '../../errors/table.ts';
import type { SendOptions } from '../envelope.ts';
import { linkCodec, type BodyOf, type LinkFrame, type MessageKind, type ReplyKind } from '../messages/index.ts';

export interface FrameRejection {
  error: WireError;
  size: number;
}

export class FramePeer {
  private nextSeq = 0;
  private lastSeen = -1;
  private readonly sendRaw: (bytes: Buffer) => void;
  private readonly maxFrameBytes: number;

  constructor(sendRaw: (bytes: Buffer) => void, maxFrameBytes: number) {
    this.sendRaw = sendRaw;
    this.maxFrameBytes = maxFrameBytes;
  }

  send<K extends MessageKind>(kind: K, body: BodyOf<K>, opts: SendOptions = {}): number {
    const seq = this.nextSeq++;
    this.sendRaw(linkCodec.encode(kind, seq, body, opts));
    return seq;
  }

  /** The error reply of kind `kind` to request `opts.request`: an error and no body. */
  fail(kind: ReplyKind, error: WireError, opts: Omit<SendOptions, 'payload'> = {}): number {
    const seq = this.nextSeq++;
    this.sendRaw(linkCodec.encodeFailure(kind, seq, error, opts));
    return seq;
  }

  /**
   * Decodes one incoming message. A frame that fails a check is answered with an `error` frame and
   * reported through the return value; the caller logs it and carries on.
   */
  receive(data: Uint8Array): { frame: LinkFrame } | { rejected: FrameRejection } {
    try {
      const frame = linkCodec.decode(data, this.maxFrameBytes);
      if (frame.seq <= this.lastSeen) {
        throw new FedmarkError('FM_ERR_WIRE_MALFORMED', { reason: `sequence number ${frame.seq} is not above ${this.lastSeen}` });
      }
      this.lastSeen = frame.seq;
      return { frame };
    } catch (err) {
      const error = serializeError(err);
      // Never answer an error with an error: two confused peers would ping-pong forever. The answer
      // names the frame and its job when its envelope is readable, so the sender can end that job.
      const head = linkCodec.peek(data, this.maxFrameBytes);
      if (!looksLikeErrorFrame(data)) this.send('error', head ? { rejectedSeq: head.seq, error } : { error }, head?.job === undefined ? {} : { job: head.job });
      return { rejected: { error, size: data.length } };
    }
  }
}

function looksLikeErrorFrame(data: Uint8Array): boolean {
  const head = Buffer.from(data.buffer, data.byteOffset, Math.min(data.byteLength, 200)).toString('latin1');
  return head.includes('"kind":"error"');
}
