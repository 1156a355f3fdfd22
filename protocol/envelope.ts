// The one frame format of fedmark: on every coordinator <-> party WebSocket link, and inside the
// end-to-end channel between parties (with its own table of kinds).
//
// A frame is a 4-byte big-endian header length, a UTF-8 JSON header, then an optional raw binary
// payload (curve points, ciphertexts, keys). Binary data therefore never travels as base64 inside
// JSON. The header is checked against the envelope schema and then against the schema of its
// `kind` before anything is dispatched.

import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { FedmarkError, type WireError } from '../errors/table.ts';

export const PROTOCOL_VERSION = 1;

/** Frames above this are rejected with FM_ERR_WIRE_TOO_LARGE and the link stays up. */
export const DEFAULT_MAX_FRAME_BYTES = 8 * 1024 * 1024;
const MAX_HEADER_BYTES = 64 * 1024;

const ErrorSchema = Type.Object(
  { code: Type.String({ maxLength: 64 }), message: Type.String({ maxLength: 2000 }) },
  { additionalProperties: false },
);

export const HeaderSchema = Type.Object(
  {
    v: Type.Integer(),
    kind: Type.String({ maxLength: 64 }),
    job: Type.Optional(Type.String({ maxLength: 128 })),
    seq: Type.Integer({ minimum: 0 }),
    body: Type.Optional(Type.Unknown()),
    error: Type.Optional(ErrorSchema),
  },
  { additionalProperties: false },
);
type Header = Static<typeof HeaderSchema>;

type Table = Record<string, TSchema>;

export interface Frame<T extends Table, K extends keyof T & string = keyof T & string> {
  kind: K;
  job?: string;
  seq: number;
  body: Static<T[K]>;
  error?: WireError;
  payload?: Uint8Array;
}

export interface Codec<T extends Table> {
  encode<K extends keyof T & string>(kind: K, seq: number, body: Static<T[K]>, opts?: { job?: string; payload?: Uint8Array; error?: WireError }): Buffer;
  /** Checks size, envelope and body schema; throws FedmarkError with a FM_ERR_WIRE_* code. */
  decode(data: Uint8Array, maxBytes?: number): Frame<T>;
}

export function createCodec<T extends Table>(schemas: T): Codec<T> {
  return {
    encode(kind, seq, body, opts = {}) {
      return encodeFrame(kind, seq, body, opts);
    },
    decode(data, maxBytes = DEFAULT_MAX_FRAME_BYTES) {
      const header = decodeHeader(data, maxBytes);
      if (!Object.hasOwn(schemas, header.kind)) {
        throw new FedmarkError('FM_ERR_WIRE_MALFORMED', { reason: `unknown kind "${header.kind}"` });
      }
      const kind = header.kind as keyof T & string;
      const schema = schemas[kind] as TSchema;
      if (!Value.Check(schema, header.body)) {
        throw new FedmarkError('FM_ERR_WIRE_MALFORMED', { reason: `${header.kind} body: ${firstError(schema, header.body)}` });
      }
      const frame: Frame<T> = { kind, seq: header.seq, body: header.body as Static<T[keyof T & string]> };
      if (header.job !== undefined) frame.job = header.job;
      if (header.error !== undefined) frame.error = header.error as WireError;
      if (data.length > header.end) frame.payload = data.subarray(header.end);
      return frame;
    },
  };
}

function encodeFrame(kind: string, seq: number, body: unknown, opts: { job?: string; payload?: Uint8Array; error?: WireError }): Buffer {
  const header: Header = { v: PROTOCOL_VERSION, kind, seq, body };
  if (opts.job !== undefined) header.job = opts.job;
  if (opts.error !== undefined) header.error = opts.error;
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
