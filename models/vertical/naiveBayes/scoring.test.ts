import { describe, expect, it } from 'vitest';
import { refusal } from '../refusal.fixture.ts';
import { matrix } from '../../matrix.ts';
import { columnMeans } from '../../explain/reasons.ts';
import { naiveBayes } from './index.ts';
import { scoreNaiveBayesReference, trainNaiveBayesReference } from './reference.ts';
import { indicatorsOf } from './bins.ts';

// Two parties of a made-up table: the guest's age and segment (one-hot), the host's balance with
// missing values; 400 rows whose label depends on all three.
const rows = 400;
const age = Float64Array.from({ length: rows }, (_, i) => 20 + ((i * 37) % 50));
const segment = Array.from({ length: rows }, (_, i) => (i * 7) % 3);
const balance = Float64Array.from({ length: rows }, (_, i) => (i % 11 === 0 ? NaN : (i * 53) % 1000));
const y = Uint8Array.from({ length: rows }, (_, i) => (((age[i] as number) > 45 ? 1 : 0) + (segment[i] === 2 ? 1 : 0) + ((balance[i] as number) < 300 ? 1 : 0) + (i % 5 === 0 ? 1 : 0) >= 2 ? 1 : 0));
const guestNames = ['age', 'segment=a', 'segment=b', 'segment=c'];
const guestCategorical = { segment: ['a', 'b', 'c'] };
const guestX = matrix(Float64Array.from({ length: rows * 4 }, (_, k) => {
  const i = Math.floor(k / 4);
  const j = k % 4;
  return j === 0 ? (age[i] as number) : segment[i] === j - 1 ? 1 : 0;
}), rows, 4);
const hostX = matrix(balance, rows, 1);
const t = { bins: 10, smoothing: 0.5, minCell: 20, seed: 42 };
const ref = trainNaiveBayesReference([{ train: guestX, names: guestNames, categorical: guestCategorical }, { train: hostX, names: ['balance'] }], y, t);

/** A party's model file as the party node writes it: its shard, the mapping and the evaluation means in the header. */
function file(k: number, x: typeof guestX) {
  const part = ref.parts[k] as (typeof ref.parts)[number];
  return { kind: 'vertical', model: 'naiveBayes', role: k === 0 ? 'guest' : 'host', mapping: part.binning, woe: part.woe, ...(k === 0 ? { intercept: part.intercept } : {}), means: [...columnMeans(indicatorsOf(part.binning, x))] };
}

const scorerRefusal = (shard: unknown) => refusal('FM_ERR_MODEL_INPUT', () => void naiveBayes.scorer(shard, 'model file'));

describe('scoring a naive Bayes scorecard from its shards', () => {
  it('adds up to the reference\'s logits, combined at the coordinator', () => {
    const guest = naiveBayes.scorer(file(0, guestX), 'guest file');
    const host = naiveBayes.scorer(file(1, hostX), 'host file');
    const logits = naiveBayes.combine([guest.contribution(guestX), host.contribution(hostX)], rows);
    const expected = scoreNaiveBayesReference(ref, [guestX, hostX]);
    for (let i = 0; i < rows; i++) expect(Math.abs((logits[i] as number) - (expected[i] as number))).toBeLessThan(1e-12);
    // The model learns something on its own training rows, and the host's column adds to it.
    expect(new Set(Array.from(host.contribution(hostX))).size).toBeGreaterThan(2);
  });

  it('gives reason codes per column whose terms add up to the contribution, the guest\'s prior in the baseline', () => {
    const guest = naiveBayes.scorer(file(0, guestX), 'guest file');
    const reasons = guest.reasons;
    expect(reasons?.features).toEqual(['age', 'segment']);
    const terms = reasons?.terms(guestX) as Float64Array;
    const u = guest.contribution(guestX);
    for (let i = 0; i < rows; i++) expect((reasons?.baseline as number) + (terms[2 * i] as number) + (terms[2 * i + 1] as number)).toBeCloseTo(u[i] as number, 12);
    // Without the header's means (an older file), the scorer still scores, without reasons.
    const { means: _, ...bare } = file(0, guestX);
    expect(naiveBayes.scorer(bare, 'guest file').reasons).toBeUndefined();
  });

  it('refuses shards whose parts do not hold together, naming the field', () => {
    const good = file(0, guestX);
    expect(scorerRefusal(good)).toBe('accepted');
    expect(scorerRefusal({ ...good, woe: good.woe.slice(1) })).toMatch(/^model file\.woe must be 2 features' WOE/);
    expect(scorerRefusal({ ...good, woe: [good.woe[0]?.slice(1), good.woe[1]] })).toMatch(/^model file\.mapping\.features\[0\] must be/);
    expect(scorerRefusal({ ...good, mapping: { ...good.mapping, inputNames: ['age'] } })).toMatch(/^model file\.mapping\.columns\[1\]\.inputs must be indices below 1/);
    const features = good.mapping.features.map((f, j) => (j === 0 ? { ...f, edges: [...f.edges].reverse() } : f));
    expect(scorerRefusal({ ...good, mapping: { ...good.mapping, features } })).toMatch(/^model file\.mapping\.features\[0\]\.edges must be finite ascending/);
    expect(scorerRefusal({ ...good, woe: 'none' })).toMatch(/^model file\.woe must be a naive Bayes shard/);
    // Scoring rows of another width is refused too.
    expect(() => naiveBayes.scorer(good, 'guest file').contribution(hostX)).toThrow(/x must be 4 raw columns/);
  });
});
