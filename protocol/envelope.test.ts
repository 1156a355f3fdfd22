import { describe, expect, it } from 'vitest';
import { linkCodec } from './messages/index.ts';

describe('link envelope', () => {
  it('round-trips header, body and a raw binary payload without base64', () => {
    const payload = Buffer.from([0, 1, 2, 250, 255]);
    const bytes = linkCodec.encode('relay.send', 3, { to: 'insurer' }, { job: 'job-1', payload });
    expect(bytes.includes(payload)).toBe(true);
    expect(bytes.toString('latin1')).not.toContain(payload.toString('base64'));
    const frame = linkCodec.decode(bytes);
    expect(frame).toMatchObject({ kind: 'relay.send', seq: 3, job: 'job-1', body: { to: 'insurer' } });
    expect(Buffer.from(frame.payload ?? []).equals(payload)).toBe(true);
  });

  it('rejects truncation, bad JSON, unknown kinds, wrong versions, extra fields and oversize, naming the problem', () => {
    const good = linkCodec.encode('job.cancel', 0, { reason: 'x' }, { job: 'j' });
    expect(() => linkCodec.decode(good.subarray(0, 3))).toThrow(/shorter than its length prefix/);
    expect(() => linkCodec.decode(good.subarray(0, 10))).toThrow(/header length \d+ does not fit/);
    const header = (obj: unknown) => {
      const json = Buffer.from(typeof obj === 'string' ? obj : JSON.stringify(obj));
      const len = Buffer.alloc(4);
      len.writeUInt32BE(json.length);
      return Buffer.concat([len, json]);
    };
    expect(() => linkCodec.decode(header('{nope'))).toThrow(/header is not JSON/);
    expect(() => linkCodec.decode(header({ v: 2, kind: 'job.explode', seq: 0 }))).toThrow(/unknown kind "job.explode"/);
    expect(() => linkCodec.decode(header({ v: 1, kind: 'job.cancel', seq: 0, body: { reason: 'x' } }))).toThrow(/version 1 is not supported/);
    expect(() => linkCodec.decode(header({ v: 2, kind: 'job.cancel', seq: 0, body: { reason: 'x', extra: 1 } }))).toThrow(/job.cancel body/);
    expect(() => linkCodec.decode(header({ v: 2, kind: 'relay.send', seq: 0, body: { to: '../etc' } }))).toThrow(/relay.send body: \/to/);
    expect(() => linkCodec.decode(good, 10)).toThrow(/exceeds the limit of 10 bytes/);
  });

  it('carries a request number on requests and replies, and an error only on a reply kind, without a body', () => {
    const request = linkCodec.decode(linkCodec.encode('datasets.list', 4, {}, { request: 17 }));
    expect(request).toMatchObject({ kind: 'datasets.list', request: 17, body: {} });
    const failure = linkCodec.decode(linkCodec.encodeFailure('datasets.listed', 5, { code: 'FM_ERR_POLICY_REFUSED', message: 'no' }, { request: 17 }));
    expect(failure).toEqual({ kind: 'datasets.listed', seq: 5, request: 17, error: { code: 'FM_ERR_POLICY_REFUSED', message: 'no' } });
    const header = (obj: unknown) => {
      const json = Buffer.from(JSON.stringify(obj));
      const len = Buffer.alloc(4);
      len.writeUInt32BE(json.length);
      return Buffer.concat([len, json]);
    };
    const error = { code: 'FM_ERR_INTERNAL', message: 'x' };
    expect(() => linkCodec.decode(header({ v: 2, kind: 'job.cancel', seq: 0, error }))).toThrow(/job.cancel is no reply: it cannot carry an error/);
    expect(() => linkCodec.decode(header({ v: 2, kind: 'score.reply', seq: 0, request: 1, error, body: { unscorable: [] } }))).toThrow(/score.reply carries an error and a body/);
  });
});
