// Scoring messages on the coordinator <-> party link (design note protocols.md, "Federated
// inference"): online scoring by ID (the guest of a vertical model, or a horizontal member), by
// handle (a vertical host), batch scoring of a vertical model's whole intersection, and the guest's
// batch file. A party answers with its contribution per row (its partial score, for a linear
// model); the coordinator combines them with the model's own function (models/scoring/scores.ts).
// A model combined at the guest (trees: the guest walks them) adds one round: the guest issues a
// request nonce with its reply, each host seals its decisions for the guest under that nonce
// (protocol/peer/sealedFlags.ts), and score.combine carries the sealed blobs to the guest, which
// answers the logits.
//   coordinator -> party: score.request, score.handles, score.all, score.save, score.combine
//   party -> coordinator: score.reply, score.saved
import { Type } from '@sinclair/typebox';

const Int = Type.Integer({ minimum: 0, maximum: 2 ** 31 });

/** A request nonce the guest issued (REQUEST_NONCE_BYTES, hex): binds the hosts' sealed decisions to one scoring request. */
const Nonce = Type.String({ pattern: '^[0-9a-f]{32}$' });

/** The most feature terms a guest gives per ID as reason codes. */
export const MAX_REASONS = 10;

/** Float64 values per ID of the guest's reason codes: `top` (feature index, term) pairs, then the sum of its other terms. */
export const reasonValues = (top: number): number => 2 * top + 1;

/**
 * Coordinator -> party: the contributions of `count` IDs under the party's part of `model` (trained
 * by `modelJob`), a model of `kind`: the party scores with that kind's scorer and refuses a model
 * file of another. Payload: the IDs, UTF-8, separated by newlines (an ID holds no line break).
 */
export const ScoreRequest = Type.Object(
  {
    kind: Type.Union([Type.Literal('vertical'), Type.Literal('horizontal')]),
    model: Type.String({ minLength: 1, maxLength: 256 }),
    modelJob: Type.String({ minLength: 1, maxLength: 128 }),
    count: Type.Integer({ minimum: 1, maximum: 10_000 }),
    /** Vertical, at the guest: reason codes, its `reasons` largest feature terms per ID (reasonValues). */
    reasons: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_REASONS })),
  },
  { additionalProperties: false },
);

/** Coordinator -> party: contributions of every customer of a vertical model's training intersection, in its canonical order. */
export const ScoreAll = Type.Object(
  {
    model: Type.String({ minLength: 1, maxLength: 256 }),
    modelJob: Type.String({ minLength: 1, maxLength: 128 }),
    /** To a host of a model combined at the guest: seal the decisions for the guest under this nonce. */
    nonce: Type.Optional(Nonce),
  },
  { additionalProperties: false },
);

/** Coordinator -> guest: write these results at your premises. Payload: float64 pairs (score, decile), one per intersection row. */
export const ScoreSave = Type.Object(
  { model: Type.String({ minLength: 1, maxLength: 256 }), modelJob: Type.String({ minLength: 1, maxLength: 128 }), version: Int },
  { additionalProperties: false },
);

/** Guest -> coordinator: where the file is (a path at the guest) and how many rows it has. */
export const ScoreSaved = Type.Object({ path: Type.String({ maxLength: 4096 }), rows: Int }, { additionalProperties: false });

export function encodeIds(ids: readonly string[]): Buffer {
  return Buffer.from(ids.join('\n'), 'utf8');
}

export function decodeIds(payload: Uint8Array | undefined, count: number): string[] {
  const ids = Buffer.from(payload ?? new Uint8Array(0)).toString('utf8').split('\n');
  if (ids.length !== count) throw new Error(`score.request announces ${count} IDs and carries ${ids.length}`);
  return ids;
}

/**
 * Party -> coordinator. Payload: float64 contributions, `width` per ID (or handle, or intersection
 * row), NaN where unscorable. `unscorable`: the positions this party cannot score, whatever the
 * reason (the reason stays in the party's own log). The guest answering IDs adds `hosts` and, after
 * the contributions, for each host in that order, the 16-byte handles of the scorable IDs in order.
 */
export const ScoreReply = Type.Object(
  {
    /** 0 from the guest of a model combined at the guest (it gives logits in score.combine) and from a host sealing its decisions. */
    width: Type.Integer({ minimum: 0, maximum: 1 << 16 }),
    unscorable: Type.Array(Int, { maxItems: 1_000_000 }),
    hosts: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 64 })),
    /** The guest of a model combined at the guest: the nonce the hosts seal their decisions under, for score.combine. */
    nonce: Type.Optional(Nonce),
    /** A host of a model combined at the guest: the payload is its decisions sealed for the guest, not contributions. */
    sealed: Type.Optional(Type.Literal(true)),
    /** Asked for reasons: the party's contribution for the evaluation rows' average customer (models/explain/reasons.ts). */
    baseline: Type.Optional(Type.Number()),
    /**
     * The guest asked for reasons: its input feature names, and `top` terms per ID; the payload then
     * ends with reasonValues(top) float64 per ID asked (NaN for an unscorable one), after the handles.
     */
    reasons: Type.Optional(Type.Object({
      features: Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 4096 }),
      top: Type.Integer({ minimum: 1, maximum: MAX_REASONS }),
    }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

/** Bytes of one scoring handle (a keyed hash naming a shared customer: party-node/scoring/handles.ts). */
export const HANDLE_BYTES = 16;

/**
 * Coordinator -> host of a vertical model: the contributions of `count` shared customers, named by the handles the
 * guest and this host derived at PSI end (party-node/scoring/handles.ts). Payload: HANDLE_BYTES each.
 */
export const ScoreHandles = Type.Object(
  {
    model: Type.String({ minLength: 1, maxLength: 256 }),
    modelJob: Type.String({ minLength: 1, maxLength: 128 }),
    count: Type.Integer({ minimum: 1, maximum: 10_000 }),
    /** Reason codes asked: the host adds its baseline to its reply. */
    reasons: Type.Optional(Type.Literal(true)),
    /** A model combined at the guest: seal the decisions for the guest under this nonce. */
    nonce: Type.Optional(Nonce),
  },
  { additionalProperties: false },
);

/**
 * Coordinator -> guest of a model combined at the guest: the hosts' sealed decisions for the
 * request the guest issued `nonce` for. Payload: packBlobs (protocol/peer/blobs.ts) of one sealed
 * blob per host, in `hosts` order. The guest answers score.reply with one logit per row of that
 * request (its scorable IDs in order, or the whole intersection for a batch).
 */
export const ScoreCombine = Type.Object(
  {
    model: Type.String({ minLength: 1, maxLength: 256 }),
    modelJob: Type.String({ minLength: 1, maxLength: 128 }),
    nonce: Nonce,
    hosts: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 64 }),
  },
  { additionalProperties: false },
);
