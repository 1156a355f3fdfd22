// ECDH-PSI between one guest and any number of hosts (Meadows 1986; Huberman, Franklin & Hogg
// 1999; design note protocols.md, section PSI), as message-driven state machines. Networking is
// the caller's: `send` gets encoded frames for a peer, `receive` is fed what the peer sent, both
// through the end-to-end channel.
//
// Steps (numbered as in the design note):
// 0. Each side sends a hello (set size, chunk size, and a reuse offer when its config reuses
//    blinded sets with that partner) and waits for the other's; both then know the mode of the
//    pair (reuse.ts): fresh (a per-job scalar and hash domain), start or continue (the pair's key
//    and epoch domain; continue streams changed IDs only).
// 1. Each side announces its items and streams them hashed and blinded in chunks: the guest
//    a·H(x) in its own order to every host; each host b·H(y) in a secret shuffled order, each item
//    under a handle (its shuffled position, or a new handle in a continued pair).
// 2. Each host returns b·(a·H(x)) for the guest's chunks, in the guest's order; the guest
//    returns an ack for each host chunk, so that neither side has more than WINDOW chunks in
//    flight and memory holds what must be kept, not the stream.
// 3. The guest keeps the first MATCH_BYTES of a·(b·H(y)) and of b·(a·H(x)), matches, keeps the
//    rows matched at every host, orders them by the double-blinded value shared with the first
//    host, and tells each host its handles in that order. Row i is then the same customer at
//    every party. Sides that reuse then store the pair's state.
// What each role learns: the guest, each host's set size and, per host, which of its own rows that
// host holds (it matches every host's set separately, so with several hosts more than the
// all-party intersection); a host, the guest's set size and which of its rows are in the (all-party)
// intersection; with reuse, also what reuse.ts states. The coordinator relays sealed messages and
// learns sizes only.
// Cost: one hash and one scalar multiplication per own item, one per peer item re-blinded.

import type { Static } from '@sinclair/typebox';
import { FedmarkError, toFedmarkError } from '../../errors/table.ts';
import { newScalar } from './ecdh.ts';
import { FINGERPRINT_BYTES, fingerprintIds } from './fingerprint.ts';
import { intersectIndices, shuffle } from './match.ts';
import { psiCodec, RESULT_CHUNK, type PsiFrame, PSI_SCHEMAS } from './messages.ts';
import type { BlindingPool } from './pool.ts';
import { randomBytes, type RandomBytes } from './random.ts';
import {
  decideMode, diffFingerprints, MATCH_BYTES, mergePeer, reuseDomain, stateTag,
  type GuestPairState, type HostPairState, type PairState, type ReuseMode, type ReuseOffer, type ReuseStore,
} from './reuse.ts';

const POINT = 32;
export const DEFAULT_CHUNK = 16_384;
/** Chunks a side may have sent and not yet seen answered. */
const WINDOW = 4;
/** IDs fingerprinted between two turns of the event loop (some tens of milliseconds). */
const FINGERPRINT_BATCH = 1 << 15;

/**
 * A party's normalised IDs, read one at a time: a string array serves, and so does a compact
 * column that makes each string only when asked (party-node/data/idColumn.ts).
 */
export interface IdList {
  readonly length: number;
  at(index: number): string | undefined;
}

export interface PsiContext {
  job: string;
  pool: BlindingPool;
  send: (peer: string, frame: Buffer) => void;
  chunkSize?: number;
  random?: RandomBytes;
  /** The reuse store of a peer this party reuses blinded sets with; undefined: per-job keys only. */
  reuse?: (peer: string) => ReuseStore | undefined;
  /** Time for a new pair state (ms since 1970); tests move it to check rotation. */
  now?: () => number;
}

type Body<K extends keyof typeof PSI_SCHEMAS> = Static<(typeof PSI_SCHEMAS)[K]>;
type Hello = Body<'psi.hello'>;

class Deferred<T> {
  readonly promise: Promise<T>;
  resolve!: (value: T) => void;
  reject!: (err: unknown) => void;
  settled = false;

  constructor() {
    this.promise = new Promise<T>((resolve, reject) => {
      this.resolve = (v) => {
        this.settled = true;
        resolve(v);
      };
      this.reject = reject;
    });
    this.promise.catch(() => undefined);
  }
}

