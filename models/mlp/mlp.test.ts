import { describe, expect, it } from 'vitest';
import { matrix } from '../matrix.ts';
import { auc } from '../metrics/auc.ts';
import { mulberry32 } from '../random.ts';
import { logisticModel } from '../federated/logisticModel.ts';
import { mlpModel } from './mlp.ts';
import { useBackend } from './backend.ts';

/** Label = the two features have the same sign (XOR): no linear model separates it. */
function xor(rows: number, seed: number) {
  const next = mulberry32(seed);
  const x = new Float64Array(rows * 2);
  const y = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    const a = next() / 2 ** 32 - 0.5;
    const b = next() / 2 ** 32 - 0.5;
    x[2 * i] = a * 4;
    x[2 * i + 1] = b * 4;
    y[i] = a * b > 0 ? 1 : 0;
  }
  return { x: matrix(x, rows, 2), y };
}

describe('MLP on tfjs', () => {
  it('runs on the wasm backend by default, from the package\'s own .wasm', async () => {
    expect(await useBackend()).toMatch(/^(wasm|tensorflow)$/);
  });

  it('learns XOR, which logistic regression cannot, from the same seeded start at every member', async () => {
    const train = xor(2000, 1);
    const test = xor(1000, 2);
    const mlp = await mlpModel(2, [16, 8]);
    expect(mlp.parameters).toBe(2 * 16 + 16 + 16 * 8 + 8 + 8 + 1);
    expect(Array.from(mlp.init(5))).toEqual(Array.from(mlp.init(5)));
    const o = { epochs: 30, batchSize: 64, learningRate: 0.2, l2: 0, mu: 0, seed: 3, round: 1 };
    const trained = await mlp.train(mlp.init(5), train.x, train.y, o);
    const lr = logisticModel(2);
    const linear = await lr.train(lr.init(5), train.x, train.y, o);
    const mlpAuc = auc(await mlp.predict(trained.params, test.x), test.y);
    const lrAuc = auc(await lr.predict(linear.params, test.x), test.y);
    expect(mlpAuc).toBeGreaterThan(0.95);
    expect(lrAuc).toBeLessThan(0.6);
    expect(trained.loss).toBeGreaterThan(0);
  });

  it('rejects parameters of the wrong length', async () => {
    const mlp = await mlpModel(2, [4]);
    await expect(mlp.predict(new Float64Array(3), xor(10, 1).x)).rejects.toThrow(/params/);
  });
});
