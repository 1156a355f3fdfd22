// What a vertical model's training steps are given by the party that runs them: its peers (the
// model's own messages, end to end encrypted and relayed by the coordinator), encrypted-vector
// operations under the arbiter's key (with masked decryption by the arbiter behind
// innerProducts), and the job's checkpointing, progress, stop signal and log. models/ imports no
// protocol code: the party node implements this with protocol/he and its links, and a test can
// implement it in process. Vectors, layouts and packed columns are opaque handles here.
import type { Static } from '@sinclair/typebox';
import type { Matrix } from '../matrix.ts';
import type { MessageTable, PartKinds } from './messages.ts';


export interface Received<B> {
  body: B;
  payload?: Uint8Array;
  /** The payload read as `count` float64 values (sent as a Float64Array); throws naming the message when it is not. */
  numbers(count: number): Float64Array;
}

/** The model's conversation with the job's other parties. */
export interface Peers<T extends MessageTable> {
  /** A Float64Array payload travels as little-endian float64 values. */
  send<K extends keyof T & string>(peer: string, kind: K, body: Static<T[K]>, payload?: Uint8Array | Float64Array): void;
  /** The next message of `kind` from `peer` that `match` accepts; others wait for their own take. */
  take<K extends keyof T & string>(peer: string, kind: K, match?: (body: Static<T[K]>) => boolean): Promise<Received<Static<T[K]>>>;
}

/** How a vector of `rows` values is cut into ciphertexts for one step (every party derives the same). */
export interface VectorLayout {
  readonly rows: number;
  /** Ciphertexts per vector. */
  readonly chunks: number;
}

/** A vector encrypted under the arbiter's key; dispose() frees it. */
export interface EncryptedVector {
  readonly layout: VectorLayout;
  dispose(): void;
}

/** A party's columns packed for inner products with encrypted vectors of one layout. */
export interface PackedColumns {
  readonly layout: VectorLayout;
  readonly cols: number;
  dispose(): void;
}

/** The layout of a gradient vector for histograms: `chunkRows` rows per ciphertext. */
export interface HistogramVectorLayout extends VectorLayout {
  readonly chunkRows: number;
}

/** A party's bin codes packed for histograms with encrypted vectors of one layout; dispose() frees them. */
export interface PackedBins {
  readonly layout: VectorLayout;
  dispose(): void;
}

/**
 * A host's encrypted histogram, masked before it leaves (uniform at every coefficient): the
 * ciphertexts for the arbiter, through the guest, and the masks at the bins' positions, for the
 * guest. The host never sees the decrypted values.
 */
export interface MaskedHistogram {
  ciphertexts: Uint8Array[];
  masks: Float64Array;
}

/** A party's binned columns (models/vertical/gbdt/binning.ts), row-major codes. */
export interface BinCodes {
  codes: Uint8Array;
  cols: number;
  binCounts: ArrayLike<number>;
}

/** Homomorphic operations on vectors under the arbiter's public key; `Step` names a decryption's step. */
export interface EncryptedOps<Step> {
  /** The largest |value| an encrypted vector may hold. */
  readonly maxAbs: number;
  /**
   * Each party's share of maxAbs when `parties` vectors (one per party, each |v| ≤ share, plus ½)
   * are summed while encrypted: nobody can check the sum, so each checks its own part.
   */
  share(parties: number): number;
  /** The layout of a step of `rows` rows whose parties contribute `counts` columns (guest first). */
  layout(rows: number, counts: readonly number[]): VectorLayout;
  /** Resolves once every chunk is encrypted; long vectors let other work run between chunks. */
  encrypt(values: Float64Array, layout: VectorLayout): Promise<EncryptedVector>;
  /** into += other, in place. */
  add(into: EncryptedVector, other: EncryptedVector): void;
  /** into += values (plaintext), in place; `into` is complete only once this resolves. */
  addPlain(into: EncryptedVector, values: Float64Array): Promise<void>;
  /** Packs x's columns for inner products with a vector summed from `parties` encryptions. */
  pack(x: Matrix, layout: VectorLayout, parties: number): PackedColumns;
  /**
   * xᵀ·v for every packed column: multiplied under encryption, masked before it leaves, decrypted
   * by the arbiter (which admits the request against `step`), unmasked here.
   */
  innerProducts(v: EncryptedVector, x: PackedColumns, step: Step): Promise<Float64Array>;
  toBytes(v: EncryptedVector): Uint8Array[];
  /**
   * The layout of a gradient vector of `rows` rows for histograms against hosts of at most `bins`
   * bins each (`cached`: the hosts keep their plaintexts across vectors of this layout).
   */
  histogramLayout(rows: number, bins: number, cached: boolean): HistogramVectorLayout;
  /** Gradients G and hessians H (integers on a tree's grid) packed one per coefficient and encrypted; shiftBits unpacks their sums. */
  encryptGradients(G: Float64Array, H: Float64Array, layout: VectorLayout): { vector: EncryptedVector; shiftBits: number };
  /** A host's codes for vectors of `layout`: row i of a vector is the host's row order[i] (default i); `cache` keeps plaintexts for reuse. */
  packBins(bins: BinCodes, layout: VectorLayout, options: { order?: Uint32Array; cache?: boolean }): PackedBins;
  /** Host: the encrypted per-bin sums of `v` over its bins, masked (the products may run on worker threads). */
  histogram(v: EncryptedVector, bins: PackedBins): Promise<MaskedHistogram>;
  /**
   * Guest: the hosts' masked histograms of one vector decrypted by the arbiter (which admits the
   * request against `step`) and unmasked: exact (ΣG, ΣH) per bin of each host.
   */
  openHistograms(hosts: ReadonlyArray<{ masked: MaskedHistogram; binCounts: ArrayLike<number> }>, layout: VectorLayout, shiftBits: number, step: Step): Promise<Array<{ g: Float64Array; h: Float64Array }>>;
  /** Loads ciphertexts a peer sent; FedmarkError naming `what` when they are not what the layout needs. */
  fromBytes(blobs: readonly Uint8Array[], layout: VectorLayout, what: string): EncryptedVector;
}

export interface VerticalRuntime<T extends MessageTable, Step> {
  job: string;
  self: string;
  guest: string;
  /** Host ids in the job's order; every party uses this order. */
  hosts: readonly string[];
  peers: Peers<T>;
  he: EncryptedOps<Step>;
  /** Sends `v` to each of `to` as messages of `kind` (an EncryptedPart message of the model) for step (epoch, batch). */
  sendVector(to: readonly string[], kind: PartKinds<T>, step: { epoch: number; batch: number }, v: EncryptedVector): void;
  /** Every part of one step's vector of `kind` from `peer`, loaded for `layout`. */
  takeVector(peer: string, kind: PartKinds<T>, step: { epoch: number; batch: number }, layout: VectorLayout): Promise<EncryptedVector>;
  /** Stores the training state after `epochs` completed epochs (kept at this party only). */
  checkpoint?: (epochs: number, state: unknown) => Promise<void>;
  /** The guest's progress after each epoch, for the coordinator. */
  progress: (p: { epoch: number; epochs: number; evalLoss: number; evalAuc?: number; seconds: number }) => void;
  /** Aborted when the job is paused or cancelled: the loops stop at their next step. */
  signal?: AbortSignal;
  log: { info(fields: object, message: string): void };
}
