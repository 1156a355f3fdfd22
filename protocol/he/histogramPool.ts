// Worker-thread pool for the host's step 2 of histogram.ts (encrypted gradient histograms,
// SecureBoost class, on coefficient-packed BFV; design note protocols.md, "Vertical gradient-boosted
// trees: cost model and choices": "split work over worker threads").
// Parameters: threads (default os.availableParallelism()). Each worker loads SEAL once. A set of
// bins is registered with every worker, which owns a fixed contiguous share of the result groups
// (groups are independent sums, so the results are the very ciphertexts encryptedHistogram makes,
// byte for byte); with `cache`, each worker keeps its share's plaintexts in NTT form, so the cache
// is split over the workers' heaps. The guest's ciphertexts are copied once into a
// SharedArrayBuffer that all workers read, and checked there as wire input (deserializeCiphertext);
// results come back as bytes, moved, and are loaded into the caller's SEAL. A failing share rejects
// its call with the worker's FedmarkError, the one the same input gives in-thread. Idle workers are
// unref'd, so a forgotten pool does not keep the process alive; close() terminates them. A worker
// that dies takes its registered bins with it: the pool is then broken and every call rejects with
// FM_ERR_HE_POOL.
// What each role learns: nothing new; the workers are threads of the host.

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Ciphertext } from 'node-seal';
import { FedmarkError } from '../../errors/table.ts';
import { deserializeCiphertext, disposeAll, serializeCiphertext, type Bfv } from './bfv.ts';
import { checkBytes, checkInteger, describe, inputError } from './check.ts';
import { checkVector, packBins, type GroupRange, type PackedBins } from './histogram.ts';
import type { HistogramLayout } from './histogramLayout.ts';
import { isWorkerMessage, type HistogramReply, type HistogramRequest } from './histogramTasks.ts';

export interface HistogramPoolOptions {
  /** Worker threads; default os.availableParallelism(). */
  threads?: number;
  /** Worker module; default ./histogramWorker.ts. */
  workerUrl?: URL;
}

/** Bins packed by a pool: their plaintexts, when cached, live in the workers. */
export interface PooledBins extends PackedBins {
  /** Whether the workers keep this order's plaintexts in NTT form. */
  readonly workerCache: boolean;
}

const MAX_THREADS = 64;

type Outcome = Exclude<HistogramReply, { kind: 'error' }>;

interface Slot {
  index: number;
  worker: Worker;
  ready: boolean;
  pending: Map<number, (result: Outcome | FedmarkError) => void>;
  lastError: string | undefined;
}

interface Registration {
  id: number;
  shares: { slot: Slot; range: GroupRange; loaded: Promise<Outcome> }[];
}

export class HistogramPool {
  readonly size: number;
  #slots: Slot[] = [];
  #nextId = 1;
  #closed = false;
  #broken: FedmarkError | undefined;
  #registered = new WeakMap<PackedBins, Registration>();
  #readyWaiters: { resolve: () => void; reject: (err: FedmarkError) => void }[] = [];

  constructor(options: HistogramPoolOptions = {}) {
    const threads = options.threads ?? availableParallelism();
    checkInteger('threads', threads, 1, MAX_THREADS);
    this.size = threads;
    const url = options.workerUrl ?? new URL('./histogramWorker.ts', import.meta.url);
    for (let i = 0; i < threads; i++) {
      const slot: Slot = { index: i, worker: new Worker(url, { name: 'fedmark-he-histogram' }), ready: false, pending: new Map(), lastError: undefined };
      this.#slots.push(slot);
      this.#watch(slot);
    }
  }