/** One stream of chunked entries from a peer: checks each chunk's index and size once. */
class Expected {
  readonly items: number;
  private readonly chunkSize: number;
  private readonly width: number;
  private readonly peer: string;
  private readonly seen = new Set<number>();
  private pending = 0;

  constructor(peer: string, items: number, chunkSize: number, width: number) {
    this.peer = peer;
    this.items = items;
    this.chunkSize = chunkSize;
    this.width = width;
  }

  /** The chunk's first entry, after its index and size are checked against the announcement. */
  accept(chunk: number, payload: Uint8Array | undefined, what: string): number {
    const chunks = Math.ceil(this.items / this.chunkSize);
    if (chunk >= chunks || this.seen.has(chunk)) throw psiError(this.peer, `unexpected ${what} chunk ${chunk}`);
    const offset = chunk * this.chunkSize;
    const count = Math.min(this.chunkSize, this.items - offset);
    if (!payload || payload.length !== count * this.width) throw psiError(this.peer, `chunk ${chunk} has ${payload?.length ?? 0} bytes, expected ${count * this.width}`);
    this.seen.add(chunk);
    return offset;
  }

  /**
   * As accept, for a chunk stored only after an await (a blinding on the pool): until `stored` is
   * called the set is not complete, so another peer's frame cannot start the match on a half-filled
   * value array.
   */
  acceptPending(chunk: number, payload: Uint8Array | undefined, what: string): { at: number; stored: () => void } {
    const at = this.accept(chunk, payload, what);
    this.pending++;
    return { at, stored: () => void this.pending-- };
  }

  get complete(): boolean {
    return this.pending === 0 && this.seen.size === Math.ceil(this.items / this.chunkSize);
  }
}

/** At most WINDOW chunks in flight: acquire before sending one, release when it is answered. */
class Window {
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];

  async acquire(): Promise<void> {
    while (this.inFlight >= WINDOW) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.inFlight++;
  }

  release(): void {
    this.inFlight--;
    this.waiting.shift()?.();
  }

  /** Lets every waiter go (the session failed). */
  open(): void {
    this.inFlight = -Infinity;
    for (const w of this.waiting.splice(0)) w();
  }
}

/** What one side of a pair knows once the hellos are exchanged. */
interface PairSetup {
  /** The peer's chunk size: its streams come cut by it. */
  peerChunkSize: number;
  mode: ReuseMode;
  state: PairState | undefined;
  scalar: Uint8Array;
  domain: string;
  /** The epoch the pair's state is kept under (reuse modes). */
  epoch: Uint8Array | undefined;
  /** Own fingerprints under the pair key, in row order: made at the start of a continued pair, at the end of a new one. */
  fingerprints: Uint8Array | undefined;
}

abstract class PsiParty {
  protected readonly ctx: PsiContext;
  protected readonly chunkSize: number;
  protected readonly random: RandomBytes;
  protected readonly ids: IdList;
  private resolveResult!: (rows: Uint32Array) => void;
  private rejectResult!: (err: FedmarkError) => void;
  readonly result: Promise<Uint32Array>;
  protected settled = false;
  private readonly hellos = new Map<string, Deferred<Hello>>();
  /** Per peer: resolves once this side is ready for the peer's frames after the hello. */
  protected readonly ready = new Map<string, Deferred<void>>();
  /** Per peer: frames are handled one after another, in the order they came. */
  private readonly chains = new Map<string, Promise<void>>();
  protected readonly windows: Window[] = [];

  constructor(ctx: PsiContext, ids: IdList, peers: readonly string[]) {
    this.ctx = ctx;
    this.chunkSize = ctx.chunkSize ?? DEFAULT_CHUNK;
    this.random = ctx.random ?? randomBytes;
    this.ids = ids;
    for (const p of peers) {
      this.hellos.set(p, new Deferred());
      this.ready.set(p, new Deferred());
      this.chains.set(p, Promise.resolve());
    }
    this.result = new Promise((resolve, reject) => {
      this.resolveResult = resolve;
      this.rejectResult = reject;
    });
    this.result.catch(() => undefined);
  }

