// The naive Bayes scorecard's messages between parties, inside the end-to-end channel (the
// coordinator relays them sealed): federated information value's three (iv.hello, iv.layout,
// iv.y: the hosts' label sums per bin, models/explain/federatedIv.ts), and after them each host's
// per-row contributions once, on the evaluation rows (nb.final) and, in a lookalike job, on every
// row of the intersection (nb.scores), both as float64 payloads. The one decryption names
// federated IV's step (IvStep).
import { Type } from '@sinclair/typebox';
import { EXPLAIN_MESSAGES } from '../../explain/messages.ts';

const Int = Type.Integer({ minimum: 0, maximum: 2 ** 31 });

export const NAIVE_BAYES_MESSAGES = {
  ...EXPLAIN_MESSAGES,
  /** Host -> guest once: its contribution −Σ_j WOE_j on each evaluation row (float64, `rows` values), for the final metrics. */
  'nb.final': Type.Object({ rows: Int }, { additionalProperties: false }),
  /** Host -> guest, lookalike jobs: its contributions on every row of the intersection, rows [from, from + count), in parts. */
  'nb.scores': Type.Object({ from: Int, count: Int, part: Int, parts: Type.Integer({ minimum: 1, maximum: 1 << 20 }) }, { additionalProperties: false }),
};
export type NaiveBayesMessages = typeof NAIVE_BAYES_MESSAGES;
