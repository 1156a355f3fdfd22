// What `fedmark party model show` tells a party about its own part of a vertical model, from its
// model file alone: LR coefficients by feature (standardised features) or scorecard points per bin
// (binned), the intercept at the guest, the information value of each of its features when the
// job asked for it, and of the other parties only how many took part. The file holds nothing of
// the other parties beside that count, so nothing else of theirs can be shown.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { FedmarkError } from '../../errors/table.ts';
import { firstError } from '../../protocol/envelope.ts';
import { checkFeatureMapping } from '../../models/features/prepare.ts';
import { binCounts } from '../../models/features/binning.ts';
import { ivStrength } from '../../models/explain/woe.ts';

/** Points per doubling of the odds of the event (Siddiqi's PDO), the usual scale of a scorecard. */
export const POINTS_TO_DOUBLE_ODDS = 20;
const POINTS_PER_LOGIT = POINTS_TO_DOUBLE_ODDS / Math.log(2);

const IvBin = Type.Object({ bin: Type.String(), rows: Type.Number(), positives: Type.Number(), negatives: Type.Number(), woe: Type.Number() });
const ShownFile = Type.Object({
  job: Type.String(),
  model: Type.String(),
  role: Type.Union([Type.Literal('guest'), Type.Literal('host')]),
  mapping: Type.Unknown(),
  weights: Type.Array(Type.Number()),
  intercept: Type.Optional(Type.Number()),
  iv: Type.Optional(Type.Array(Type.Object({ feature: Type.String(), iv: Type.Number(), bins: Type.Array(IvBin) }))),
  partners: Type.Optional(Type.Integer({ minimum: 0 })),
  trainedAt: Type.Optional(Type.String()),
});

export interface ShownBin {
  bin: string;
  weight: number;
  points: number;
}

export interface ShownFeature {
  feature: string;
  /** Standardised features: the coefficient per standard deviation. */
  weight?: number;
  /** Binned features: weight and scorecard points per bin. */
  bins?: ShownBin[];
  iv?: number;
  strength?: ReturnType<typeof ivStrength>;
  /** The bins information value was computed on, with their label counts and WOE (this party's own). */
  ivBins?: Static<typeof IvBin>[];
}

export interface ShownModel {
  name: string;
  job: string;
  model: string;
  role: 'guest' | 'host';
  trainedAt?: string;
  features: ShownFeature[];
  intercept?: { weight: number; points: number };
  /** How many other parties hold the rest of the model (nothing else of theirs is here). */
  otherParties?: number;
}

export function describeModel(name: string, file: unknown, param: string): ShownModel {
  if (!Value.Check(ShownFile, file)) throw new FedmarkError('FM_ERR_MODEL_INPUT', { param, expected: 'a vertical logistic model file', got: firstError(ShownFile, file) });
  if (file.model !== 'logistic') throw new FedmarkError('FM_ERR_MODEL_INPUT', { param, expected: 'a logistic model (party model show describes linear parts)', got: `a ${file.model} model` });
  const mapping = checkFeatureMapping(`${param}.mapping`, file.mapping);
  if (file.weights.length !== mapping.outputNames.length) throw new FedmarkError('FM_ERR_MODEL_INPUT', { param, expected: `${mapping.outputNames.length} weights`, got: String(file.weights.length) });
  const ivOf = new Map((file.iv ?? []).map((f) => [f.feature, f]));
  let at = 0;
  const features = mapping.inputNames.map((feature, j): ShownFeature => {
    const iv = ivOf.get(feature);
    const own: ShownFeature = { feature };
    if (mapping.method === 'quantile') {
      const count = binCounts(mapping.bins)[j] as number;
      own.bins = Array.from({ length: count }, (_, k) => {
        const weight = file.weights[at + k] as number;
        return { bin: binLabel(mapping.bins.edges[j] as number[], k), weight, points: weight * POINTS_PER_LOGIT };
      });
      at += count;
    } else {
      own.weight = file.weights[at++] as number;
    }
    if (iv) Object.assign(own, { iv: iv.iv, strength: ivStrength(iv.iv), ivBins: iv.bins });
    return own;
  });
  return {
    name, job: file.job, model: file.model, role: file.role, features,
    ...(file.trainedAt ? { trainedAt: file.trainedAt } : {}),
    ...(file.intercept !== undefined ? { intercept: { weight: file.intercept, points: file.intercept * POINTS_PER_LOGIT } } : {}),
    ...(file.partners !== undefined ? { otherParties: file.partners } : {}),
  };
}

function binLabel(edges: readonly number[], k: number): string {
  if (k > edges.length) return 'missing';
  return `(${k === 0 ? '-inf' : edges[k - 1]}, ${k === edges.length ? 'inf)' : `${edges[k]}]`}`;
}

/** The text `fedmark party model show` prints. */
export function formatModel(m: ShownModel, party: string | undefined): string {
  const lines = [`model ${m.name}, job ${m.job}: ${party === undefined ? 'this party' : `party ${party}`} holds the ${m.role}'s part of a ${m.model} model${m.trainedAt ? `, trained ${m.trainedAt}` : ''}`];
  if (m.otherParties !== undefined) lines.push(`  ${m.otherParties} other ${m.otherParties === 1 ? 'party holds' : 'parties hold'} the rest; ${m.otherParties === 1 ? 'its' : 'their'} features, weights and information value stay at ${m.otherParties === 1 ? 'its' : 'their'} premises`);
  const withIv = m.features.some((f) => f.iv !== undefined);
  const width = Math.max(7, ...m.features.map((f) => f.feature.length));
  lines.push('', `features (${m.features.length}):`);
  lines.push(`  ${'feature'.padEnd(width)}  ${m.features.some((f) => f.bins) ? 'bins' : 'weight'.padStart(10)}${withIv ? '  information value' : ''}`);
  for (const f of m.features) {
    const main = f.bins ? String(f.bins.length).padStart(4) : num(f.weight as number).padStart(10);
    lines.push(`  ${f.feature.padEnd(width)}  ${main}${f.iv !== undefined ? `  ${f.iv.toFixed(4)} (${f.strength})` : ''}`);
  }
  if (m.intercept) lines.push(`  ${'(intercept)'.padEnd(width)}  ${num(m.intercept.weight).padStart(10)}`);
  if (m.features.some((f) => f.bins)) {
    lines.push('', `scorecard points per bin (weight × ${POINTS_TO_DOUBLE_ODDS}/ln 2: every ${POINTS_TO_DOUBLE_ODDS} points double the odds of the event):`);
    if (m.intercept) lines.push(`  base points (intercept): ${m.intercept.points.toFixed(1)}`);
    for (const f of m.features) {
      lines.push(`  ${f.feature}`);
      for (const b of f.bins ?? []) lines.push(`    ${b.bin.padEnd(28)} ${num(b.weight).padStart(10)}  ${b.points.toFixed(1).padStart(7)} points`);
    }
  }
  if (!withIv) lines.push('', 'no information value: the job did not ask for it (explain: { iv: true })');
  return lines.join('\n');
}

function num(v: number): string {
  return (v >= 0 ? ' ' : '') + v.toFixed(4);
}
