// The job file's `explain:` section of a vertical job: information value per feature at each party
// (federated for the hosts' features: federatedIv.ts), on quantile bins of `bins` bins in which no
// cell, the training rows whose labels one released sum adds up, holds fewer than `minCell` rows.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export const ExplainSchema = Type.Object(
  {
    iv: Type.Boolean({ default: false, description: 'weight of evidence and information value of every feature, each party its own' }),
    bins: Type.Integer({ minimum: 2, maximum: 50, default: 10, description: 'quantile bins per feature' }),
    minCell: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 50, description: 'fewest training rows a bin may hold: the guest\'s labels are released to a host only as sums over at least this many customers' }),
  },
  { additionalProperties: false },
);
export type Explain = Static<typeof ExplainSchema>;

export const EXPLAIN_SETTINGS = { explain: Type.Optional(ExplainSchema) };

/** The job's explain settings with defaults filled in; undefined when IV is not asked for. */
export function explainOf(sections: Readonly<Record<string, unknown>>): Explain | undefined {
  if (sections.explain === undefined) return undefined;
  const e = Value.Default(ExplainSchema, structuredClone(sections.explain)) as Explain;
  return e.iv ? e : undefined;
}
