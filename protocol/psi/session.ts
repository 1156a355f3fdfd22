// ECDH-PSI between one guest and any number of hosts (Meadows 1986; Huberman, Franklin & Hogg
// 1999; design note protocols.md, section PSI), as message-driven state machines. Networking is
// the caller's: `send` gets encoded frames for a peer, `receive` is fed what the peer sent, both
// through the end-to-end channel.
//
// Steps (numbered as in the design note):
// 1. Each side announces its row count, then streams its own IDs hashed and blinded in chunks:
//    the guest a·H(x) in its order to every host; each host b·H(y) in a secret shuffled order.
// 2. Each host returns b·(a·H(x)) for the guest's chunks, in the guest's order.
// 3. The guest computes a·(b·H(y)), matches, keeps the rows matched at every host, orders them
//    by the double-blinded value shared with the first host, and tells each host its shuffled
//    positions in that order. Row i is then the same customer at every party.
// What each role learns: the guest, each host's set size and, per host, which of its own rows that
// host holds (it matches every host's set separately, so with several hosts more than the
// all-party intersection); a host, the guest's set size and which of its rows are in the (all-party)
// intersection. The coordinator relays sealed messages and learns sizes only.
// Cost: one hash and one scalar multiplication per own ID, one per peer ID re-blinded.

import { FedmarkError } from '../../errors/table.ts';
import { newScalar } from './ecdh.ts';
import { intersectIndices, shuffle } from './match.ts';
import { psiCodec, type PsiFrame, PSI_SCHEMAS } from './messages.ts';
import type { BlindingPool } from './pool.ts';
import type { Static } from '@sinclair/typebox';

const POINT = 32;
export const DEFAULT_CHUNK = 16_384;

export interface PsiContext {
  job: string;
  pool: BlindingPool;
  send: (peer: string, frame: Buffer) => void;
  chunkSize?: number;
  random?: (n: number) => Uint8Array;
}

/**
 * A party's normalised IDs, read one at a time: a string array serves, and so does a compact
 * column that makes each string only when asked (party-node/data/idColumn.ts).
 */
export interface IdList {
  readonly length: number;
  at(index: number): string | undefined;
}

type Body<K extends keyof typeof PSI_SCHEMAS> = Static<(typeof PSI_SCHEMAS)[K]>;

/** Collects one peer's chunked stream of points into one packed array. */
class Incoming {
  rows = -1;
  chunkSize = 0;
  points = new Uint8Array(0);
  private received = 0;
  private readonly seen = new Set<number>();
  private readonly peer: string;

  constructor(peer: string) {
    this.peer = peer;
  }

  hello(body: Body<'psi.hello'>): void {
    if (this.rows >= 0) throw psiError(this.peer, 'second hello');
    this.rows = body.rows;
    this.chunkSize = body.chunkSize;
    this.points = new Uint8Array(body.rows * POINT);
  }

  get expectedChunks(): number {
    return this.rows < 0 ? Infinity : Math.ceil(this.rows / this.chunkSize);
  }

  /** Checks the chunk's index and size against the hello; returns its offset in rows. */
  check(chunk: number, payload: Uint8Array | undefined): { offset: number; bytes: Uint8Array } {
    if (this.rows < 0) throw psiError(this.peer, 'chunk before hello');
    if (chunk >= this.expectedChunks || this.seen.has(chunk)) throw psiError(this.peer, `unexpected chunk ${chunk}`);
    const offset = chunk * this.chunkSize;
    const count = Math.min(this.chunkSize, this.rows - offset);
    if (!payload || payload.length !== count * POINT) throw psiError(this.peer, `chunk ${chunk} has ${payload?.length ?? 0} bytes, expected ${count * POINT}`);
    this.seen.add(chunk);
    return { offset, bytes: payload };
  }

  store(offset: number, points: Uint8Array): boolean {
    this.points.set(points, offset * POINT);
    this.received++;
    return this.complete;
  }

  get complete(): boolean {
    return this.rows >= 0 && this.received === this.expectedChunks;
  }
}

abstract class PsiParty {
  protected readonly ctx: PsiContext;
  protected readonly chunkSize: number;
  protected readonly scalar: Uint8Array;
  private resolveResult!: (rows: Uint32Array) => void;
  private rejectResult!: (err: FedmarkError) => void;
  readonly result: Promise<Uint32Array>;
  private settled = false;

