// Worker-thread pool for X25519 blinding in ECDH-PSI (RFC 7748; Meadows 1986; Huberman, Franklin &
// Hogg 1999; design note protocols.md, section PSI: "use worker threads and chunked streaming").
//
// Parameters: threads (default os.availableParallelism()). A call is cut into one contiguous
// slice per thread, or into slices of at most MAX_SLICE points when it is bigger, so that a thread
// slowed down by other load does not hold up the end of a call: idle threads take the next slice.
// Each slice is copied once into its own ArrayBuffer, which is transferred
// (moved, not cloned) to a worker, blinded in place there and transferred back, then copied into
// the result at its offset, so the order of the input is kept. Copies are memcpy, about a thousand
// times cheaper than the multiplications. Slices of concurrent calls share one FIFO queue.
// A failing slice rejects its call (the low-order index is reported in the caller's numbering)
// and drops the call's slices still queued. Idle workers are unref'd, so a forgotten pool does
// not keep the process alive; close() terminates them.
// What each role learns: nothing new; the workers are threads of the same party, and the scalar
// is copied to them in-process only.

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { FedmarkError } from '../../errors/table.ts';
import { checkPoints, checkScalar, checkString, checkStrings, POINT_BYTES } from './check.ts';
import { isWorkerMessage, type TaskReply, type TaskRequest } from './tasks.ts';

export interface BlindingPoolOptions {
  /** Worker threads; default os.availableParallelism(). */
  threads?: number;
  /** Worker module; default ./worker.ts. Tests swap in one that crashes, to check recovery. */
  workerUrl?: URL;
}

/** Below this many points per slice, the message round trip is not worth another thread. */
const MIN_SLICE = 64;
/** About a second of work for one thread; bigger calls are cut finer for load balancing. */
const MAX_SLICE = 16_384;
const MAX_THREADS = 1024;

type Outcome = Exclude<TaskReply, { kind: 'error' }>;

interface Task {
  request: TaskRequest;
  transfer: ArrayBuffer[];
  /** Only this slot may run the task (used to measure every thread at once). */
  target: Slot | undefined;
  /** True once the task's call has failed: skip it instead of running it. */
  dropped: () => boolean;
  settle: (result: Outcome | FedmarkError) => void;
}

interface Slot {
  index: number;
  worker: Worker;
  ready: boolean;
  task: Task | undefined;
  lastError: string | undefined;
}

export class BlindingPool {
  readonly size: number;
  #workerUrl: URL;
  #slots: Slot[] = [];
  #queue: Task[] = [];
  #nextId = 1;
  #closed = false;
  #broken: FedmarkError | undefined;
  #readyWaiters: { resolve: () => void; reject: (err: FedmarkError) => void }[] = [];

  constructor(options: BlindingPoolOptions = {}) {
    const threads = options.threads ?? availableParallelism();
    if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
      throw new FedmarkError('FM_ERR_PSI_INPUT', {
        param: 'threads',
        expected: `an integer from 1 to ${MAX_THREADS}`,
        got: String(threads),
      });
    }
    this.size = threads;
    this.#workerUrl = options.workerUrl ?? new URL('./worker.ts', import.meta.url);
    for (let i = 0; i < threads; i++) {
      const slot: Slot = { index: i, worker: this.#spawn(), ready: false, task: undefined, lastError: undefined };
      this.#slots.push(slot);
      this.#watch(slot);
    }
  }

