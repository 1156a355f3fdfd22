// The one frame format of fedmark: on every coordinator <-> party WebSocket link, and inside the
// end-to-end channel between parties (with its own table of kinds).
//
// A frame is a 4-byte big-endian header length, a UTF-8 JSON header, then an optional raw binary
// payload (curve points, ciphertexts, keys). Binary data therefore never travels as base64 inside
// JSON. The header is checked against the envelope schema and then against the schema of its
// `kind` before anything is dispatched. Version 2: requests and their replies carry the request
// number in the header, and a reply carries either its body or an error, never both.

import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { FedmarkError, type WireError } from '../errors/table.ts';

export const PROTOCOL_VERSION = 2;

/** Frames above this are rejected with FM_ERR_WIRE_TOO_LARGE and the link stays up. */
export const DEFAULT_MAX_FRAME_BYTES = 8 * 1024 * 1024;
const MAX_HEADER_BYTES = 64 * 1024;

/** A failure as it travels: a code of errors/table.ts and its message; never a stack or a cause. */
export const WireErrorSchema = Type.Object(
  { code: Type.String({ maxLength: 64 }), message: Type.String({ maxLength: 2000 }) },
  { additionalProperties: false },
);

/**
 * `request` numbers a request and, on its reply, names the request answered. A frame carries a
 * body or, only when its kind is a reply, an error instead: an error reply has no body.
 */
export const HeaderSchema = Type.Object(
  {
    v: Type.Integer(),
    kind: Type.String({ maxLength: 64 }),
    job: Type.Optional(Type.String({ maxLength: 128 })),
    seq: Type.Integer({ minimum: 0 }),
    request: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
    body: Type.Optional(Type.Unknown()),
    error: Type.Optional(WireErrorSchema),
  },
  { additionalProperties: false },
);
type Header = Static<typeof HeaderSchema>;

type Table = Record<string, TSchema>;

interface Envelope<K extends string> {
  kind: K;
  job?: string;
  seq: number;
  request?: number;
  payload?: Uint8Array;
}

/** A frame with its content. */
export type Message<T extends Table, K extends keyof T & string> = Envelope<K> & { body: Static<T[K]>; error?: undefined };
/** A reply that reports the request failed. */
export type Failure<K extends string> = Envelope<K> & { body?: undefined; error: Static<typeof WireErrorSchema> };

/**
 * One frame of a table, discriminated by `kind` (so a switch on it types the body); kinds in
 * `R` (replies) may be a Failure instead.
 */
export type Frame<T extends Table, R extends keyof T & string = never> = {
  [K in keyof T & string]: Message<T, K> | (K extends R ? Failure<K> : never);
}[keyof T & string];

export interface SendOptions {
  job?: string;
  payload?: Uint8Array;
  request?: number;
}

export interface Codec<T extends Table, R extends keyof T & string = never> {
  encode<K extends keyof T & string>(kind: K, seq: number, body: Static<T[K]>, opts?: SendOptions): Buffer;
  /** The error reply of kind `kind` (a reply kind) to request `opts.request`. */
  encodeFailure(kind: R, seq: number, error: WireError, opts?: Omit<SendOptions, 'payload'>): Buffer;
  /** Checks size, envelope and body schema; throws FedmarkError with a FM_ERR_WIRE_* code. */
  decode(data: Uint8Array, maxBytes?: number): Frame<T, R>;
  /**
   * The sequence number and job of a frame whose envelope is sound (whatever its body), so that a
   * rejection can name them; undefined when the envelope itself is not.
   */
  peek(data: Uint8Array, maxBytes?: number): { seq: number; job?: string } | undefined;
}

