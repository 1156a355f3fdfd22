// A party's part of a naive Bayes scorecard read back for scoring: its bins (the mapping) and WOE
// per bin, and at the guest the prior log-odds. Its contribution for rows of its raw columns is
// (prior) − Σ_j WOE_j(bin of x_j); the coordinator adds the parties' contributions (combine).
// Reason codes come with it: as a linear model on the bin indicators (weights −WOE), each
// column's term is its WOE's distance from the evaluation rows' average (explain/reasons.ts).
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { FedmarkError } from '../../../errors/table.ts';
import { baselineOf, checkLinearReasons, featureTerms } from '../../explain/reasons.ts';
import type { Matrix } from '../../matrix.ts';
import type { ScoringShard } from '../model.ts';
import { indicatorsOf, type NaiveBayesBinning } from './bins.ts';
import { contributionOf, indicatorWeights } from './evidence.ts';

const Index = Type.Integer({ minimum: 0, maximum: 1_000_000 });

const BinningSchema = Type.Object({
  inputNames: Type.Array(Type.String()),
  columns: Type.Array(Type.Object({ name: Type.String(), inputs: Type.Array(Index, { minItems: 1 }), categorical: Type.Boolean() })),
  features: Type.Array(Type.Object({
    name: Type.String(),
    categories: Type.Optional(Type.Array(Type.String())),
    edges: Type.Array(Type.Number()),
    rows: Type.Array(Index, { minItems: 1 }),
    counted: Type.Array(Type.Boolean()),
  })),
});

const ShardSchema = Type.Object({
  mapping: BinningSchema,
  woe: Type.Array(Type.Array(Type.Number())),
  /** The guest's prior log-odds; hosts have none. */
  intercept: Type.Optional(Type.Number()),
  /** Means of the bin indicators on the evaluation rows (the model file's header), for reason codes. */
  means: Type.Optional(Type.Array(Type.Number())),
});

export function naiveBayesScorer(shard: unknown, param: string): ScoringShard {
  if (!Value.Check(ShardSchema, shard)) {
    const first = Value.Errors(ShardSchema, shard).First();
    throw new FedmarkError('FM_ERR_MODEL_INPUT', { param: `${param}${first?.path.replaceAll('/', '.') ?? ''}`, expected: 'a naive Bayes shard (mapping with bins, woe per bin)', got: first?.message ?? 'another shape' });
  }
  const binning = checkBinning(shard, param);
  const weights = indicatorWeights(binning, shard.woe);
  const intercept = shard.intercept ?? 0;
  const contribution = (x: Matrix) => contributionOf(indicatorsOf(binning, x), weights, intercept);
  if (shard.means === undefined) return { width: 1, contribution };
  const linear = checkLinearReasons({ groups: binning.features.map((f) => f.rows.length), weights, means: Float64Array.from(shard.means), intercept });
  return {
    width: 1,
    contribution,
    reasons: { features: binning.features.map((f) => f.name), baseline: baselineOf(linear), terms: (x: Matrix) => featureTerms(linear, indicatorsOf(binning, x)) },
  };
}

/** The bins' shape holds together: one feature per column, bins and WOE per feature matching, inputs within the raw columns. */
function checkBinning(shard: Static<typeof ShardSchema>, param: string): NaiveBayesBinning {
  const { mapping, woe } = shard;
  const bad = (field: string, expected: string, got: string) => new FedmarkError('FM_ERR_MODEL_INPUT', { param: `${param}.${field}`, expected, got });
  if (mapping.features.length !== mapping.columns.length) throw bad('mapping.features', `${mapping.columns.length} features, one per column`, String(mapping.features.length));
  if (woe.length !== mapping.features.length) throw bad('woe', `${mapping.features.length} features' WOE`, String(woe.length));
  mapping.features.forEach((f, j) => {
    const column = mapping.columns[j] as (typeof mapping.columns)[number];
    const where = `mapping.features[${j}]`;
    if (column.inputs.some((i) => i >= mapping.inputNames.length)) throw bad(`mapping.columns[${j}].inputs`, `indices below ${mapping.inputNames.length}`, 'a larger one');
    const bins = column.categorical ? (f.categories?.length ?? -1) + 1 : f.edges.length + 2;
    if (column.categorical !== (f.categories !== undefined) || (column.categorical ? column.inputs.length !== f.categories?.length : column.inputs.length !== 1)) {
      throw bad(where, `a ${column.categorical ? 'categorical' : 'numeric'} feature as its column`, 'another');
    }
    if (f.rows.length !== bins || f.counted.length !== bins || woe[j]?.length !== bins) throw bad(where, `${bins} bins, counts and WOE values`, `${f.rows.length}, ${f.counted.length}, ${woe[j]?.length}`);
    if (f.edges.some((e, k) => !Number.isFinite(e) || (k > 0 && e <= (f.edges[k - 1] as number)))) throw bad(`${where}.edges`, 'finite ascending edges', 'others');
    if (woe[j]?.some((v) => !Number.isFinite(v))) throw bad(`woe[${j}]`, 'finite values', 'a non-finite one');
  });
  return mapping;
}
