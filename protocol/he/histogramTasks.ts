// Messages between HistogramPool (histogramPool.ts) and its worker threads (histogramWorker.ts),
// and what a worker does for each: the host's step 2 of histogram.ts (SecureBoost-class encrypted
// gradient histograms on coefficient-packed BFV, design note protocols.md, "Vertical
// gradient-boosted trees: cost model and choices") for one share of the result groups.
// Parameters: a worker keeps, per registered set of bins, the gathered codes and its share
// [from, to) of the groups, and with `cache` that share's plaintexts in NTT form in its own SEAL
// heap. Ciphertexts cross as SEAL bytes and are checked on arrival exactly as from the wire
// (deserializeCiphertext), the codes by packBins: a bad input fails in a worker with the same
// FedmarkError as in-thread. Errors travel as {code, params}, never as stacks.
// What each role learns: nothing new; the workers are threads of the host.

import { isErrorCode, toFedmarkError, FedmarkError, type ErrorCode, type ErrorParams } from '../../errors/table.ts';
import { deserializeCiphertext, disposeAll, serializeCiphertext, type Bfv } from './bfv.ts';
import { encryptedHistogramGroups, makeHistogramLayout, packBins, type GroupRange, type PackedBins } from './histogram.ts';

/** A host's bins as a worker receives them: the gathered codes (vector order) and the layout's parameters. */
export interface BinsMessage {
  N: number;
  rows: number;
  chunkRows: number;
  binCounts: number[];
  cols: number;
  codes: Uint8Array;
}

export type HistogramRequest =
  | { id: number; op: 'load'; bins: number; packed: BinsMessage; cache: boolean; from: number; to: number }
  | { id: number; op: 'histogram'; bins: number; cts: Uint8Array[] }
  | { id: number; op: 'release'; bins: number };

export type HistogramReply =
  | { kind: 'done'; id: number }
  | { kind: 'results'; id: number; results: Uint8Array[] }
  | { kind: 'error'; id: number; code: ErrorCode; params: ErrorParams };

/** Sent once by each worker after SEAL has loaded. */
export interface WorkerReady {
  kind: 'ready';
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

function isBinsMessage(v: unknown): v is BinsMessage {
  return (
    isRecord(v) &&
    typeof v.N === 'number' &&
    typeof v.rows === 'number' &&
    typeof v.chunkRows === 'number' &&
    Array.isArray(v.binCounts) &&
    typeof v.cols === 'number' &&
    v.codes instanceof Uint8Array
  );
}

export function isHistogramRequest(value: unknown): value is HistogramRequest {
  if (!isRecord(value) || typeof value.id !== 'number' || typeof value.bins !== 'number') return false;
  switch (value.op) {
    case 'load':
      return isBinsMessage(value.packed) && typeof value.cache === 'boolean' && typeof value.from === 'number' && typeof value.to === 'number';
    case 'histogram':
      return Array.isArray(value.cts) && value.cts.every((b) => b instanceof Uint8Array);
    case 'release':
      return true;
    default:
      return false;
  }
}

export function isWorkerMessage(value: unknown): value is HistogramReply | WorkerReady {
  if (!isRecord(value)) return false;
  switch (value.kind) {
    case 'ready':
      return true;
    case 'done':
      return typeof value.id === 'number';
    case 'results':
      return typeof value.id === 'number' && Array.isArray(value.results) && value.results.every((b) => b instanceof Uint8Array);
    case 'error':
      return typeof value.id === 'number' && isErrorCode(value.code) && isRecord(value.params);
    default:
      return false;
  }
}

/** One worker's registered bins and the tasks it runs on them. */
export class HistogramWorkerState {
  readonly #bfv: Bfv;
  readonly #bins = new Map<number, { packed: PackedBins; range: GroupRange }>();

  constructor(bfv: Bfv) {
    this.#bfv = bfv;
  }

  /** Runs one task; the reply's buffers are listed in `transfer` so they move instead of copying. */
  run(request: HistogramRequest): { reply: HistogramReply; transfer: ArrayBuffer[] } {
    try {
      switch (request.op) {
        case 'load': {
          const m = request.packed;
          const layout = makeHistogramLayout(m.N, m.rows, m.binCounts, m.chunkRows);
          const range = { from: request.from, to: request.to };
          // The codes are already in the vector's order: the identity order re-runs packBins's checks.
          const packed = packBins(this.#bfv, m.codes, m.cols, layout, { cache: request.cache, cacheGroups: range });
          this.#bins.get(request.bins)?.packed.dispose();
          this.#bins.set(request.bins, { packed, range });
          return { reply: { kind: 'done', id: request.id }, transfer: [] };
        }
        case 'histogram': {
          const entry = this.#bins.get(request.bins);
          if (entry === undefined) throw new FedmarkError('FM_ERR_HE_POOL', { reason: `bins ${request.bins} are not loaded in this worker` });
          const cts = [];
          try {
            for (const [c, bytes] of request.cts.entries()) cts.push(deserializeCiphertext(this.#bfv, bytes, `cts[${c}]`, 'first'));
            const results = encryptedHistogramGroups(this.#bfv, cts, entry.packed, entry.range);
            const bytes = results.map((ct) => serializeCiphertext(this.#bfv, ct));
            disposeAll(results);
            return { reply: { kind: 'results', id: request.id, results: bytes }, transfer: bytes.map((b) => b.buffer as ArrayBuffer) };
          } finally {
            disposeAll(cts);
          }
        }
        case 'release': {
          this.#bins.get(request.bins)?.packed.dispose();
          this.#bins.delete(request.bins);
          return { reply: { kind: 'done', id: request.id }, transfer: [] };
        }
      }
    } catch (err) {
      const e = toFedmarkError(err);
      return { reply: { kind: 'error', id: request.id, code: e.code, params: e.params }, transfer: [] };
    }
  }

  dispose(): void {
    for (const { packed } of this.#bins.values()) packed.dispose();
    this.#bins.clear();
  }
}
