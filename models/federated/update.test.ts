import { describe, expect, it } from 'vitest';
import { matrix } from '../matrix.ts';
import { scalingFromSum, scalingLength, scalingUpload } from './scaling.ts';
import { packUpdate, unpackUpdate, updateLength } from './update.ts';

const add = (vectors: Float64Array[]) => vectors.reduce((s, v) => s.map((x, i) => x + (v[i] as number)));

describe('a round\'s contribution as one vector', () => {
  it('weights parameters and training loss by training rows, the evaluation loss by evaluation rows', () => {
    // Member a: 100 training rows, 50 evaluation rows; member b: 300 and 150 (S = 400, E = 200).
    const a = packUpdate(Float64Array.of(1, 2), { rows: 100, normaliser: 400, evaluation: { rows: 50, normaliser: 200 } }, { train: 0.6, evaluation: 0.5 });
    const b = packUpdate(Float64Array.of(3, 6), { rows: 300, normaliser: 400, evaluation: { rows: 150, normaliser: 200 } }, { train: 0.2, evaluation: 0.3 });
    expect([...a]).toEqual([0.25, 0.5, 0.15, 0.25, 0.125, 0.25]);
    expect(a).toHaveLength(updateLength(2, true));
    const { params, losses } = unpackUpdate(add([a, b]), 2, true);
    expect(params[0]).toBeCloseTo((100 * 1 + 300 * 3) / 400, 12);
    expect(params[1]).toBeCloseTo((100 * 2 + 300 * 6) / 400, 12);
    expect(losses?.train).toBeCloseTo((100 * 0.6 + 300 * 0.2) / 400, 12);
    expect(losses?.evaluation).toBeCloseTo((50 * 0.5 + 150 * 0.3) / 200, 12);
  });

  it('renormalises over the members that contributed, and carries parameters only with dp', () => {
    const w = { rows: 100, normaliser: 1000, evaluation: { rows: 10, normaliser: 1000 } };
    const alone = unpackUpdate(packUpdate(Float64Array.of(7), w, { train: 0.4, evaluation: 0.9 }), 1, true);
    expect(alone.params[0]).toBeCloseTo(7, 12);
    expect(alone.losses?.evaluation).toBeCloseTo(0.9, 12);
    const dp = packUpdate(Float64Array.of(1, 2), { rows: 1, normaliser: 2 });
    expect([...dp]).toEqual([0.5, 1, 0.5]);
    expect(unpackUpdate(dp, 2, false)).toEqual({ params: Float64Array.of(1, 2) });
    expect(() => packUpdate(Float64Array.of(1), { rows: 1, normaliser: 2 }, { train: 1, evaluation: 1 })).toThrow(/losses/);
    expect(() => unpackUpdate(new Float64Array(4), 2, true)).toThrow(/6 values/);
  });

  it('scaling: moments, then the training and evaluation row counts, summed', () => {
    const a = scalingUpload(matrix(Float64Array.of(1, 2, 3, 4), 2, 2), 5);
    const b = scalingUpload(matrix(Float64Array.of(5, 6), 1, 2), 7);
    expect(a).toHaveLength(scalingLength(2));
    const pooled = scalingFromSum(add([a, b]), 2);
    expect(pooled.rows).toBe(3);
    expect(pooled.evalRows).toBe(12);
    expect(pooled.standardizer.mean).toEqual([3, 4]);
    expect(pooled.standardizer.std[0]).toBeCloseTo(Math.sqrt(8 / 3), 12);
  });
});