  /** Feeds one decrypted message from `peer`; protocol violations fail the session. */
  receive(peer: string, bytes: Uint8Array): void {
    const chain = this.chains.get(peer);
    if (chain === undefined) return this.fail(psiError(peer, 'not a party of this PSI'));
    let frame: PsiFrame;
    try {
      frame = psiCodec.decode(bytes);
    } catch (err) {
      return this.fail(psiError(peer, (err as Error).message));
    }
    if (frame.kind === 'psi.hello') {
      const hello = this.hellos.get(peer)!;
      if (hello.settled) return this.fail(psiError(peer, 'second hello'));
      hello.resolve(frame.body);
      return;
    }
    const next = chain
      .then(() => this.ready.get(peer)!.promise)
      .then(() => (this.settled ? undefined : this.handle(peer, frame)))
      .catch((err: unknown) => this.fail(err instanceof FedmarkError ? err : psiError(peer, String(err))));
    this.chains.set(peer, next);
  }

  protected abstract handle(peer: string, frame: PsiFrame): Promise<void> | void;

  /** Loads the pair's state, sends the hello, waits for the peer's and settles the pair's mode, scalar and domain. */
  protected async setUp(peer: string, role: 'guest' | 'host'): Promise<PairSetup> {
    const store = this.ctx.reuse?.(peer);
    const held = store ? await store.load() : undefined;
    const state = held?.role === role ? held : undefined;
    const mine: ReuseOffer | undefined = store ? { nonce: this.random(32).slice(), ...(state ? { tag: stateTag(state) } : {}) } : undefined;
    const hello: Hello = { rows: this.ids.length, chunkSize: this.chunkSize };
    if (mine) hello.reuse = { nonce: hex(mine.nonce), ...(mine.tag ? { tag: hex(mine.tag) } : {}) };
    this.sendFrame(peer, 'psi.hello', hello);
    const theirs = await this.hellos.get(peer)!.promise;
    const offer = theirs.reuse ? { nonce: unhex(theirs.reuse.nonce), ...(theirs.reuse.tag ? { tag: unhex(theirs.reuse.tag) } : {}) } : undefined;
    const mode = role === 'guest' ? decideMode(mine, offer) : decideMode(offer, mine);
    const peerChunkSize = theirs.chunkSize;
    if (mode.kind === 'fresh') return { peerChunkSize, mode, state: undefined, scalar: newScalar(this.random), domain: this.ctx.job, epoch: undefined, fingerprints: undefined };
    const continued = mode.kind === 'continue' ? state : undefined;
    const scalar = continued ? continued.key : newScalar(this.random);
    const epoch = continued ? continued.epoch : (mode as { epoch: Uint8Array }).epoch;
    // A continued pair needs them now, to tell what changed; a new one only at the end, to keep them.
    const fingerprints = continued ? await this.fingerprintAll(scalar) : undefined;
    return { peerChunkSize, mode, state: continued, scalar, domain: reuseDomain(epoch), epoch, fingerprints };
  }

  // On this thread: a keyed BLAKE2b costs about what handing the string to a worker does, so the
  // pool would add CPU time, not save it. Batches, with a turn of the event loop between them.
  protected async fingerprintAll(key: Uint8Array): Promise<Uint8Array> {
    const out = new Uint8Array(this.ids.length * FINGERPRINT_BYTES);
    for (let start = 0; start < this.ids.length; start += FINGERPRINT_BATCH) {
      const end = Math.min(this.ids.length, start + FINGERPRINT_BATCH);
      out.set(fingerprintIds(this.idsOf(start, end, undefined), key), start * FINGERPRINT_BYTES);
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.settled) break;
    }
    return out;
  }

  /** The normalised IDs of items start..end-1, where item k is row `rows[k]` (or row k). */
  protected idsOf(start: number, end: number, rows: Uint32Array | undefined): string[] {
    const out = new Array<string>(end - start);
    for (let k = start; k < end; k++) out[k - start] = this.ids.at(rows ? rows[k]! : k) ?? '';
    return out;
  }

  /** Hashes and blinds items chunk by chunk, sending each to `peers` once every window has room. */
  protected async streamItems(o: { rows: Uint32Array | undefined; count: number; scalar: Uint8Array; domain: string; windows: Window[]; emit: (chunk: number, points: Uint8Array) => void }): Promise<void> {
    for (let c = 0, start = 0; start < o.count; c++, start += this.chunkSize) {
      for (const w of o.windows) await w.acquire();
      if (this.settled) return;
      const points = await this.ctx.pool.hashAndBlind(this.idsOf(start, Math.min(o.count, start + this.chunkSize), o.rows), o.domain, o.scalar);
      if (this.settled) return;
      o.emit(c, points);
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
    for (const w of this.windows) w.open();
    for (const r of this.ready.values()) r.reject(err);
    this.rejectResult(err);
  }

  /** Runs `work`, failing the session with what it throws. */
  protected guard(work: Promise<unknown>): void {
    work.catch((err: unknown) => this.fail(err instanceof FedmarkError ? err : toFedmarkError(err)));
  }
}

