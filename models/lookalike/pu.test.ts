import { describe, expect, it } from 'vitest';
import { matrix } from '../matrix.ts';
import { mulberry32 } from '../random.ts';
import { bags, chooseSpies, classPrior, estimatePrior, fitPu, PU_STRATEGIES, spyRows, unlabelledNegative } from './pu.ts';
import { recallAt } from './quality.ts';

/**
 * Synthetic PU data with a known answer: positives have feature 0 shifted by +1.5; a third of the
 * positives are labelled (seeds), the rest hide among the unlabelled with the negatives.
 */
function puData(n: number) {
  const next = mulberry32(5);
  const u = () => next() / 2 ** 32;
  const gauss = () => Math.sqrt(-2 * Math.log(u() + 1e-12)) * Math.cos(2 * Math.PI * u());
  const y = Uint8Array.from({ length: n }, () => (u() < 0.4 ? 1 : 0));
  const seed = Uint8Array.from(y, (v) => (v && u() < 1 / 3 ? 1 : 0));
  const x = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) {
    x[2 * i] = gauss() + 1.5 * (y[i] as number);
    x[2 * i + 1] = gauss();
  }
  return { x: matrix(x, n, 2), y, seed };
}

describe('PU strategies', () => {
  it('unlabelled-negative: seeds 1, the rest 0, weight 1', () => {
    const rows = unlabelledNegative(Uint8Array.from([1, 0, 0, 1]));
    expect([...rows.target]).toEqual([1, 0, 0, 1]);
    expect([...rows.weight]).toEqual([1, 1, 1, 1]);
  });

  it('class-prior: each seed twice (π/n_P, −π/n_P), the unlabelled 1/n_U; weights sum to 1', () => {
    const rows = classPrior(Uint8Array.from([1, 0, 0, 1, 0]), 0.3);
    expect([...rows.rows]).toEqual([0, 0, 1, 2, 3, 3, 4]);
    expect([...rows.target]).toEqual([1, 0, 0, 0, 1, 0, 0]);
    expect(rows.weight[0]).toBeCloseTo(0.15, 12);
    expect(rows.weight[1]).toBeCloseTo(-0.15, 12);
    expect(rows.weight[2]).toBeCloseTo(1 / 3, 12);
    expect(rows.weight.reduce((s, w) => s + w, 0)).toBeCloseTo(1, 12);
  });

  it('estimatePrior: Elkan–Noto, n_P/c positives in all', () => {
    // c = 0.5: 100 labelled stand for 200 positives, 100 of them among 400 unlabelled.
    expect(estimatePrior(Float64Array.from([0.4, 0.6]), 100, 400)).toBeCloseTo(0.25, 12);
  });

  it('bagging: every bag holds all seeds and as many unlabelled rows, never a seed as negative', () => {
    const seed = Uint8Array.from({ length: 50 }, (_, i) => (i % 5 === 0 ? 1 : 0));
    for (const bag of bags(seed, 3, 9)) {
      expect(bag.rows.length).toBe(20);
      bag.rows.forEach((r, k) => expect(seed[r]).toBe(bag.target[k]));
    }
  });

  it('spy: spies leave training; unlabelled rows below the spies\' quantile are the negatives', () => {
    const seed = Uint8Array.from([1, 1, 1, 1, 0, 0, 0, 0]);
    const spies = chooseSpies(seed, 0.5, 1);
    expect(spies.reduce((s, v) => s + v, 0)).toBe(2);
    const scores = Float64Array.from([5, 5, 5, 5, 1, 2, 9, 3]).map((s, i) => (spies[i] ? 2.5 : s));
    const rows = spyRows(seed, spies, scores, 0);
    expect([...rows.rows].filter((r) => !seed[r])).toEqual([4, 5]);
    expect([...rows.rows].some((r) => spies[r])).toBe(false);
  });

  it('every strategy finds the hidden positives far better than random on data with a known answer', () => {
    const { x, y, seed } = puData(3000);
    const hidden = Uint8Array.from(y, (v, i) => (v && !seed[i] ? 1 : 0));
    const heldOut = Uint8Array.from(seed, (s, i) => (s && i % 5 === 0 ? 1 : 0));
    const train = Uint8Array.from(seed, (s, i) => (s && !heldOut[i] ? 1 : 0));
    for (const strategy of PU_STRATEGIES) {
      const scores = fitPu(strategy, x, train, { epochs: 200, learningRate: 0.5, l2: 0.001, heldOut, bags: 5, seed: 2 });
      const candidates = [...scores.keys()].filter((i) => !seed[i]);
      const r = recallAt(Float64Array.from(candidates, (i) => scores[i] as number), Uint8Array.from(candidates, (i) => hidden[i] as number), [0.2])[0];
      // Random finds 0.2; a shift of 1.5 standard deviations lets any sound method pass 0.4.
      expect(r?.recall, strategy).toBeGreaterThan(0.4);
    }
  });
});