/** `replies`: the kinds that answer a request, which alone may carry an error instead of a body. */
export function createCodec<T extends Table, R extends keyof T & string = never>(schemas: T, replies: readonly R[] = []): Codec<T, R> {
  const failing = new Set<string>(replies);
  return {
    encode(kind, seq, body, opts = {}) {
      return encodeFrame({ v: PROTOCOL_VERSION, kind, seq, body }, opts);
    },
    encodeFailure(kind, seq, error, opts = {}) {
      return encodeFrame({ v: PROTOCOL_VERSION, kind, seq, error }, opts);
    },
    peek(data, maxBytes = DEFAULT_MAX_FRAME_BYTES) {
      try {
        const header = decodeHeader(data, maxBytes);
        return header.job === undefined ? { seq: header.seq } : { seq: header.seq, job: header.job };
      } catch {
        return undefined;
      }
    },
    decode(data, maxBytes = DEFAULT_MAX_FRAME_BYTES) {
      const header = decodeHeader(data, maxBytes);
      if (!Object.hasOwn(schemas, header.kind)) {
        throw new FedmarkError('FM_ERR_WIRE_MALFORMED', { reason: `unknown kind "${header.kind}"` });
      }
      const kind = header.kind as keyof T & string;
      const envelope: Envelope<typeof kind> = { kind, seq: header.seq };
      if (header.job !== undefined) envelope.job = header.job;
      if (header.request !== undefined) envelope.request = header.request;
      if (data.length > header.end) envelope.payload = data.subarray(header.end);
      if (header.error !== undefined) {
        if (!failing.has(kind)) throw new FedmarkError('FM_ERR_WIRE_MALFORMED', { reason: `${kind} is no reply: it cannot carry an error` });
        if (header.body !== undefined) throw new FedmarkError('FM_ERR_WIRE_MALFORMED', { reason: `${kind} carries an error and a body` });
        return { ...envelope, error: header.error } as Frame<T, R>;
      }
      const schema = schemas[kind] as TSchema;
      if (!Value.Check(schema, header.body)) {
        throw new FedmarkError('FM_ERR_WIRE_MALFORMED', { reason: `${header.kind} body: ${firstError(schema, header.body)}` });
      }
      // Checked against the schema of its kind just above.
      return { ...envelope, body: header.body } as Frame<T, R>;
    },
  };
}

function encodeFrame(header: Header, opts: SendOptions): Buffer {
  if (opts.job !== undefined) header.job = opts.job;
  if (opts.request !== undefined) header.request = opts.request;
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const payload = opts.payload ?? new Uint8Array(0);
  const out = Buffer.allocUnsafe(4 + json.length + payload.length);
  out.writeUInt32BE(json.length, 0);
  json.copy(out, 4);
  out.set(payload, 4 + json.length);
  return out;
}

function decodeHeader(data: Uint8Array, maxBytes: number): Header & { end: number } {
  if (data.length > maxBytes) {
    throw new FedmarkError('FM_ERR_WIRE_TOO_LARGE', { size: data.length, limit: maxBytes });
  }
  if (data.length < 4) throw new FedmarkError('FM_ERR_WIRE_MALFORMED', { reason: 'shorter than its length prefix' });
  const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const headerLength = view.readUInt32BE(0);
  if (headerLength > MAX_HEADER_BYTES || 4 + headerLength > data.length) {
    throw new FedmarkError('FM_ERR_WIRE_MALFORMED', { reason: `header length ${headerLength} does not fit the frame` });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(view.toString('utf8', 4, 4 + headerLength));
  } catch {
    throw new FedmarkError('FM_ERR_WIRE_MALFORMED', { reason: 'header is not JSON' });
  }
  if (!Value.Check(HeaderSchema, parsed)) {
    throw new FedmarkError('FM_ERR_WIRE_MALFORMED', { reason: `header: ${firstError(HeaderSchema, parsed)}` });
  }
  if (parsed.v !== PROTOCOL_VERSION) {
    throw new FedmarkError('FM_ERR_WIRE_VERSION', { got: parsed.v, expected: PROTOCOL_VERSION });
  }
  return { ...parsed, end: 4 + headerLength };
}

export function firstError(schema: TSchema, value: unknown): string {
  const first = Value.Errors(schema, value).First();
  if (!first) return 'invalid';
  return `${first.path || '/'} ${first.message}`;
}
