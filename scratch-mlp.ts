import { readFileSync } from 'node:fs';
import { fitStandardizer, applyStandardizer } from './models/features/standardize.ts';
import { auc } from './models/metrics/auc.ts';
import { mlpModel } from './models/mlp/mlp.ts';
import { logisticModel } from './models/federated/logisticModel.ts';
function read(name: string) {
  const lines = readFileSync(`/work/shared/data/fate/${name}`, 'utf8').trim().split(/\r?\n/);
  const rows = lines.slice(1).map((l) => l.split(','));
  const cols = lines[0]!.split(',').length - 2;
  const data = new Float64Array(rows.length * cols);
  rows.forEach((r, i) => { for (let j = 0; j < cols; j++) data[i * cols + j] = Number(r[j + 2]); });
  return { x: { data, rows: rows.length, cols }, y: Uint8Array.from(rows, (r) => Number(r[1])) };
}
const parts = ['guest', 'host_1', 'host_2'].map((p) => read(`default_credit_homo_${p}.csv`));
const test = read('default_credit_homo_test.csv');
const cols = test.x.cols; const rows = parts.reduce((s, p) => s + p.x.rows, 0);
const data = new Float64Array(rows * cols); let at = 0; const y = new Uint8Array(rows);
for (const p of parts) { data.set(p.x.data, at * cols); y.set(p.y, at); at += p.x.rows; }
const s = fitStandardizer({ data, rows, cols });
const X = applyStandardizer(s, { data, rows, cols }); const T = applyStandardizer(s, test.x);
const lr = logisticModel(cols);
const r = await lr.train(lr.init(1), X, y, { epochs: 50, batchSize: 100000, learningRate: 0.5, l2: 0.001, mu: 0, seed: 42, round: 0 });
console.log('lr', auc(await lr.predict(r.params, T), test.y));
for (const [hidden, epochs, lrate, bs] of [[[32, 16], 5, 0.1, 128], [[32,16], 10, 0.1, 128], [[64,32], 10, 0.05, 64]] as const) {
  const m = await mlpModel(cols, hidden);
  const t0 = performance.now();
  let th = m.init(42);
  for (let e = 0; e < epochs; e++) { th = (await m.train(th, X, y, { epochs: 1, batchSize: bs, learningRate: lrate, l2: 0.0001, mu: 0, seed: 42, round: e })).params; }
  console.log(hidden, epochs, lrate, bs, 'auc', auc(await m.predict(th, T), test.y).toFixed(4), 'ms/epoch', ((performance.now() - t0) / epochs).toFixed(0));
}