/** The guest's side of one host. */
interface GuestPair {
  host: string;
  setup: PairSetup;
  window: Window;
  /** Own rows streamed to this host, in stream order; undefined: every row in order. */
  ownRows: Uint32Array | undefined;
  /** MATCH_BYTES per own row: b·a·H(x), from the store or from this job's re-blinding. */
  mine: Uint8Array;
  ownBack: Expected;
  /** What the host announced. */
  theirs?: { expected: Expected; base: number; values: Uint8Array; removed: Expected; removedHandles: Uint32Array };
}

export class PsiGuest extends PsiParty {
  private readonly hosts: readonly string[];
  private readonly pairs = new Map<string, GuestPair>();
  private matched = false;

  constructor(ctx: PsiContext, ids: IdList, hosts: readonly string[]) {
    super(ctx, ids, hosts);
    if (hosts.length === 0) throw new FedmarkError('FM_ERR_INTERNAL', { reason: 'PSI needs at least one host' });
    this.hosts = hosts;
  }

  start(): Promise<Uint32Array> {
    this.guard(this.run());
    return this.result;
  }

  private async run(): Promise<void> {
    const setups = await Promise.all(this.hosts.map((h) => this.setUp(h, 'guest')));
    if (this.settled) return;
    // Hosts in fresh mode share one per-job scalar and one stream, as with a single host.
    const shared = { scalar: newScalar(this.random), domain: this.ctx.job };
    this.hosts.forEach((host, i) => {
      const setup = setups[i]!;
      const pair = this.newPair(host, setup.mode.kind === 'fresh' ? { ...setup, ...shared } : setup);
      this.pairs.set(host, pair);
      this.sendFrame(host, 'psi.items', { items: pair.ownBack.items, base: 0, removed: 0 });
      this.ready.get(host)!.resolve();
    });
    const fresh = [...this.pairs.values()].filter((p) => p.setup.mode.kind === 'fresh');
    const streams = [...this.pairs.values()].filter((p) => p.setup.mode.kind !== 'fresh').map((p) => [p]);
    if (fresh.length > 0) streams.push(fresh);
    await Promise.all(streams.map((group) => {
      const { setup, ownRows, ownBack } = group[0]!;
      return this.streamItems({
        rows: ownRows, count: ownBack.items, scalar: setup.scalar, domain: setup.domain, windows: group.map((p) => p.window),
        emit: (chunk, points) => {
          for (const p of group) this.sendFrame(p.host, 'psi.guest-blinded', { chunk }, points);
        },
      });
    }));
    this.maybeMatch();
  }

  private newPair(host: string, setup: PairSetup): GuestPair {
    const n = this.ids.length;
    const mine = new Uint8Array(n * MATCH_BYTES);
    let ownRows: Uint32Array | undefined;
    const state = setup.state as GuestPairState | undefined;
    if (state && setup.fingerprints) {
      // Continued pair: stored values for the IDs seen before, the added ones to blind.
      const { storedIndex } = diffFingerprints(setup.fingerprints, state.fingerprints);
      const added: number[] = [];
      // MATCH_BYTES = 16: four words per value, copied as words.
      const from = new Uint32Array(state.values.buffer, state.values.byteOffset, state.values.length / 4);
      const to = new Uint32Array(mine.buffer);
      for (let row = 0; row < n; row++) {
        const j = storedIndex[row]!;
        if (j < 0) added.push(row);
        else for (let w = 0; w < 4; w++) to[4 * row + w] = from[4 * j + w]!;
      }
      ownRows = Uint32Array.from(added);
      // Only the host's side of the state is needed from here on: let the rest go.
      state.fingerprints = new Uint8Array(0);
      state.values = new Uint8Array(0);
    }
    const window = new Window();
    this.windows.push(window);
    return { host, setup, window, ownRows, mine, ownBack: new Expected(host, ownRows ? ownRows.length : n, this.chunkSize, POINT) };
  }

