// At the guest of a model combined at the guest (gradient-boosted trees): the logits of one scoring
// request from its own current rows and the hosts' split decisions, which arrive sealed for it
// (protocol/peer/sealedFlags.ts) under the request nonce it issued. Each nonce is taken once and
// forgotten after a while, so the coordinator can neither replay hosts' decisions into another
// request nor keep a request open. Only logits leave, one per row of the request.
import { randomBytes } from 'node:crypto';
import { FedmarkError } from '../../errors/table.ts';
import { openFlags, REQUEST_NONCE_BYTES } from '../../protocol/peer/sealedFlags.ts';
import type { Dataset } from '../data/dataset.ts';
import { lookupRows, modelRows, type RowIndex } from './partial.ts';
import type { VerticalPart } from './vertical.ts';

/** What a request nonce stands for: the model, the IDs (in request order) and the handles each host is asked (none: the whole intersection). */
export interface PendingRequest {
  model: string;
  modelJob: string;
  ids: readonly string[];
  handles?: ReadonlyMap<string, Uint8Array>;
}

/** Request nonces the guest issued and not yet used; each expires after `ttlMs`, and at most `capacity` are kept. */
export class PendingRequests {
  private readonly pending = new Map<string, PendingRequest & { expires: number }>();
  private readonly ttlMs: number;
  private readonly capacity: number;
  private readonly now: () => number;

  constructor(opts: { ttlMs?: number; capacity?: number; now?: () => number } = {}) {
    this.ttlMs = opts.ttlMs ?? 120_000;
    this.capacity = opts.capacity ?? 256;
    this.now = opts.now ?? Date.now;
  }

  /** A fresh nonce for `request`. */
  issue(request: PendingRequest): string {
    const now = this.now();
    for (const [nonce, p] of this.pending) if (p.expires <= now) this.pending.delete(nonce);
    // The oldest request gives way: a coordinator that never combines cannot fill the guest's memory.
    while (this.pending.size >= this.capacity) this.pending.delete(this.pending.keys().next().value as string);
    const nonce = randomBytes(REQUEST_NONCE_BYTES).toString('hex');
    this.pending.set(nonce, { ...request, expires: now + this.ttlMs });
    return nonce;
  }

  /** The request `nonce` was issued for, taken once; refused when unknown, used, expired or for another model. */
  take(nonce: string, model: string, modelJob: string): PendingRequest {
    const p = this.pending.get(nonce);
    this.pending.delete(nonce);
    if (!p || p.expires <= this.now() || p.model !== model || p.modelJob !== modelJob) {
      throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'score.combine', state: `no pending scoring request of model ${model} with this nonce (unknown, used or expired)` });
    }
    return { model: p.model, modelJob: p.modelJob, ids: p.ids, ...(p.handles ? { handles: p.handles } : {}) };
  }
}

/**
 * The logits of `request`'s IDs: the hosts' sealed decisions opened (each under the key this guest
 * shares with that host), its own rows found now, the trees walked. NaN and unscorable where the
 * guest no longer holds the customer.
 */
export function guestLogits(
  opts: { part: VerticalPart; dataset: Dataset; index: RowIndex; guest: string; nonce: string; request: PendingRequest; sealed: ReadonlyMap<string, Uint8Array>; keys: ReadonlyMap<string, Uint8Array> },
): { logits: Float64Array; unscorable: number[] } {
  const { part, request, nonce } = opts;
  const walk = part.scorer.walk;
  if (!walk) throw new FedmarkError('FM_ERR_INTERNAL', { reason: `model ${request.model} is combined at the guest and its shard cannot walk` });
  const count = request.ids.length;
  const { known, rows } = lookupRows(opts.dataset, opts.index, request.ids, part.file.dataset.idCaseSensitive ?? false);
  const positions = Array.from({ length: count }, (_, i) => i).filter((i) => known[i]);
  const hosts = new Map<string, Float64Array>();
  for (const [host, blob] of opts.sealed) {
    const key = opts.keys.get(host);
    if (!key) throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'score.combine', state: `${host} is not a host of model ${request.model}` });
    const asked = request.handles ? request.handles.get(host) ?? new Uint8Array(0) : new Uint8Array(0);
    const opened = openFlags(key, { modelJob: request.modelJob, host, guest: opts.guest, nonce, asked }, blob);
    if (opened.rows !== count) throw new FedmarkError('FM_ERR_WIRE_MALFORMED', { reason: `${host} decided ${opened.rows} rows of a request of ${count}` });
    const { width, flags } = opened;
    const own = new Float64Array(positions.length * width);
    positions.forEach((i, k) => {
      for (let s = 0; s < width; s++) own[k * width + s] = flags[i * width + s] as number;
    });
    hosts.set(host, own);
  }
  const values = walk(modelRows(opts.dataset, rows, part.file.inputs?.names), hosts);
  const logits = new Float64Array(count).fill(Number.NaN);
  positions.forEach((i, k) => (logits[i] = values[k] as number));
  const unscorable = Array.from({ length: count }, (_, i) => i).filter((i) => !known[i]);
  return { logits, unscorable };
}