  constructor(ctx: PsiContext) {
    this.ctx = ctx;
    this.chunkSize = ctx.chunkSize ?? DEFAULT_CHUNK;
    this.scalar = newScalar(ctx.random);
    this.result = new Promise((resolve, reject) => {
      this.resolveResult = resolve;
      this.rejectResult = reject;
    });
    this.result.catch(() => undefined);
  }

  /** Feeds one decrypted message from `peer`; protocol violations fail the session. */
  receive(peer: string, bytes: Uint8Array): void {
    let frame: PsiFrame;
    try {
      frame = psiCodec.decode(bytes);
    } catch (err) {
      return this.fail(psiError(peer, (err as Error).message));
    }
    this.handle(peer, frame).catch((err: unknown) => this.fail(err instanceof FedmarkError ? err : psiError(peer, String(err))));
  }

  protected abstract handle(peer: string, frame: PsiFrame): Promise<void>;

  /** Hashes and blinds `ids` chunk by chunk and hands each chunk to `emit`. */
  protected async streamOwn(ids: readonly string[], emit: (chunk: number, points: Uint8Array) => void): Promise<void> {
    for (let c = 0, start = 0; start < ids.length; c++, start += this.chunkSize) {
      const points = await this.ctx.pool.hashAndBlind(ids.slice(start, start + this.chunkSize), this.ctx.job, this.scalar);
      if (this.settled) return;
      emit(c, points);
    }
  }

  protected sendFrame<K extends keyof typeof PSI_SCHEMAS>(peer: string, kind: K, body: Body<K>, payload?: Uint8Array): void {
    this.ctx.send(peer, psiCodec.encode(kind, 0, body, payload ? { payload } : {}));
  }

  protected finish(rows: Uint32Array): void {
    if (this.settled) return;
    this.settled = true;
    this.resolveResult(rows);
  }

  fail(err: FedmarkError): void {
    if (this.settled) return;
    this.settled = true;
    this.rejectResult(err);
  }
}

export class PsiGuest extends PsiParty {
  private readonly ids: readonly string[];
  private readonly hosts: readonly string[];
  private readonly mine = new Map<string, Incoming>();
  private readonly theirs = new Map<string, Incoming>();

  constructor(ctx: PsiContext, ids: readonly string[], hosts: readonly string[]) {
    super(ctx);
    if (hosts.length === 0) throw new FedmarkError('FM_ERR_INTERNAL', { reason: 'PSI needs at least one host' });
    this.ids = ids;
    this.hosts = hosts;
    for (const h of hosts) {
      this.mine.set(h, new Incoming(h));
      this.theirs.set(h, new Incoming(h));
    }
    // Our re-blinded points come back in our own chunking.
    for (const m of this.mine.values()) m.hello({ rows: ids.length, chunkSize: this.chunkSize });
  }

  start(): Promise<Uint32Array> {
    for (const h of this.hosts) this.sendFrame(h, 'psi.hello', { rows: this.ids.length, chunkSize: this.chunkSize });
    this.streamOwn(this.ids, (chunk, points) => {
      for (const h of this.hosts) this.sendFrame(h, 'psi.guest-blinded', { chunk }, points);
    }).catch((err: unknown) => this.fail(psiError('self', String(err))));
    this.maybeMatch();
    return this.result;
  }

  protected async handle(peer: string, frame: PsiFrame): Promise<void> {
    const mine = this.mine.get(peer);
    const theirs = this.theirs.get(peer);
    if (!mine || !theirs) throw psiError(peer, 'not a host of this job');
    switch (frame.kind) {
      case 'psi.hello':
        theirs.hello(frame.body as Body<'psi.hello'>);
        break;
      case 'psi.guest-reblinded': {
        const { offset, bytes } = mine.check((frame.body as Body<'psi.guest-reblinded'>).chunk, frame.payload);
        mine.store(offset, bytes);
        break;
      }
      case 'psi.host-blinded': {
        const { offset, bytes } = theirs.check((frame.body as Body<'psi.host-blinded'>).chunk, frame.payload);
        theirs.store(offset, await this.ctx.pool.blind(bytes, this.scalar));
        break;
      }
      default:
        throw psiError(peer, `a guest does not expect ${frame.kind}`);
    }
    this.maybeMatch();
  }

