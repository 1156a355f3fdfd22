// Messages between BlindingPool (pool.ts) and its worker threads (worker.ts), and the function a
// worker runs for each. ECDH-PSI blinding with X25519 (RFC 7748; Meadows 1986; Huberman, Franklin
// & Hogg 1999): a task is one slice of a call, computed with ecdh.ts exactly as on one thread.
// Parameters: the slice, the scalar (a copy, in-process only). What each role learns: nothing new;
// the workers are threads of the same party. Errors travel as {code, params}, never as stacks.

import { isErrorCode, toFedmarkError, type ErrorCode, type ErrorParams } from '../../errors/table.ts';
import { checkPoints, checkScalar } from './check.ts';
import { blindInto, hashAndBlind } from './ecdh.ts';
import { scalarMultRate } from './rate.ts';

export type TaskRequest =
  | { id: number; op: 'blind'; points: Uint8Array; scalar: Uint8Array }
  | { id: number; op: 'hashAndBlind'; ids: string[]; jobId: string; scalar: Uint8Array }
  | { id: number; op: 'rate'; seconds: number };

export type TaskReply =
  | { kind: 'points'; id: number; points: Uint8Array }
  | { kind: 'rate'; id: number; rate: number }
  | { kind: 'error'; id: number; code: ErrorCode; params: ErrorParams };

/** Sent once by each worker after its modules (and libsodium) have loaded. */
export interface WorkerReady {
  kind: 'ready';
}

export function isTaskRequest(value: unknown): value is TaskRequest {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  if (typeof v.id !== 'number') return false;
  switch (v.op) {
    case 'blind':
      return v.points instanceof Uint8Array && v.scalar instanceof Uint8Array;
    case 'hashAndBlind':
      return Array.isArray(v.ids) && typeof v.jobId === 'string' && v.scalar instanceof Uint8Array;
    case 'rate':
      return typeof v.seconds === 'number';
    default:
      return false;
  }
}

export function isWorkerMessage(value: unknown): value is TaskReply | WorkerReady {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  switch (v.kind) {
    case 'ready':
      return true;
    case 'points':
      return typeof v.id === 'number' && v.points instanceof Uint8Array;
    case 'rate':
      return typeof v.id === 'number' && typeof v.rate === 'number';
    case 'error':
      return typeof v.id === 'number' && isErrorCode(v.code) && typeof v.params === 'object' && v.params !== null;
    default:
      return false;
  }
}

/** Runs one task; the reply's buffers are listed in `transfer` so they move instead of copying. */
export function runTask(request: TaskRequest): { reply: TaskReply; transfer: ArrayBuffer[] } {
  try {
    switch (request.op) {
      case 'blind': {
        checkPoints('points', request.points);
        checkScalar('scalar', request.scalar);
        // The slice was transferred to us, so it is ours: blind it in place and send it back.
        blindInto(request.points, request.points, request.scalar);
        request.scalar.fill(0);
        return { reply: { kind: 'points', id: request.id, points: request.points }, transfer: transferable(request.points) };
      }
      case 'hashAndBlind': {
        const points = hashAndBlind(request.ids, request.jobId, request.scalar);
        request.scalar.fill(0);
        return { reply: { kind: 'points', id: request.id, points }, transfer: transferable(points) };
      }
      case 'rate':
        return { reply: { kind: 'rate', id: request.id, rate: scalarMultRate(request.seconds) }, transfer: [] };
    }
  } catch (err) {
    const e = toFedmarkError(err);
    return { reply: { kind: 'error', id: request.id, code: e.code, params: e.params }, transfer: [] };
  }
}

function transferable(view: Uint8Array): ArrayBuffer[] {
  // Only a buffer the view covers whole is worth moving; a SharedArrayBuffer cannot be transferred.
  const buffer = view.buffer;
  return buffer instanceof ArrayBuffer && view.byteOffset === 0 && view.byteLength === buffer.byteLength ? [buffer] : [];
}
