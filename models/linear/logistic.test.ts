import { describe, expect, it } from 'vitest';
import { expectInput } from '../expectInput.fixture.ts';
import { matrix } from '../matrix.ts';
import { batchOrder } from '../random.ts';
import { sigmoid } from './exact.ts';
import { predictLinear, predictProbability, trainLogistic, type LogisticOptions } from './logistic.ts';

// Two rows, one feature: x = [2, 0], y = [1, 0]. One batch per epoch.
const x = matrix(Float64Array.from([2, 0]), 2, 1);
const y = Uint8Array.from([1, 0]);
const base: LogisticOptions = { epochs: 2, batchSize: 2, learningRate: 0.5, l2: 0.1, seed: 1, gradient: 'taylor' };

describe('trainLogistic', () => {
  it('takes the protocol step, hand-worked over two epochs (Taylor)', () => {
    // Epoch 0: u = [0, 0], d = [−½, ½]; g_w = (2·(−½) + 0)/2 + 0.1·0 = −½; g_b = 0.
    //   w = 0 − ½·(−½) = 0.25, b = 0; loss = log 2.
    // Epoch 1: u = [0.5, 0], d = [0.125 + 0.5 − 1, ½] = [−0.375, 0.5];
    //   g_w = 2·(−0.375)/2 + 0.1·0.25 = −0.35 → w = 0.25 + 0.175 = 0.425;
    //   g_b = (−0.375 + 0.5)/2 = 0.0625 (no l2) → b = −0.03125;
    //   loss = mean(log 2 − ½·0.5 + ⅛·0.25, log 2) = log 2 − 0.109375.
    const m = trainLogistic(x, y, base);
    expect(m.weights[0]).toBeCloseTo(0.425, 15);
    expect(m.intercept).toBeCloseTo(-0.03125, 15);
    expect(m.history.map((r) => r.trainLoss)).toEqual([Math.LN2, Math.LN2 - 0.109375]);
    expect(m.bestEpoch).toBe(1);
    expect(m.stoppedEarly).toBe(false);
  });

  it('uses σ(u) − y with the exact gradient', () => {
    // Epoch 0 as above (σ(0) = ½). Epoch 1: d = [σ(0.5) − 1, ½].
    const m = trainLogistic(x, y, { ...base, gradient: 'exact' });
    const d0 = sigmoid(0.5) - 1;
    expect(m.weights[0]).toBeCloseTo(0.25 - 0.5 * (d0 + 0.1 * 0.25), 15);
    expect(m.intercept).toBeCloseTo(-0.5 * ((d0 + 0.5) / 2), 15);
    expect(m.history[0]?.trainLoss).toBe(Math.LN2);
  });

  it('walks the mini-batches of batchOrder, one update per batch', () => {
    const rows = 7;
    const data = Float64Array.from({ length: rows * 2 }, (_, k) => ((k * 37) % 11) / 5 - 1);
    const labels = Uint8Array.from({ length: rows }, (_, i) => (i * 3) % 2);
    const opts: LogisticOptions = { epochs: 3, batchSize: 3, learningRate: 0.3, l2: 0.05, seed: 9, gradient: 'taylor' };
    // Straight transcription of the update, batch by batch.
    const w = [0, 0];
    let b = 0;
    for (let e = 0; e < opts.epochs; e++) {
      for (const batch of batchOrder(rows, opts.batchSize, opts.seed, e)) {
        const g = [0, 0];
        let gb = 0;
        for (const i of batch) {
          const u = b + (data[2 * i] as number) * (w[0] as number) + (data[2 * i + 1] as number) * (w[1] as number);
          const d = 0.25 * u + 0.5 - (labels[i] as number);
          g[0] = (g[0] as number) + (data[2 * i] as number) * d;
          g[1] = (g[1] as number) + (data[2 * i + 1] as number) * d;
          gb += d;
        }
        for (const j of [0, 1]) w[j] = (w[j] as number) - opts.learningRate * ((g[j] as number) / batch.length + opts.l2 * (w[j] as number));
        b -= (opts.learningRate * gb) / batch.length;
      }
    }
    const m = trainLogistic(matrix(data, rows, 2), labels, opts);
    expect(m.weights[0]).toBeCloseTo(w[0] as number, 14);
    expect(m.weights[1]).toBeCloseTo(w[1] as number, 14);
    expect(m.intercept).toBeCloseTo(b, 14);
    expect(trainLogistic(matrix(data, rows, 2), labels, opts)).toEqual(m);
  });

  it('records evaluation loss and AUC, and stops early on the evaluation loss with the best weights', () => {
    // Evaluation labels are flipped, so its loss rises after epoch 0.
    // Epoch 0: w = 0.25, b = 0 → u = [0.5, 0]; Taylor eval loss = mean(log 2 + 0.25 + 0.03125, log 2);
    // the positive (row 2, u = 0) scores below the negative (u = 0.5): AUC 0.
    const evaluation = { x, y: Uint8Array.from([0, 1]) };
    const m = trainLogistic(x, y, { ...base, epochs: 10, earlyStopping: { patience: 1, minDelta: 0 } }, evaluation);
    expect(m.history.length).toBe(2);
    expect(m.history[0]?.evalLoss).toBeCloseTo(Math.LN2 + 0.140625, 15);
    expect(m.history[0]?.evalAuc).toBe(0);
    expect(m.history[1]?.evalLoss).toBeGreaterThan(m.history[0]?.evalLoss as number);
    expect(m.stoppedEarly).toBe(true);
    expect(m.bestEpoch).toBe(0);
    expect([...m.weights]).toEqual([0.25]);
    expect(m.intercept).toBe(0);
  });

  it('watches the train loss for early stopping without an evaluation set', () => {
    const m = trainLogistic(x, y, { ...base, epochs: 500, learningRate: 0.1, earlyStopping: { patience: 3, minDelta: 1e-3 } });
    expect(m.stoppedEarly).toBe(true);
    expect(m.history.length).toBeLessThan(500);
    expect(m.history.every((r) => r.evalLoss === undefined)).toBe(true);
  });

  it('names the bad parameter', () => {
    expectInput(() => trainLogistic(x, y, { ...base, epochs: 0 }), 'options.epochs');
    expectInput(() => trainLogistic(x, y, { ...base, batchSize: 1.5 }), 'options.batchSize');
    expectInput(() => trainLogistic(x, y, { ...base, learningRate: 0 }), 'options.learningRate');
    expectInput(() => trainLogistic(x, y, { ...base, l2: -1 }), 'options.l2');
    expectInput(() => trainLogistic(x, y, { ...base, gradient: 'newton' as 'exact' }), 'options.gradient');
    expectInput(() => trainLogistic(x, y, { ...base, earlyStopping: { patience: 0, minDelta: 0 } }), 'options.earlyStopping.patience');
    expectInput(() => trainLogistic(x, y, { ...base, momentum: 0.9 } as LogisticOptions), 'options');
    expectInput(() => trainLogistic(x, Uint8Array.from([1]), base), 'y');
    expectInput(() => trainLogistic(matrix(Float64Array.from([NaN, 0]), 2, 1), y, base), 'x');
    expectInput(() => trainLogistic(x, y, base, { x, y: Uint8Array.from([1, 1]) }), 'evaluation.y');
    expectInput(() => trainLogistic(x, y, { ...base, learningRate: 1e200, epochs: 5 }), 'options.learningRate');
  });
});

describe('predictLinear and predictProbability', () => {
  it('compute x·w + b and σ of it', () => {
    const x2 = matrix(Float64Array.from([1, 2, 3, 4]), 2, 2);
    const w = Float64Array.from([0.5, -1]);
    // [0.5 − 2 + 0.25, 1.5 − 4 + 0.25]
    expect([...predictLinear(x2, w, 0.25)]).toEqual([-1.25, -2.25]);
    expect([...predictProbability(x2, w, 0.25)]).toEqual([sigmoid(-1.25), sigmoid(-2.25)]);
    expectInput(() => predictLinear(x2, Float64Array.from([1]), 0), 'weights');
    expectInput(() => predictLinear(x2, w, NaN), 'intercept');
  });
});