  protected async handle(peer: string, frame: PsiFrame): Promise<void> {
    const pair = this.pairs.get(peer)!;
    switch (frame.kind) {
      case 'psi.items': {
        if (pair.theirs) throw psiError(peer, 'second items');
        const { items, base, removed } = frame.body;
        if (pair.setup.mode.kind !== 'continue' && (base !== 0 || removed !== 0)) throw psiError(peer, 'handles from a stored state in a run that keeps none');
        pair.theirs = {
          expected: new Expected(peer, items, pair.setup.peerChunkSize, POINT), base, values: new Uint8Array(items * MATCH_BYTES),
          removed: new Expected(peer, removed, pair.setup.peerChunkSize, 4), removedHandles: new Uint32Array(removed),
        };
        break;
      }
      case 'psi.removed': {
        const theirs = this.announced(pair);
        const at = theirs.removed.accept(frame.body.chunk, frame.payload, 'removed');
        const bytes = frame.payload!;
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        for (let k = 0; k * 4 < bytes.length; k++) theirs.removedHandles[at + k] = view.getUint32(k * 4, true);
        break;
      }
      case 'psi.guest-reblinded': {
        const { chunk } = frame.body;
        const at = pair.ownBack.accept(chunk, frame.payload, 're-blinded');
        keepPrefixes(frame.payload!, pair.mine, (k) => (pair.ownRows ? pair.ownRows[at + k]! : at + k));
        pair.window.release();
        break;
      }
      case 'psi.host-blinded': {
        const theirs = this.announced(pair);
        const { chunk } = frame.body;
        const { at, stored } = theirs.expected.acceptPending(chunk, frame.payload, 'blinded');
        const double = await this.ctx.pool.blind(frame.payload!, pair.setup.scalar);
        keepPrefixes(double, theirs.values, (k) => at + k);
        stored();
        this.sendFrame(peer, 'psi.ack', { chunk });
        break;
      }
      default:
        throw psiError(peer, `a guest does not expect ${frame.kind}`);
    }
    this.maybeMatch();
  }

  private announced(pair: GuestPair): NonNullable<GuestPair['theirs']> {
    if (!pair.theirs) throw psiError(pair.host, 'chunk before items');
    return pair.theirs;
  }

  private maybeMatch(): void {
    if (this.matched || this.settled || this.pairs.size < this.hosts.length) return;
    for (const p of this.pairs.values()) {
      if (!p.ownBack.complete || !p.theirs || !p.theirs.expected.complete || !p.theirs.removed.complete) return;
    }
    this.matched = true;
    this.guard(this.match());
  }

  private async match(): Promise<void> {
    const n = this.ids.length;
    // Per host: its handles and values after this job, then the matches in canonical order.
    const sides = this.hosts.map((h) => {
      const pair = this.pairs.get(h)!;
      const theirs = pair.theirs!;
      const state = pair.setup.state as GuestPairState | undefined;
      // Without a stored state the host's handles are its positions 0, 1, …: no array needed.
      let peer: { handles?: Uint32Array; values: Uint8Array } = { values: theirs.values };
      if (state) {
        peer = mergePeer(state, theirs.removedHandles, theirs.base, theirs.values, h);
        // The merged copies replace the stored lists and this job's new values: let those go.
        state.peerHandles = new Uint32Array(0);
        state.peerValues = new Uint8Array(0);
        theirs.values = new Uint8Array(0);
      }
      return { pair, peer, matches: intersectIndices(pair.mine, peer.values, MATCH_BYTES) };
    });
    // Canonical order: the first host's double-blinded order, restricted to rows matched at every
    // host. With one host that is its match list as it is, and no per-row index is built.
    let rows = sides[0]!.matches.mine;
    let indexOf: Array<(i: number) => number> = [(i) => sides[0]!.matches.theirs[i]!];
    if (sides.length > 1) {
      const at = sides.map(({ matches }) => {
        const index = new Int32Array(n).fill(-1);
        matches.mine.forEach((row, k) => (index[row] = matches.theirs[k]!));
        return index;
      });
      rows = rows.filter((row) => at.every((index) => index[row]! >= 0));
      indexOf = at.map((index) => (i: number) => index[rows[i]!]!);
    }
    sides.forEach(({ pair, peer }, s) => {
      const handles = new Uint32Array(rows.length);
      for (let i = 0; i < rows.length; i++) {
        const k = indexOf[s]!(i);
        handles[i] = peer.handles ? peer.handles[k]! : k;
      }
      for (let chunk = 0; chunk * RESULT_CHUNK < Math.max(rows.length, 1); chunk++) {
        const part = handles.subarray(chunk * RESULT_CHUNK, (chunk + 1) * RESULT_CHUNK);
        this.sendFrame(pair.host, 'psi.result', { size: rows.length, chunk }, new Uint8Array(part.buffer, part.byteOffset, part.byteLength));
      }
    });
    const result = Uint32Array.from(rows);
    // Only the host's lists are needed from here on (to be kept): the match lists can go.
    const kept = sides.map(({ pair, peer }) => ({ pair, peer }));
    sides.length = 0;
    for (const { pair, peer } of kept) {
      const { setup } = pair;
      if (setup.mode.kind === 'fresh') continue;
      const previous = setup.state;
      await this.ctx.reuse!(pair.host)!.save({
        role: 'guest', epoch: setup.epoch!, key: setup.scalar, job: this.ctx.job,
        generation: previous ? previous.generation + 1 : 1, created: previous ? previous.created : (this.ctx.now ?? Date.now)(),
        nextHandle: pair.theirs!.base + pair.theirs!.expected.items,
        fingerprints: setup.fingerprints ?? (await this.fingerprintAll(setup.scalar)), values: pair.mine,
        peerValues: peer.values,
        peerHandles: peer.handles ?? Uint32Array.from({ length: pair.theirs!.expected.items }, (_, k) => k),
      });
    }
    this.finish(result);
  }
}