  /** Packed scalar·P for every 32-byte point, in order; the same bytes as ecdh.blindPoints. */
  async blind(points: Uint8Array, scalar: Uint8Array): Promise<Uint8Array> {
    this.#checkOpen();
    const count = checkPoints('points', points);
    checkScalar('scalar', scalar);
    return this.#scatter(count, (start, end) => {
      const slice = copyOf(points.subarray(start * POINT_BYTES, end * POINT_BYTES));
      const key = copyOf(scalar);
      return { request: { id: 0, op: 'blind', points: slice, scalar: key }, transfer: [slice.buffer, key.buffer] };
    });
  }

  /** scalar·H(id) for every id, in order; the same bytes as ecdh.hashAndBlind. */
  async hashAndBlind(ids: readonly string[], jobId: string, scalar: Uint8Array): Promise<Uint8Array> {
    this.#checkOpen();
    checkStrings('ids', ids);
    checkString('jobId', jobId, true);
    checkScalar('scalar', scalar);
    return this.#scatter(ids.length, (start, end) => {
      const key = copyOf(scalar);
      return { request: { id: 0, op: 'hashAndBlind', ids: ids.slice(start, end), jobId, scalar: key }, transfer: [key.buffer] };
    });
  }

  /**
   * X25519 multiplications per second of each worker, all running at the same time for about
   * `seconds` (see bound.ts). Meaningful only on an otherwise idle pool.
   */
  async scalarMultRates(seconds: number): Promise<number[]> {
    this.#checkOpen();
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) {
      throw new FedmarkError('FM_ERR_PSI_INPUT', { param: 'seconds', expected: 'a positive number', got: String(seconds) });
    }
    // Start them together: wait until every worker has loaded, then give each its own task.
    await this.ready();
    return Promise.all(
      this.#slots.map(
        (slot) =>
          new Promise<number>((resolve, reject) => {
            this.#queue.push({
              request: { id: this.#nextId++, op: 'rate', seconds },
              transfer: [],
              target: slot,
              dropped: () => false,
              settle: (result) => (result instanceof FedmarkError ? reject(result) : result.kind === 'rate' ? resolve(result.rate) : reject(unexpected(result.kind))),
            });
            this.#dispatch();
          }),
      ),
    );
  }

  /** Resolves once every worker has started (loaded its modules and libsodium). */
  ready(): Promise<void> {
    if (this.#broken) return Promise.reject(this.#broken);
    if (this.#closed) return Promise.reject(closedError());
    if (this.#slots.every((s) => s.ready)) return Promise.resolve();
    return new Promise((resolve, reject) => this.#readyWaiters.push({ resolve, reject }));
  }

  /** Terminates the workers; calls still running or queued reject with FM_ERR_PSI_POOL. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const err = closedError();
    this.#failWaiting(err);
    const running = this.#slots.flatMap((s) => (s.task ? [s.task] : []));
    for (const slot of this.#slots) slot.task = undefined;
    for (const task of running) task.settle(err);
    await Promise.all(this.#slots.map((s) => s.worker.terminate()));
  }

  // Splits [0, count) into contiguous slices and reassembles the results in order.
  #scatter(
    count: number,
    makeSlice: (start: number, end: number) => { request: TaskRequest; transfer: ArrayBuffer[] },
  ): Promise<Uint8Array> {
    if (count === 0) return Promise.resolve(new Uint8Array(0));
    const slices = Math.max(1, Math.min(this.size, Math.floor(count / MIN_SLICE)), Math.ceil(count / MAX_SLICE));
    return new Promise((resolve, reject) => {
      const out = new Uint8Array(count * POINT_BYTES);
      let pending = slices;
      let failed = false;
      for (let s = 0; s < slices; s++) {
        const start = Math.floor((count * s) / slices);
        const end = Math.floor((count * (s + 1)) / slices);
        const { request, transfer } = makeSlice(start, end);
        request.id = this.#nextId++;
        this.#queue.push({
          request,
          transfer,
          target: undefined,
          dropped: () => failed,
          settle: (result) => {
            if (failed) return;
            if (result instanceof FedmarkError || result.kind !== 'points' || result.points.length !== (end - start) * POINT_BYTES) {
              failed = true;
              reject(result instanceof FedmarkError ? inCallerNumbering(result, start) : unexpected(result.kind));
              return;
            }
            out.set(result.points, start * POINT_BYTES);
            if (--pending === 0) resolve(out);
          },
        });
      }
      this.#dispatch();
    });
  }

  #dispatch(): void {
    if (this.#closed) return;
    this.#queue = this.#queue.filter((t) => !t.dropped());
    for (const slot of this.#slots) {
      if (!slot.ready || slot.task) continue;
      const at = this.#queue.findIndex((t) => t.target === undefined || t.target === slot);
      if (at < 0) continue;
      const [task] = this.#queue.splice(at, 1);
      if (!task) continue;
      slot.task = task;
      slot.worker.ref();
      slot.worker.postMessage(task.request, task.transfer);
    }
  }

  #spawn(): Worker {
    // A worker keeps the process alive only while it starts or runs a task (see #watch).
    return new Worker(this.#workerUrl, { name: 'fedmark-psi-blind' });
  }

  #watch(slot: Slot): void {
    const worker = slot.worker;
    worker.on('message', (message: unknown) => {
      if (worker !== slot.worker || this.#closed) return;
      if (!isWorkerMessage(message)) {
        slot.lastError = 'malformed message from worker';
        void worker.terminate();
        return;
      }
      if (message.kind === 'ready') {
        slot.ready = true;
        worker.unref();
        if (this.#slots.every((s) => s.ready)) {
          for (const w of this.#readyWaiters.splice(0)) w.resolve();
        }
        this.#dispatch();
        return;
      }
      const task = slot.task;
      if (!task || task.request.id !== message.id) {
        slot.lastError = `reply to unknown task ${message.id}`;
        void worker.terminate();
        return;
      }
      slot.task = undefined;
      worker.unref();
      task.settle(message.kind === 'error' ? new FedmarkError(message.code, message.params) : message);
      this.#dispatch();
    });
    worker.on('error', (err: Error) => {
      slot.lastError = err.message;
    });
    worker.on('exit', (code: number) => {
      if (worker !== slot.worker || this.#closed) return;
      const reason = `worker ${slot.index} exited with code ${code}${slot.lastError ? `: ${slot.lastError}` : ''}`;
      const task = slot.task;
      slot.task = undefined;
      slot.lastError = undefined;
      if (task) task.settle(new FedmarkError('FM_ERR_PSI_POOL', { reason }));
      if (!slot.ready) {
        // It never started: a respawn would fail the same way, so the pool is unusable.
        this.#broken = new FedmarkError('FM_ERR_PSI_POOL', { reason });
        this.#failWaiting(this.#broken);
        void this.close();
        return;
      }
      slot.ready = false;
      slot.worker = this.#spawn();
      this.#watch(slot);
    });
  }

  #failWaiting(err: FedmarkError): void {
    for (const w of this.#readyWaiters.splice(0)) w.reject(err);
    for (const task of this.#queue.splice(0)) task.settle(err);
  }

  #checkOpen(): void {
    if (this.#broken) throw this.#broken;
    if (this.#closed) throw closedError();
  }
}

function closedError(): FedmarkError {
  return new FedmarkError('FM_ERR_PSI_POOL', { reason: 'the pool is closed' });
}

function unexpected(kind: string): FedmarkError {
  return new FedmarkError('FM_ERR_PSI_POOL', { reason: `unexpected ${kind} reply from a worker` });
}

// A worker numbers the points of its slice from 0; the caller numbers them from the call's start.
function inCallerNumbering(err: FedmarkError, start: number): FedmarkError {
  if (err.code !== 'FM_ERR_PSI_POINT' || typeof err.params.index !== 'number') return err;
  return new FedmarkError('FM_ERR_PSI_POINT', { ...err.params, index: err.params.index + start });
}

// A fresh ArrayBuffer holding just these bytes, safe to transfer. Never `view.slice()`: on a Node
// Buffer that returns a view of the same memory, and transferring it would detach the caller's
// buffer (or Node's shared Buffer pool).
function copyOf(view: Uint8Array): Uint8Array<ArrayBuffer> {
  const copy = new Uint8Array(view.length);
  copy.set(view);
  return copy;
}
