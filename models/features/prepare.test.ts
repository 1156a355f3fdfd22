import { describe, expect, it } from 'vitest';
import { expectInput } from '../expectInput.fixture.ts';
import { matrix } from '../matrix.ts';
import { applyMapping, checkFeatureMapping, prepareFeatures } from './prepare.ts';

// Train: a = [1, 3, 5], b = [0, 0, 1]. Evaluation: a = [3, 7], b = [NaN, 1].
const train = matrix(Float64Array.from([1, 0, 3, 0, 5, 1]), 3, 2);
const evaluation = matrix(Float64Array.from([3, NaN, 7, 1]), 2, 2);

describe('prepareFeatures', () => {
  it('standardises with training statistics only', () => {
    const p = prepareFeatures(train, evaluation, { names: ['a', 'b'] });
    // a: mean 3, std sqrt(8/3); b: mean 1/3, std sqrt(2/9).
    const sa = Math.sqrt(8 / 3);
    const sb = Math.sqrt(2 / 9);
    expect(p.mapping).toEqual({
      version: 1,
      method: 'standardize',
      inputNames: ['a', 'b'],
      outputNames: ['a', 'b'],
      standardizer: { mean: [3, 1 / 3], std: [sa, sb] },
    });
    const ev = p.evaluation?.data ?? new Float64Array(0);
    expect(ev[0]).toBe(0); // a = 3 is the mean
    expect(ev[1]).toBe(0); // NaN → mean → 0
    expect(ev[2]).toBeCloseTo(4 / sa, 14);
    expect(ev[3]).toBeCloseTo((2 / 3) / sb, 14);
  });

  it('standardises in place on request, to the same values, without a second copy of the rows', () => {
    const copied = prepareFeatures(train, evaluation, { names: ['a', 'b'] });
    const ownTrain = matrix(train.data.slice(), 3, 2);
    const ownEval = matrix(evaluation.data.slice(), 2, 2);
    const inPlace = prepareFeatures(ownTrain, ownEval, { names: ['a', 'b'], inPlace: true });
    expect(inPlace.train.data).toBe(ownTrain.data);
    expect(inPlace.evaluation?.data).toBe(ownEval.data);
    expect(Array.from(ownTrain.data)).toEqual(Array.from(copied.train.data));
    expect(Array.from(ownEval.data)).toEqual(Array.from(copied.evaluation?.data ?? []));
    expect(inPlace.mapping).toEqual(copied.mapping);
    // Without the option the inputs stay as they were.
    expect(Array.from(train.data)).toEqual([1, 0, 3, 0, 5, 1]);
  });

  it('bins and one-hot encodes, naming the outputs', () => {
    const p = prepareFeatures(train, evaluation, { binning: { method: 'quantile', bins: 2 } });
    // a: n = 3, bins = 2 → v[ceil(1.5) − 1] = v[1] = 3; b: v[1] = 0.
    expect(p.mapping.outputNames).toEqual(['x0#bin0', 'x0#bin1', 'x1#bin0', 'x1#bin1']);
    expect([...p.train.data]).toEqual([1, 0, 1, 0, /**/ 1, 0, 1, 0, /**/ 0, 1, 0, 1]);
    // Evaluation b = NaN had no NaN in training: no bin set.
    expect([...(p.evaluation?.data ?? [])]).toEqual([1, 0, 0, 0, /**/ 0, 1, 0, 1]);
    expect(p.evaluation?.cols).toBe(4);
  });

  it('gives a mapping that survives JSON and re-applies to the same result', () => {
    for (const options of [{}, { binning: { method: 'quantile' as const, bins: 3 } }]) {
      const p = prepareFeatures(train, evaluation, options);
      const stored = checkFeatureMapping('stored', JSON.parse(JSON.stringify(p.mapping)));
      expect(applyMapping(stored, evaluation)).toEqual(p.evaluation);
      expect(applyMapping(stored, train)).toEqual(p.train);
    }
  });

  it('has no evaluation output without an evaluation matrix', () => {
    expect('evaluation' in prepareFeatures(train)).toBe(false);
  });

  it('names the bad parameter', () => {
    expectInput(() => prepareFeatures(train, matrix(new Float64Array(3), 1, 3)), 'evaluation.cols');
    expectInput(() => prepareFeatures(train, undefined, { names: ['a'] }), 'options.names');
    expectInput(() => prepareFeatures(train, undefined, { names: ['a', 'a'] }), 'options.names');
    expectInput(() => prepareFeatures(train, undefined, { binning: { method: 'width' as 'quantile', bins: 3 } }), 'options.binning');
    expectInput(() => prepareFeatures(train, undefined, { bins: 3 } as object), 'options');
    expectInput(() => applyMapping({ version: 2 } as never, train), 'mapping');
    expectInput(() => applyMapping(prepareFeatures(train).mapping, matrix(new Float64Array(3), 1, 3)), 'x.cols');
  });
});