  /** Resolves once every worker has loaded SEAL. */
  ready(): Promise<void> {
    if (this.#broken) return Promise.reject(this.#broken);
    if (this.#closed) return Promise.reject(closedError());
    if (this.#slots.every((s) => s.ready)) return Promise.resolve();
    return new Promise((resolve, reject) => this.#readyWaiters.push({ resolve, reject }));
  }

  /**
   * packBins (same checks, same errors), registered with the workers for later `histogram` calls;
   * with `cache`, each worker builds and keeps its share's plaintexts in NTT form (the caller's
   * thread builds none). dispose() frees them in the workers.
   */
  packBins(bfv: Bfv, codes: Uint8Array, cols: number, layout: HistogramLayout, options: { order?: Uint32Array; cache?: boolean } = {}): PooledBins {
    this.#checkOpen();
    const bins = packBins(bfv, codes, cols, layout, options.order === undefined ? {} : { order: options.order });
    const registration = this.#register(bins, Boolean(options.cache));
    const pooled: PooledBins = Object.freeze({
      ...bins,
      workerCache: Boolean(options.cache),
      dispose: () => {
        this.#release(bins, registration);
        bins.dispose();
      },
    });
    this.#registered.set(pooled, registration);
    return pooled;
  }

  /**
   * The same ciphertexts as encryptedHistogram(bfv, cts, bins), computed by the workers. `cts`: the
   * guest's vector as live ciphertexts or as the bytes received (checked by the workers as wire
   * input). Bins not packed by this pool are registered for this call only. The caller owns the
   * results.
   */
  async histogram(bfv: Bfv, cts: readonly Ciphertext[] | readonly Uint8Array[], bins: PackedBins): Promise<Ciphertext[]> {
    this.#checkOpen();
    const { layout } = bins;
    if (typeof layout !== 'object' || layout === null || layout.N !== bfv.N) throw inputError('layout', `a histogram layout for N = ${bfv.N} (makeHistogramLayout)`, describe(layout));
    const shared = sharedBytes(bfv, cts, layout);
    const own = this.#registered.get(bins);
    const registration = own ?? this.#register(bins, false);
    try {
      const parts = await Promise.all(
        registration.shares.map(async (share) => {
          const loaded = await share.loaded;
          if (loaded.kind !== 'done') throw unexpected(loaded.kind);
          const reply = await this.#send(share.slot, { id: 0, op: 'histogram', bins: registration.id, cts: shared });
          if (reply.kind !== 'results' || reply.results.length !== share.range.to - share.range.from) throw unexpected(reply.kind);
          return reply.results;
        }),
      );
      const out: Ciphertext[] = [];
      try {
        for (const bytes of parts.flat()) out.push(deserializeCiphertext(bfv, bytes, `result[${out.length}]`, 'first'));
      } catch (err) {
        disposeAll(out);
        throw err;
      }
      return out;
    } finally {
      if (own === undefined) this.#release(bins, registration);
    }
  }

  /** Terminates the workers; calls still running reject with FM_ERR_HE_POOL. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const err = closedError();
    for (const w of this.#readyWaiters.splice(0)) w.reject(err);
    for (const slot of this.#slots) {
      for (const settle of slot.pending.values()) settle(err);
      slot.pending.clear();
    }
    await Promise.all(this.#slots.map((s) => s.worker.terminate()));
  }

  // Every worker gets the codes and a contiguous share of the groups; workers with no share get nothing.
  #register(bins: PackedBins, cache: boolean): Registration {
    const id = this.#nextId++;
    const { layout } = bins;
    const codes = new Uint8Array(new SharedArrayBuffer(bins.codes.length));
    codes.set(bins.codes);
    const packed = { N: layout.N, rows: layout.rows, chunkRows: layout.chunkRows, binCounts: [...layout.binCounts], cols: bins.cols, codes };
    const shares: Registration['shares'] = [];
    this.#slots.forEach((slot, w) => {
      const range = { from: Math.floor((layout.groups * w) / this.size), to: Math.floor((layout.groups * (w + 1)) / this.size) };
      if (range.to === range.from) return;
      const loaded = this.#send(slot, { id: 0, op: 'load', bins: id, packed, cache, ...range });
      // A load that fails is reported by the call that needs it; this keeps it from going unhandled.
      loaded.catch(() => undefined);
      shares.push({ slot, range, loaded });
    });
    return { id, shares };
  }

  #release(bins: PackedBins, registration: Registration): void {
    this.#registered.delete(bins);
    if (this.#closed || this.#broken) return;
    for (const { slot } of registration.shares) this.#send(slot, { id: 0, op: 'release', bins: registration.id }).catch(() => undefined);
  }

  #send(slot: Slot, request: HistogramRequest): Promise<Outcome> {
    if (this.#broken) return Promise.reject(this.#broken);
    if (this.#closed) return Promise.reject(closedError());
    request.id = this.#nextId++;
    return new Promise((resolve, reject) => {
      slot.pending.set(request.id, (result) => (result instanceof FedmarkError ? reject(result) : resolve(result)));
      slot.worker.ref();
      slot.worker.postMessage(request);
    });
  }

  #watch(slot: Slot): void {
    const { worker } = slot;
    worker.on('message', (message: unknown) => {
      if (this.#closed) return;
      if (!isWorkerMessage(message)) {
        slot.lastError = 'malformed message from worker';
        void worker.terminate();
        return;
      }
      if (message.kind === 'ready') {
        slot.ready = true;
        if (slot.pending.size === 0) worker.unref();
        if (this.#slots.every((s) => s.ready)) for (const w of this.#readyWaiters.splice(0)) w.resolve();
        return;
      }
      const settle = slot.pending.get(message.id);
      if (settle === undefined) {
        slot.lastError = `reply to unknown task ${message.id}`;
        void worker.terminate();
        return;
      }
      slot.pending.delete(message.id);
      if (slot.pending.size === 0 && slot.ready) worker.unref();
      settle(message.kind === 'error' ? new FedmarkError(message.code, message.params) : message);
    });
    worker.on('error', (err: Error) => {
      slot.lastError = err.message;
    });
    worker.on('exit', (code: number) => {
      if (this.#closed) return;
      // Its registered bins (and cached plaintexts) are gone with it: nothing to respawn into.
      this.#broken = new FedmarkError('FM_ERR_HE_POOL', { reason: `worker ${slot.index} exited with code ${code}${slot.lastError ? `: ${slot.lastError}` : ''}` });
      for (const w of this.#readyWaiters.splice(0)) w.reject(this.#broken);
      for (const settle of slot.pending.values()) settle(this.#broken);
      slot.pending.clear();
      void this.close();
    });
  }

  #checkOpen(): void {
    if (this.#broken) throw this.#broken;
    if (this.#closed) throw closedError();
  }
}

/** The vector's bytes in one SharedArrayBuffer that every worker reads without a copy. */
function sharedBytes(bfv: Bfv, cts: readonly Ciphertext[] | readonly Uint8Array[], layout: HistogramLayout): Uint8Array[] {
  if (!Array.isArray(cts) || cts.length !== layout.chunks) throw inputError('cts', `${layout.chunks} ciphertexts (one per chunk)`, describe(cts));
  const bytes = cts.every((c) => c instanceof Uint8Array)
    ? cts.map((b: Uint8Array, c) => checkBytes(`cts[${c}]`, b))
    : checkVector(bfv, cts, layout).map((ct) => serializeCiphertext(bfv, ct));
  const total = bytes.reduce((s, b) => s + b.length, 0);
  const buffer = new SharedArrayBuffer(total);
  let at = 0;
  return bytes.map((b) => {
    const view = new Uint8Array(buffer, at, b.length);
    view.set(b);
    at += b.length;
    return view;
  });
}

function closedError(): FedmarkError {
  return new FedmarkError('FM_ERR_HE_POOL', { reason: 'the pool is closed' });
}

function unexpected(kind: string): FedmarkError {
  return new FedmarkError('FM_ERR_HE_POOL', { reason: `unexpected ${kind} reply from a worker` });
}
