import { describe, expect, it } from 'vitest';
import { binOffsets } from './histogram.ts';
import { bestSplit, type SplitParams } from './split.ts';

const PARAMS: SplitParams = { lambda: 1, minChildWeight: 0, minGain: 0 };

/** One column with the given per-bin sums (integers at scale 2^f) and node totals. */
function column(g: number[], h: number[], categorical: boolean) {
  const binCounts = Uint16Array.from([g.length]);
  return {
    hist: { g: Float64Array.from(g), h: Float64Array.from(h) },
    binned: { cols: 1, binCounts, categorical: Uint8Array.from([categorical ? 1 : 0]) },
    offsets: binOffsets(binCounts),
  };
}

describe('split finding (second-order gain)', () => {
  it('picks the numeric threshold with the largest gain: hand-worked', () => {
    // Bins G = (−4, −1, 5), H = (2, 2, 2), no missing, λ = 1, parent score 0:
    //   left = bin 0:    16/3 + 16/5 = 8.53;   left = bins 0–1: 25/5 + 25/3 = 13.33 (best).
    // H_L = 4 ≥ H_R = 2, so unseen missing values go left.
    const c = column([-4, -1, 5], [2, 2, 2], false);
    const best = bestSplit(c.hist, c.binned, c.offsets, { G: 0, H: 6, scale: 1 }, PARAMS);
    expect(best).toEqual({ feature: 0, gain: 40 / 3, rule: { kind: 'threshold', bin: 1, defaultLeft: true }, leftG: -5, leftH: 4 });
    // The same sums at scale 2^2 (f = 2) give the same split and gain in real units.
    const scaled = column([-16, -4, 20], [8, 8, 8], false);
    const again = bestSplit(scaled.hist, scaled.binned, scaled.offsets, { G: 0, H: 24, scale: 4 }, PARAMS);
    expect(again?.rule).toEqual(best?.rule);
    expect(again?.gain).toBeCloseTo(40 / 3, 12);
  });

  it('learns the default direction of missing values from their sums (the total minus the bins)', () => {
    const c = column([-4, -1, 5], [2, 2, 2], false);
    // Missing rows G = +3, H = 1, like the high bin: bins 0–1 left, missing right:
    //   25/5 + 64/4 − 9/8 = 19.875 (missing left would give 7.875).
    expect(bestSplit(c.hist, c.binned, c.offsets, { G: 3, H: 7, scale: 1 }, PARAMS)).toMatchObject({ gain: 19.875, rule: { kind: 'threshold', bin: 1, defaultLeft: false } });
    // Missing rows G = −6, H = 1, like the low bins: missing left: 121/6 + 25/3 − 36/8 = 24.
    expect(bestSplit(c.hist, c.binned, c.offsets, { G: -6, H: 7, scale: 1 }, PARAMS)).toMatchObject({ gain: 24, rule: { kind: 'threshold', bin: 1, defaultLeft: true } });
    // Missing rows alone can be the split: no value left (bin −1), missing left: 100/2 + 0 − 100/6.
    const flat = column([1, -1], [2, 2], false);
    const alone = bestSplit(flat.hist, flat.binned, flat.offsets, { G: 10, H: 5, scale: 1 }, PARAMS);
    expect(alone?.rule).toEqual({ kind: 'threshold', bin: -1, defaultLeft: true });
    expect(alone?.gain).toBeCloseTo(100 / 3, 12);
  });

  it('splits a categorical column by a category set, sorted by G/(H + λ): hand-worked and against every subset', () => {
    // G = (3, −2, 4, −3), H = 1 each, λ = 1: order by G/(H+λ) is 3, 1, 0, 2; the prefix {3, 1} wins:
    // 25/3 + 49/3 − 4/5 = 23.87. It is not a range of category indices.
    const g = [3, -2, 4, -3];
    const c = column(g, [1, 1, 1, 1], true);
    const best = bestSplit(c.hist, c.binned, c.offsets, { G: 2, H: 4, scale: 1 }, PARAMS);
    expect(best?.rule).toEqual({ kind: 'categories', left: [1, 3], defaultLeft: true });
    expect(best?.gain).toBeCloseTo(74 / 3 - 0.8, 12);
    let brute = 0;
    for (let mask = 1; mask < 15; mask++) {
      let GL = 0;
      let HL = 0;
      for (let k = 0; k < 4; k++) if (mask & (1 << k)) (GL += g[k] as number), (HL += 1);
      brute = Math.max(brute, (GL * GL) / (HL + 1) + ((2 - GL) * (2 - GL)) / (4 - HL + 1) - 4 / 5);
    }
    expect(best?.gain).toBeCloseTo(brute, 12);
  });

  it('refuses splits under minChildWeight or without more gain than minGain', () => {
    const c = column([3, -2, 4, -3], [1, 1, 1, 1], true);
    const totals = { G: 2, H: 4, scale: 1 };
    expect(bestSplit(c.hist, c.binned, c.offsets, totals, { ...PARAMS, minChildWeight: 2.5 })).toBeUndefined();
    expect(bestSplit(c.hist, c.binned, c.offsets, totals, { ...PARAMS, minGain: 24 })).toBeUndefined();
    expect(bestSplit(c.hist, c.binned, c.offsets, totals, { ...PARAMS, minGain: 23 })?.rule).toMatchObject({ left: [1, 3] });
    // A constant node gains nothing from any split.
    const same = column([2, 2], [1, 1], false);
    expect(bestSplit(same.hist, same.binned, same.offsets, { G: 4, H: 2, scale: 1 }, { ...PARAMS, lambda: 0 })).toBeUndefined();
  });
});