  private matched = false;

  private maybeMatch(): void {
    if (this.matched) return;
    for (const h of this.hosts) if (!this.mine.get(h)?.complete || !this.theirs.get(h)?.complete) return;
    this.matched = true;
    const n = this.ids.length;
    // Per host: guest row -> host's shuffled position (-1 if unmatched).
    const positions = this.hosts.map((h) => {
      const pairs = intersectIndices((this.mine.get(h) as Incoming).points, (this.theirs.get(h) as Incoming).points);
      const at = new Int32Array(n).fill(-1);
      pairs.mine.forEach((row, k) => (at[row] = pairs.theirs[k] as number));
      return { at, order: pairs.mine };
    });
    // Canonical order: the first host's double-blinded order, restricted to rows matched everywhere.
    const rows = Uint32Array.from((positions[0] as (typeof positions)[0]).order.filter((row) => positions.every((p) => (p.at[row] as number) >= 0)));
    this.hosts.forEach((h, k) => {
      const at = (positions[k] as (typeof positions)[0]).at;
      const theirsInOrder = new DataView(new ArrayBuffer(rows.length * 4));
      rows.forEach((row, i) => theirsInOrder.setUint32(i * 4, at[row] as number, true));
      this.sendFrame(h, 'psi.result', { size: rows.length }, new Uint8Array(theirsInOrder.buffer));
    });
    this.finish(rows);
  }
}

export class PsiHost extends PsiParty {
  private readonly ids: readonly string[];
  private readonly guest: string;
  private readonly permutation: Uint32Array;
  private readonly incoming: Incoming;

  constructor(ctx: PsiContext, ids: readonly string[], guest: string) {
    super(ctx);
    this.ids = ids;
    this.guest = guest;
    this.permutation = shuffle(ids.length, ctx.random);
    this.incoming = new Incoming(guest);
  }

  start(): Promise<Uint32Array> {
    this.sendFrame(this.guest, 'psi.hello', { rows: this.ids.length, chunkSize: this.chunkSize });
    const shuffled = Array.from(this.permutation, (row) => this.ids[row] as string);
    this.streamOwn(shuffled, (chunk, points) => this.sendFrame(this.guest, 'psi.host-blinded', { chunk }, points))
      .catch((err: unknown) => this.fail(psiError('self', String(err))));
    return this.result;
  }

  protected async handle(peer: string, frame: PsiFrame): Promise<void> {
    if (peer !== this.guest) throw psiError(peer, 'only the guest talks to a host');
    switch (frame.kind) {
      case 'psi.hello':
        this.incoming.hello(frame.body as Body<'psi.hello'>);
        return;
      case 'psi.guest-blinded': {
        const chunk = (frame.body as Body<'psi.guest-blinded'>).chunk;
        const { bytes } = this.incoming.check(chunk, frame.payload);
        this.sendFrame(peer, 'psi.guest-reblinded', { chunk }, await this.ctx.pool.blind(bytes, this.scalar));
        return;
      }
      case 'psi.result':
        return this.acceptResult(peer, (frame.body as Body<'psi.result'>).size, frame.payload);
      default:
        throw psiError(peer, `a host does not expect ${frame.kind}`);
    }
  }

  private acceptResult(peer: string, size: number, payload: Uint8Array | undefined): void {
    const bytes = payload ?? new Uint8Array(0);
    if (bytes.length !== size * 4) throw psiError(peer, `result of ${size} rows carries ${bytes.length} bytes`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const rows = new Uint32Array(size);
    const used = new Uint8Array(this.ids.length);
    for (let i = 0; i < size; i++) {
      const j = view.getUint32(i * 4, true);
      if (j >= this.ids.length || used[j]) throw psiError(peer, `result position ${j} is out of range or repeated`);
      used[j] = 1;
      rows[i] = this.permutation[j] as number;
    }
    this.finish(rows);
  }
}

function psiError(peer: string, reason: string): FedmarkError {
  return new FedmarkError('FM_ERR_PSI_PROTOCOL', { peer, reason });
}
