import { describe, expect, it } from 'vitest';
import { expectInput } from '../../expectInput.fixture.ts';
import { matrix } from '../../matrix.ts';
import { fitNaiveBayesBins, indicatorsOf } from './bins.ts';
import { contributionOf, indicatorWeights, priorLogOdds, weightsOfEvidence } from './evidence.ts';
import { trainNaiveBayesReference, scoreNaiveBayesReference } from './reference.ts';

// The table of bins.test.ts with labels: income 1 … 10 and three missing; region rows 0–5 north,
// 6–10 south, 11 east, 12 none. Positives: rows 0, 1, 3, 7, 11 (P = 5, N = 8).
const income = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, NaN, NaN, NaN];
const region = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, -1];
const y = Uint8Array.from([1, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0]);
const NAMES = ['income', 'region=north', 'region=south', 'region=east'];
const CATEGORICAL = { region: ['north', 'south', 'east'] };
const TABLE = matrix(Float64Array.from(income.flatMap((v, i) => [v, ...[0, 1, 2].map((c) => (region[i] === c ? 1 : 0))])), 13, 4);
const binning = fitNaiveBayesBins(TABLE, NAMES, CATEGORICAL, 4, 3);
// Counted bins in order: income ≤3 (2 of 3 positive), >3 (2 of 7), missing (1 of 3); north (3 of 6), south (1 of 5).
const positives = [2, 2, 1, 3, 1];

describe('weight of evidence with additive smoothing, and the scorecard\'s logit', () => {
  it('gives each counted bin ln(%negatives / %positives) over its column\'s counted bins, α = 0.5; other bins 0', () => {
    const woe = weightsOfEvidence(binning, positives, 0.5);
    // income: 3 counted bins, Σpos 5 + 1.5 = 6.5, Σneg 8 + 1.5 = 9.5.
    expect(woe[0]?.[0]).toBeCloseTo(Math.log((1.5 / 9.5) / (2.5 / 6.5)), 14);
    expect(woe[0]?.[1]).toBeCloseTo(Math.log((5.5 / 9.5) / (2.5 / 6.5)), 14);
    expect(woe[0]?.[2]).toBeCloseTo(Math.log((2.5 / 9.5) / (1.5 / 6.5)), 14);
    // region: north and south counted, Σpos 4 + 1 = 5, Σneg 7 + 1 = 8; east and missing 0.
    expect(woe[1]?.[0]).toBeCloseTo(Math.log((3.5 / 8) / (3.5 / 5)), 14);
    expect(woe[1]?.[1]).toBeCloseTo(Math.log((4.5 / 8) / (1.5 / 5)), 14);
    expect(woe[1]?.slice(2)).toEqual([0, 0]);
    // Smoothing 2 pulls every WOE towards 0.
    const smoother = weightsOfEvidence(binning, positives, 2);
    expect(Math.abs(smoother[1]?.[1] as number)).toBeLessThan(Math.abs(woe[1]?.[1] as number));
  });

  it('scores a row as ln(P/N) − Σ WOE of its bins: the plaintext reference on the hand-worked table', () => {
    expect(priorLogOdds(y)).toBeCloseTo(Math.log(5 / 8), 14);
    const ref = trainNaiveBayesReference([{ train: TABLE, names: NAMES, categorical: CATEGORICAL }], y, { bins: 4, smoothing: 0.5, minCell: 3, seed: 42 });
    const u = scoreNaiveBayesReference(ref, [TABLE]);
    const north = Math.log((3.5 / 8) / (3.5 / 5));
    // Row 0: income ≤3, north.  Row 11: income missing, east (0).  Row 12: missing, region missing (0).
    expect(u[0]).toBeCloseTo(Math.log(5 / 8) - Math.log((1.5 / 9.5) / (2.5 / 6.5)) - north, 14);
    expect(u[11]).toBeCloseTo(Math.log(5 / 8) - Math.log((2.5 / 9.5) / (1.5 / 6.5)), 14);
    expect(u[12]).toBe(u[11]);
    // The same through the weights on the indicators, as a host and the scorer compute it.
    const w = indicatorWeights(binning, weightsOfEvidence(binning, positives, 0.5));
    expect(Array.from(contributionOf(indicatorsOf(binning, TABLE), w, Math.log(5 / 8)))).toEqual(Array.from(u));
  });

  it('refuses counts that are not whole counts within their bins, or of another number of bins, and one-label data', () => {
    expectInput(() => weightsOfEvidence(binning, [2, 2, 1, 3], 0.5), 'positives');
    expectInput(() => weightsOfEvidence(binning, [2, 2, 1, 3, 6], 0.5), 'positives of region, bin 1');
    expectInput(() => weightsOfEvidence(binning, [2, 2.5, 1, 3, 1], 0.5), 'positives of income, bin 1');
    expectInput(() => weightsOfEvidence(binning, positives, 0), 'smoothing');
    expectInput(() => priorLogOdds([1, 1, 1]), 'labels');
  });
});
