// Scoring messages on the coordinator <-> party link (design note protocols.md, "Federated
// inference"): online scoring by ID (the guest or a horizontal member), by handle (a vertical
// host), batch scoring of a model's whole intersection, and the guest's batch file.
//   coordinator -> party: score.request, score.handles, score.all, score.save
//   party -> coordinator: score.reply, score.saved
import { Type } from '@sinclair/typebox';

const Int = Type.Integer({ minimum: 0, maximum: 2 ** 31 });

/**
 * Coordinator -> party: the partial scores of `count` IDs under the party's shard of `model` (trained
 * by `modelJob`). Payload: the IDs, UTF-8, separated by newlines (an ID holds no line break).
 */
export const ScoreRequest = Type.Object(
  {
    model: Type.String({ minLength: 1, maxLength: 256 }),
    modelJob: Type.String({ minLength: 1, maxLength: 128 }),
    count: Type.Integer({ minimum: 1, maximum: 10_000 }),
  },
  { additionalProperties: false },
);

/** Coordinator -> party: partial scores of every customer of the model's training intersection, in its canonical order. */
export const ScoreAll = Type.Object(
  { model: Type.String({ minLength: 1, maxLength: 256 }), modelJob: Type.String({ minLength: 1, maxLength: 128 }) },
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
 * Party -> coordinator. Payload: float64 partial scores, one per ID (or handle, or intersection
 * row), NaN where unscorable. `unscorable`: the positions this party cannot score, whatever the
 * reason (the reason stays in the party's own log). The guest answering IDs adds `hosts` and, after
 * the scores, for each host in that order, the 16-byte handles of the scorable IDs in order.
 */
export const ScoreReply = Type.Object(
  {
    unscorable: Type.Array(Int, { maxItems: 1_000_000 }),
    hosts: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 64 })),
  },
  { additionalProperties: false },
);

/** Bytes of one scoring handle (a keyed hash naming a shared customer: party-node/scoring/handles.ts). */
export const HANDLE_BYTES = 16;

/**
 * Coordinator -> host: the partial scores of `count` shared customers, named by the handles the
 * guest and this host derived at PSI end (party-node/scoring/handles.ts). Payload: HANDLE_BYTES each.
 */
export const ScoreHandles = Type.Object(
  {
    model: Type.String({ minLength: 1, maxLength: 256 }),
    modelJob: Type.String({ minLength: 1, maxLength: 128 }),
    count: Type.Integer({ minimum: 1, maximum: 10_000 }),
  },
  { additionalProperties: false },
);