export class PsiHost extends PsiParty {
  private readonly guest: string;
  private setup: PairSetup | undefined;
  /** Own rows in the order streamed (shuffled): the item with handle base + k is row items[k]. */
  private items: Uint32Array | undefined;
  /** Handle of each own row (reuse modes). */
  private handles: Uint32Array | undefined;
  private base = 0;
  private nextHandle = 0;
  private guestItems: Expected | undefined;
  private result_: { expected: Expected; handles: Uint32Array } | undefined;
  private readonly window = new Window();

  constructor(ctx: PsiContext, ids: IdList, guest: string) {
    super(ctx, ids, [guest]);
    this.guest = guest;
    this.windows.push(this.window);
  }

  start(): Promise<Uint32Array> {
    this.guard(this.run());
    return this.result;
  }

  private async run(): Promise<void> {
    const setup = await this.setUp(this.guest, 'host');
    if (this.settled) return;
    this.setup = setup;
    const n = this.ids.length;
    const state = setup.state as HostPairState | undefined;
    let removed = new Uint32Array(0);
    if (state && setup.fingerprints) {
      // Continued pair: the old handles of the IDs seen before, new ones (shuffled) for the added.
      const diff = diffFingerprints(setup.fingerprints, state.fingerprints);
      const handles = new Uint32Array(n);
      const added: number[] = [];
      for (let row = 0; row < n; row++) {
        const j = diff.storedIndex[row]!;
        if (j < 0) added.push(row);
        else handles[row] = state.handles[j]!;
      }
      const order = shuffle(added.length, this.random);
      this.items = Uint32Array.from(order, (k) => added[k]!);
      this.base = state.nextHandle;
      this.items.forEach((row, k) => (handles[row] = this.base + k));
      removed = Uint32Array.from(diff.removed, (j) => state.handles[j]!);
      this.handles = handles;
      state.fingerprints = new Uint8Array(0);
      state.handles = new Uint32Array(0);
    } else {
      this.items = shuffle(n, this.random);
      if (setup.mode.kind !== 'fresh') {
        this.handles = new Uint32Array(n);
        this.items.forEach((row, k) => (this.handles![row] = k));
      }
    }
    this.nextHandle = this.base + this.items.length;
    this.sendFrame(this.guest, 'psi.items', { items: this.items.length, base: this.base, removed: removed.length });
    for (let chunk = 0; chunk * this.chunkSize < removed.length; chunk++) {
      const part = removed.slice(chunk * this.chunkSize, (chunk + 1) * this.chunkSize);
      this.sendFrame(this.guest, 'psi.removed', { chunk }, new Uint8Array(part.buffer));
    }
    this.ready.get(this.guest)!.resolve();
    const items = this.items;
    await this.streamItems({
      rows: items, count: items.length, scalar: setup.scalar, domain: setup.domain, windows: [this.window],
      emit: (chunk, points) => this.sendFrame(this.guest, 'psi.host-blinded', { chunk }, points),
    });
  }

