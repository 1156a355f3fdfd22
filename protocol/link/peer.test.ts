// A link peer numbers what it sends and accepts only rising sequence numbers: a duplicated or
// reordered frame is answered with an error and dropped, and the link goes on.
import { describe, expect, it } from 'vitest';
import { FramePeer } from './peer.ts';
import { linkCodec } from '../messages/index.ts';
import { PROTOCOL_VERSION } from '../envelope.ts';

describe('FramePeer sequence numbers', () => {
  it('drops a duplicated and a reordered frame with an error reply, and accepts the next new one', () => {
    const sentByA: Buffer[] = [];
    const repliesFromB: Buffer[] = [];
    const a = new FramePeer((bytes) => sentByA.push(bytes), 1 << 20);
    const b = new FramePeer((bytes) => repliesFromB.push(bytes), 1 << 20);
    for (let i = 0; i < 3; i++) a.send('job.checkpoint', { attempt: 0, epochs: i + 1 }, { job: 'job-1' });
    const [first, second, third] = sentByA as [Buffer, Buffer, Buffer];
    expect(b.receive(first)).toMatchObject({ frame: { seq: 0, body: { epochs: 1 } } });
    expect(b.receive(second)).toMatchObject({ frame: { seq: 1 } });
    const duplicate = b.receive(second);
    expect(duplicate).toMatchObject({ rejected: { error: { code: 'FM_ERR_WIRE_MALFORMED' } } });
    expect('rejected' in duplicate && duplicate.rejected.error.message).toMatch(/sequence number 1 is not above 1/);
    expect(b.receive(first)).toMatchObject({ rejected: { error: { code: 'FM_ERR_WIRE_MALFORMED' } } });
    // Each answer names the frame and its job, so the sender can end that job.
    expect(repliesFromB.map((r) => linkCodec.decode(r))).toMatchObject([{ kind: 'error', job: 'job-1', body: { rejectedSeq: 1 } }, { kind: 'error', job: 'job-1', body: { rejectedSeq: 0 } }]);
    expect(b.receive(third)).toMatchObject({ frame: { seq: 2, body: { epochs: 3 } } });
  });

  it('answers a frame whose body fails its schema with an error naming it and its job, and one it cannot read with a bare error', () => {
    const replies: Buffer[] = [];
    const b = new FramePeer((bytes) => replies.push(bytes), 1 << 20);
    const header = Buffer.from(JSON.stringify({ v: PROTOCOL_VERSION, kind: 'job.checkpoint', seq: 4, job: 'job-7', body: { attempt: 0, epochs: 'many' } }));
    const length = Buffer.alloc(4);
    length.writeUInt32BE(header.length);
    const bad = Buffer.concat([length, header]);
    expect(b.receive(bad)).toMatchObject({ rejected: { error: { code: 'FM_ERR_WIRE_MALFORMED' } } });
    expect(b.receive(Buffer.from('not a frame'))).toHaveProperty('rejected');
    const [named, bare] = replies.map((r) => linkCodec.decode(r));
    expect(named).toMatchObject({ kind: 'error', job: 'job-7', body: { rejectedSeq: 4 } });
    expect(bare).toMatchObject({ kind: 'error' });
    expect(bare).not.toHaveProperty('job');
    expect(bare).not.toHaveProperty('body.rejectedSeq');
  });
});
