// Vertical gradient-boosted trees' messages between parties, inside the end-to-end channel (the
// coordinator relays them sealed). Row lists travel as uint32 payloads (indices into the aligned
// training, evaluation or population rows every party holds in the same order), split flags as
// one byte per row, masks as float64.
import { Type } from '@sinclair/typebox';
import { EncryptedPart } from '../messages.ts';

const Int = Type.Integer({ minimum: 0, maximum: 2 ** 31 });
const Flag = Type.Integer({ minimum: 0, maximum: 1 });
const Bins = Type.Array(Type.Integer({ minimum: 0, maximum: 254 }), { minItems: 1, maxItems: 100_000 });
const RowSet = Type.Union([Type.Literal('train'), Type.Literal('evaluation'), Type.Literal('population')]);

export const SplitRuleSchema = Type.Union([
  Type.Object({ kind: Type.Literal('threshold'), bin: Type.Integer({ minimum: -1, maximum: 254 }), defaultLeft: Type.Boolean() }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('categories'), left: Type.Array(Type.Integer({ minimum: 0, maximum: 254 }), { maxItems: 255 }), defaultLeft: Type.Boolean() }, { additionalProperties: false }),
]);

const Seq = { seq: Int, tree: Int };

/** What the guest asks a host, in order. Row payloads: uint32 row indices (rowLists.ts). */
export const GbdtAsk = Type.Union([
  /**
   * A histogram for node `node`, on a vector of `rows` rows laid out for hosts of at most `bins`
   * bins. Repacked (hidden false): the payload lists the node's training rows in the vector's
   * order. hidden: no payload; the vector holds every training row, zero outside the node.
   */
  Type.Object({ ...Seq, op: Type.Literal('histogram'), node: Int, rows: Type.Integer({ minimum: 1, maximum: 2 ** 31 }), bins: Type.Integer({ minimum: 1, maximum: 1 << 24 }), hidden: Type.Boolean() }, { additionalProperties: false }),
  /**
   * The host's column `feature` won node `node`: keep it as split `split` (the next id of its
   * records) and say which rows go left. Payload: the node's `rows` training rows, or none with
   * hidden rows (then the flags of every training row).
   */
  Type.Object({ ...Seq, op: Type.Literal('split'), node: Int, split: Int, feature: Int, rule: SplitRuleSchema, rows: Int, hidden: Type.Boolean() }, { additionalProperties: false }),
  /** Which rows of `set` go left at the host's split `split`: payload `rows` row indices, or none when `all` (every row of the set). */
  Type.Object({ ...Seq, op: Type.Literal('decide'), node: Int, split: Int, set: RowSet, rows: Int, all: Type.Boolean() }, { additionalProperties: false }),
  /** Tree `tree` is grown: go on, or (stop) keep only the first `splits` of the host's split records, those of the kept trees. */
  Type.Object({ ...Seq, op: Type.Literal('tree'), stop: Type.Boolean(), splits: Int }, { additionalProperties: false }),
  /** Training is over: nothing more will be asked. */
  Type.Object({ ...Seq, op: Type.Literal('end') }, { additionalProperties: false }),
]);

export const GBDT_MESSAGES = {
  /** Host -> guest: each column's bin count and whether it is categorical (what split finding needs; no names, no edges). */
  'gbdt.hello': Type.Object({ binCounts: Bins, categorical: Type.Array(Flag, { maxItems: 100_000 }) }, { additionalProperties: false }),
  /** Guest -> host: Enc(G·2^k + H) of the node's vector (epoch = tree, batch = node). */
  'gbdt.grad': EncryptedPart,
  /** Host -> guest: masked result `index` of `count` of its histogram (payload: the ciphertext). */
  'gbdt.hist': Type.Object({ tree: Int, node: Int, index: Int, count: Type.Integer({ minimum: 1, maximum: 65_536 }) }, { additionalProperties: false }),
  /** Host -> guest: the masks at the result positions, float64, in bin order. */
  'gbdt.masks': Type.Object({ tree: Int, node: Int }, { additionalProperties: false }),
  /** Guest -> host: the guest's requests, numbered from 0 (`seq`); the host serves them in that order. */
  'gbdt.ask': GbdtAsk,
  /** Host -> guest: the answer to a split or decide ask, one byte (0/1) per row asked. */
  'gbdt.flags': Type.Object({ tree: Int, node: Int, set: Type.Union([RowSet, Type.Literal('grow')]) }, { additionalProperties: false }),
};
export type GbdtMessages = typeof GBDT_MESSAGES;

/**
 * The step of a decryption: node `node` of tree `tree`, every host's histogram of a vector of
 * `rows` rows cut `chunkRows` per ciphertext, `bins[k]` bins at host k. The arbiter serves the
 * guest only the bins' positions of each host's results, once per node.
 */
export const GbdtStep = Type.Object(
  {
    tree: Int,
    node: Int,
    rows: Type.Integer({ minimum: 1, maximum: 2 ** 31 }),
    chunkRows: Type.Integer({ minimum: 1, maximum: 1 << 17 }),
    bins: Type.Array(Type.Integer({ minimum: 1, maximum: 1 << 24 }), { minItems: 1, maxItems: 63 }),
  },
  { additionalProperties: false },
);