  protected async handle(peer: string, frame: PsiFrame): Promise<void> {
    const setup = this.setup!;
    switch (frame.kind) {
      case 'psi.items': {
        if (this.guestItems) throw psiError(peer, 'second items');
        const { items, base, removed } = frame.body;
        if (base !== 0 || removed !== 0) throw psiError(peer, 'a guest gives no handles');
        this.guestItems = new Expected(peer, items, setup.peerChunkSize, POINT);
        return;
      }
      case 'psi.guest-blinded': {
        if (!this.guestItems) throw psiError(peer, 'chunk before items');
        const { chunk } = frame.body;
        this.guestItems.accept(chunk, frame.payload, 'blinded');
        this.sendFrame(peer, 'psi.guest-reblinded', { chunk }, await this.ctx.pool.blind(frame.payload!, setup.scalar));
        return;
      }
      case 'psi.ack':
        this.window.release();
        return;
      case 'psi.result':
        return this.acceptResult(peer, frame.body, frame.payload);
      default:
        throw psiError(peer, `a host does not expect ${frame.kind}`);
    }
  }

  private async acceptResult(peer: string, body: Body<'psi.result'>, payload: Uint8Array | undefined): Promise<void> {
    if (this.result_ === undefined) {
      if (body.size > this.ids.length) throw psiError(peer, `result of ${body.size} rows for a set of ${this.ids.length}`);
      this.result_ = { expected: new Expected(peer, body.size, RESULT_CHUNK, 4), handles: new Uint32Array(body.size) };
    } else if (body.size !== this.result_.handles.length) throw psiError(peer, 'result chunks disagree on its size');
    const { expected, handles } = this.result_;
    if (body.size === 0) {
      if (body.chunk !== 0 || (payload?.length ?? 0) !== 0) throw psiError(peer, 'an empty result carries data');
    } else {
      const at = expected.accept(body.chunk, payload, 'result');
      const view = new DataView(payload!.buffer, payload!.byteOffset, payload!.byteLength);
      for (let k = 0; k * 4 < payload!.length; k++) handles[at + k] = view.getUint32(k * 4, true);
      if (!expected.complete) return;
    }
    const rows = this.rowsOf(peer, handles);
    const setup = this.setup!;
    if (setup.mode.kind !== 'fresh') {
      const previous = setup.state;
      await this.ctx.reuse!(this.guest)!.save({
        role: 'host', epoch: setup.epoch!, key: setup.scalar, job: this.ctx.job,
        generation: previous ? previous.generation + 1 : 1, created: previous ? previous.created : (this.ctx.now ?? Date.now)(),
        nextHandle: this.nextHandle, fingerprints: setup.fingerprints ?? (await this.fingerprintAll(setup.scalar)), handles: this.handles!,
      });
    }
    this.finish(rows);
  }

  /** Own rows of the guest's handles; a handle out of range or named twice fails the session. */
  private rowsOf(peer: string, handles: Uint32Array): Uint32Array {
    const rowOf = new Int32Array(this.nextHandle).fill(-1);
    if (this.handles) this.handles.forEach((h, row) => (rowOf[h] = row));
    else this.items!.forEach((row, k) => (rowOf[k] = row));
    const rows = new Uint32Array(handles.length);
    for (let i = 0; i < handles.length; i++) {
      const h = handles[i]!;
      const row = h < rowOf.length ? rowOf[h]! : -1;
      if (row < 0) throw psiError(peer, `result position ${h} is out of range or repeated`);
      rowOf[h] = -1;
      rows[i] = row;
    }
    return rows;
  }
}

/** Writes the first MATCH_BYTES of each 32-byte point of `points` to slot slotOf(k) of `into`. */
function keepPrefixes(points: Uint8Array, into: Uint8Array, slotOf: (k: number) => number): void {
  for (let k = 0; k * POINT < points.length; k++) {
    into.set(points.subarray(k * POINT, k * POINT + MATCH_BYTES), slotOf(k) * MATCH_BYTES);
  }
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function unhex(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text, 'hex'));
}

function psiError(peer: string, reason: string): FedmarkError {
  return new FedmarkError('FM_ERR_PSI_PROTOCOL', { peer, reason });
}
