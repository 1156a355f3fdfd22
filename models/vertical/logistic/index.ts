// Vertical logistic regression (design note protocols.md, "Vertical logistic regression"; Hardy et
// al. 2017) as a vertical model: standardised or binned features prepared at each party, the
// guest's and hosts' encrypted gradient steps (guest.ts, host.ts), the arbiter's rules for them
// (arbiter.ts), and scoring by partial scores: each party's u_p = mapping(x)·w_p (+ the intercept
// at the guest), which add up to the model's logit.
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { FedmarkError } from '../../../errors/table.ts';
import { applyMapping, checkFeatureMapping, prepareFeatures } from '../../features/prepare.ts';
import { predictLinear, trainLogistic } from '../../linear/logistic.ts';
import { checkMatrix, matrix, type Matrix } from '../../matrix.ts';
import type { ScoringShard, VerticalModel } from '../model.ts';
import { binCounts } from '../../features/binning.ts';
import { baselineOf, checkLinearReasons, featureTerms } from '../../explain/reasons.ts';
import { logisticRules } from './arbiter.ts';
import { checkLogisticTable } from './check.ts';
import { runGuest, type GuestState } from './guest.ts';
import { runHost, type HostState } from './host.ts';
import { LOGISTIC_MESSAGES, LogisticStep } from './messages.ts';
import { IvStep } from '../../explain/messages.ts';
import { LOGISTIC_SETTINGS, trainingOf } from './settings.ts';

/** A party's shard: its weights, and at the guest the intercept (the mapping is kept beside them). */
const ShardSchema = Type.Object({
  mapping: Type.Unknown(), weights: Type.Array(Type.Number()), intercept: Type.Optional(Type.Number()),
  /** Means of the prepared columns on the evaluation rows, for reason codes (files of older jobs have none). */
  means: Type.Optional(Type.Array(Type.Number())),
});

export const logistic = {
  name: 'logistic',
  settings: LOGISTIC_SETTINGS,
  rowPrecision: (sections) => (trainingOf(sections).binning ? 'float64' : 'float32'),
  messages: LOGISTIC_MESSAGES,
  arbiter: { step: Type.Union([LogisticStep, IvStep]), rules: logisticRules },
  check: (table) => checkLogisticTable(table),

  features(rows, sections) {
    const { binning } = trainingOf(sections);
    const prepared = prepareFeatures(rows.train, rows.evaluation, { names: [...rows.names], inPlace: true, ...(binning ? { binning } : {}) });
    return {
      rows: {
        train: prepared.train,
        evaluation: prepared.evaluation ?? matrix(new Float64Array(0), 0, prepared.train.cols),
        ...(rows.population ? { population: applyMapping(prepared.mapping, rows.population) } : {}),
        names: prepared.mapping.outputNames,
      },
      mapping: prepared.mapping,
    };
  },

  guest: (rt, rows, labels, sections, resume) => runGuest(rt, rows, labels, trainingOf(sections), checkedState<GuestState>(resume)),
  host: (rt, rows, sections, resume) => runHost(rt, rows, trainingOf(sections), checkedState<HostState>(resume)),

  alone(rows, labels, sections) {
    const t = trainingOf(sections);
    const alone = trainLogistic(rows.train, labels.train, { epochs: t.epochs, batchSize: t.batchSize, learningRate: t.learningRate, l2: t.l2, seed: t.seed, gradient: 'exact' });
    return {
      evaluation: predictLinear(rows.evaluation, alone.weights, alone.intercept),
      ...(rows.population ? { population: predictLinear(rows.population, alone.weights, alone.intercept) } : {}),
    };
  },

  scorer(shard, param): ScoringShard {
    if (!Value.Check(ShardSchema, shard)) throw new FedmarkError('FM_ERR_MODEL_INPUT', { param, expected: 'a logistic regression shard (mapping, weights)', got: 'another shape' });
    const mapping = checkFeatureMapping(`${param}.mapping`, shard.mapping);
    if (shard.weights.length !== mapping.outputNames.length) throw new FedmarkError('FM_ERR_MODEL_INPUT', { param, expected: `${mapping.outputNames.length} weights`, got: String(shard.weights.length) });
    const weights = Float64Array.from(shard.weights);
    const intercept = shard.intercept ?? 0;
    const prepare = (x: Matrix) => applyMapping(mapping, checkMatrix('rows', x, mapping.inputNames.length));
    const contribution = (x: Matrix) => predictLinear(prepare(x), weights, intercept);
    if (shard.means === undefined) return { width: 1, contribution };
    const groups = mapping.method === 'quantile' ? binCounts(mapping.bins) : mapping.inputNames.map(() => 1);
    const linear = checkLinearReasons({ groups, weights, means: Float64Array.from(shard.means), intercept });
    return {
      width: 1,
      contribution,
      reasons: { features: mapping.inputNames, baseline: baselineOf(linear), terms: (x: Matrix) => featureTerms(linear, prepare(x)) },
    };
  },

  combineAt: 'coordinator',

  combine(parts, rows) {
    const out = new Float64Array(rows);
    for (const part of parts) for (let i = 0; i < rows; i++) out[i] = (out[i] as number) + (part[i] as number);
    return out;
  },
} satisfies VerticalModel<'logistic', typeof LOGISTIC_SETTINGS, typeof LOGISTIC_MESSAGES>;

/** A checkpoint's state has the fields both loops share; the loops check the weight counts. */
function checkedState<S extends { epochs: number; stopped: boolean; w: Float64Array }>(state: unknown): S | undefined {
  if (state === undefined) return undefined;
  const s = state as Partial<S>;
  if (typeof s.epochs !== 'number' || typeof s.stopped !== 'boolean' || !(s.w instanceof Float64Array)) {
    throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'job.start', state: 'a checkpoint without epochs, stop flag or weights' });
  }
  return state as S;
}
