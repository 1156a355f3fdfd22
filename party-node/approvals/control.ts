// The party node's local control socket (WORK_DIR/control.sock, a Unix socket of mode 0600): how
// `fedmark party approvals` on the party's host reaches the running node. One JSON line per
// request, one JSON line per reply, each checked against its schema and size-limited. Only the
// host's account that runs the node can open it; the approver's name is the one the command gives
// (see docs/security.md, "Job approval": the party host's access control is what authenticates).
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { FedmarkError, fromWireError, serializeError, toFedmarkError } from '../../errors/table.ts';
import { WireErrorSchema } from '../../protocol/envelope.ts';
import { ApprovalState, JobApproval } from '../../protocol/messages/approval.ts';
import { ReviewSchema } from './store.ts';

export const MAX_REQUEST_BYTES = 16 * 1024;
export const MAX_REPLY_BYTES = 8 * 1024 * 1024;
/** Unix socket paths are limited to 107 bytes on Linux (sun_path). */
const MAX_SOCKET_PATH = 107;

export function controlSocketPath(workDir: string): string {
  return join(workDir, 'control.sock');
}

const JobId = Type.String({ minLength: 1, maxLength: 128 });
export const ControlRequest = Type.Union([
  Type.Object({ op: Type.Literal('list'), state: Type.Optional(ApprovalState) }, { additionalProperties: false }),
  Type.Object({ op: Type.Literal('show'), job: JobId }, { additionalProperties: false }),
  Type.Object({ op: Type.Literal('decide'), job: JobId, by: Type.String({ minLength: 1, maxLength: 128 }), approve: Type.Boolean(), reason: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })) }, { additionalProperties: false }),
]);
export type ControlRequest = Static<typeof ControlRequest>;

export const ControlReply = Type.Union([
  Type.Object({ ok: Type.Literal(true), reviews: Type.Array(ReviewSchema, { maxItems: 10_000 }) }, { additionalProperties: false }),
  Type.Object({ ok: Type.Literal(true), review: ReviewSchema, approval: Type.Optional(JobApproval) }, { additionalProperties: false }),
  Type.Object({ ok: Type.Literal(false), error: WireErrorSchema }, { additionalProperties: false }),
]);
export type ControlReply = Static<typeof ControlReply>;

/** Reads one newline-terminated line of at most `limit` bytes. */
function readLine(socket: Socket, limit: number, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    let bytes = 0;
    socket.setEncoding('utf8');
    const onData = (chunk: string) => {
      bytes += Buffer.byteLength(chunk);
      if (bytes > limit) {
        // The rest is not read; the caller answers or closes.
        socket.off('data', onData);
        socket.pause();
        return reject(new FedmarkError('FM_ERR_WIRE_TOO_LARGE', { size: bytes, limit }));
      }
      buffered += chunk;
      const end = buffered.indexOf('\n');
      if (end >= 0) resolve(buffered.slice(0, end));
    };
    socket.on('data', onData);
    socket.on('error', reject);
    socket.on('end', () => reject(new FedmarkError('FM_ERR_WIRE_MALFORMED', { reason: `${what} ended before a full line` })));
  });
}

function parse<T>(schema: Parameters<typeof Value.Check>[0], line: string, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new FedmarkError('FM_ERR_WIRE_MALFORMED', { reason: `${what} is not JSON` });
  }
  if (!Value.Check(schema, value)) {
    const first = Value.Errors(schema, value).First();
    throw new FedmarkError('FM_ERR_WIRE_MALFORMED', { reason: `${what}${first ? ` at ${first.path || '(root)'}: ${first.message}` : ''}` });
  }
  return value as T;
}

/** Serves the control socket; `handle` answers a checked request. */
export async function serveControl(path: string, handle: (request: ControlRequest) => ControlReply): Promise<Server> {
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH) throw new FedmarkError('FM_ERR_CFG_INVALID', { source: 'party config', field: 'workDir', reason: `the control socket ${path} is longer than ${MAX_SOCKET_PATH} bytes; choose a shorter workDir` });
  // A socket left by a node that did not stop cleanly; two nodes never share a work directory.
  if (existsSync(path)) unlinkSync(path);
  const server = createServer((socket) => {
    readLine(socket, MAX_REQUEST_BYTES, 'control request').then(
      (line) => {
        let reply: ControlReply;
        try {
          reply = handle(parse<ControlRequest>(ControlRequest, line, 'control request'));
        } catch (err) {
          reply = { ok: false, error: serializeError(toFedmarkError(err)) };
        }
        socket.end(`${JSON.stringify(reply)}\n`);
      },
      (err: unknown) => socket.end(`${JSON.stringify({ ok: false, error: serializeError(toFedmarkError(err)) })}\n`),
    );
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  chmodSync(path, 0o600);
  return server;
}

/** Sends one request to the node's control socket and returns its reply (an error reply throws it). */
export async function askControl(path: string, request: ControlRequest): Promise<Exclude<ControlReply, { ok: false }>> {
  const socket = createConnection(path);
  const failed = (reason: string) => new FedmarkError('FM_ERR_APPROVAL_CONTROL', { socket: path, reason });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', (err: NodeJS.ErrnoException) => reject(failed(err.code === 'ENOENT' || err.code === 'ECONNREFUSED' ? 'no party node is running with this work directory' : err.message)));
  });
  socket.write(`${JSON.stringify(request)}\n`);
  let reply: ControlReply;
  try {
    reply = parse<ControlReply>(ControlReply, await readLine(socket, MAX_REPLY_BYTES, 'control reply'), 'control reply');
  } finally {
    socket.destroy();
  }
  if (!reply.ok) throw fromWireError(reply.error, 'FM_ERR_APPROVAL_CONTROL', { socket: path, reason: reply.error.message });
  return reply;
}
