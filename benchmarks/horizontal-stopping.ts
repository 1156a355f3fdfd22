// Horizontal stopping rule and strategies compared on quality (not speed), in one process with
// plain sums standing in for the secure aggregate (models/federated/strategy/plaintext.ts): the
// skewed three-member split of default_credit (data/fateHorizontal.ts), every member evaluating
// the common 6,000-row test table. For each setting: how the rounds ended, how many ran, the round
// whose model was kept, its AUC on the test table against logistic regression trained to
// convergence on the pooled rows, and the seconds taken. The job defaults were chosen from this table.
import { parseArgs } from 'node:util';
import { Value } from '@sinclair/typebox/value';
import { readHorizontal, skewedDefaultCredit } from '../data/fateHorizontal.ts';
import { applyStandardizer, fitStandardizer } from '../models/features/standardize.ts';
import { logisticModel } from '../models/federated/logisticModel.ts';
import { federatePlaintext } from '../models/federated/strategy/plaintext.ts';
import { createStrategy } from '../models/federated/strategy/registry.ts';
import type { StrategySettings } from '../models/federated/strategy/strategy.ts';
import { predictLinear, trainLogistic } from '../models/linear/logistic.ts';
import { matrix } from '../models/matrix.ts';
import { auc } from '../models/metrics/auc.ts';
import { FederationSchema, type Federation } from '../protocol/messages/horizontal.ts';
import { TrainingSchema, type Training } from '../protocol/messages/training.ts';
import { strategySettings } from '../protocol/jobs/horizontalStrategy.ts';

const HELP = `usage: npm run bench -- horizontal-stopping [--json] [--long N]

  --long   rounds of the run without a stopping rule that shows where training leads (default 1000)
  --json   one JSON line on stdout instead of the table`;

interface Row { setting: string; strategy: string; stop: string; rounds: number; kept: number; auc: number; seconds: number }

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' }, long: { type: 'string' }, help: { type: 'boolean' } } });
  if (values.help) return void process.stdout.write(`${HELP}\n`);
  const long = Number(values.long ?? 1000);
  const parts = skewedDefaultCredit();
  const test = readHorizontal('default_credit_homo_test');
  const members = parts.map((p, k) => ({ id: `m${k + 1}`, ...p, evalX: test.x, evalY: test.y }));
  const training = Value.Default(TrainingSchema, {}) as Training;
  const defaults = strategySettings(Value.Default(FederationSchema, {}) as Federation, training);

  const pooledX = matrix(Float64Array.from(parts.flatMap((p) => [...p.x.data])), parts.reduce((n, p) => n + p.x.rows, 0), test.x.cols);
  const scaler = fitStandardizer(pooledX);
  const central = trainLogistic(applyStandardizer(scaler, pooledX), Uint8Array.from(parts.flatMap((p) => [...p.y])), { epochs: 1000, batchSize: 1e6, learningRate: 1, l2: training.l2, seed: 42, gradient: 'exact' });
  const pooled = auc(predictLinear(applyStandardizer(scaler, test.x), central.weights, central.intercept), test.y);

  const settings: Array<[string, string, StrategySettings]> = [
    ['the former default: 10 rounds', 'fedavg', { ...defaults, rounds: 10, stopping: undefined }],
    ['30 rounds', 'fedavg', { ...defaults, rounds: 30, stopping: undefined }],
    [`${long} rounds`, 'fedavg', { ...defaults, rounds: long, stopping: undefined }],
  ];
  for (const patience of [3, 5, 10]) {
    for (const minDelta of [1e-5, 1e-4, 1e-3]) settings.push([`patience ${patience}, minDelta ${minDelta}`, 'fedavg', { ...defaults, stopping: { ...(defaults.stopping as NonNullable<StrategySettings['stopping']>), patience, minDelta } }]);
  }
  settings.push(
    ['localEpochs 5', 'fedavg', { ...defaults, localEpochs: 5 }],
    ['localEpochs 5, mu 0.1', 'fedprox', { ...defaults, localEpochs: 5, mu: 0.1 }],
    ['localEpochs 5, mu 1', 'fedprox', { ...defaults, localEpochs: 5, mu: 1 }],
  );
  const rows: Row[] = [];
  for (const [setting, strategy, s] of settings) {
    const started = performance.now();
    const result = await federatePlaintext(members, logisticModel(test.x.cols), createStrategy(strategy, s), training);
    const p = await logisticModel(test.x.cols).predict(result.params, applyStandardizer(result.standardizer, test.x));
    rows.push({ setting, strategy, stop: result.stop.reason, rounds: result.stop.rounds, kept: result.stop.kept, auc: auc(p, test.y), seconds: (performance.now() - started) / 1000 });
    process.stderr.write(`${setting}: ${result.stop.reason} after ${result.stop.rounds} rounds\n`);
  }
  if (values.json) return void process.stdout.write(`${JSON.stringify({ members: parts.map((p) => p.x.rows), pooledAuc: pooled, defaults, results: rows })}\n`);
  process.stdout.write(`skewed default_credit: members of ${parts.map((p) => p.x.rows).join(', ')} rows; pooled training (1,000 full-batch steps) AUC ${pooled.toFixed(4)}\n`);
  process.stdout.write(`defaults: ${defaults.rounds} rounds at most, patience ${defaults.stopping?.patience}, minDelta ${defaults.stopping?.minDelta}, minRounds ${defaults.stopping?.minRounds}, learning rate ${training.learningRate}, ${defaults.localEpochs} local epoch\n`);
  process.stdout.write('setting                            strategy  ended       rounds  kept     AUC  vs pooled  seconds\n');
  for (const r of rows) {
    process.stdout.write(`${r.setting.padEnd(34)} ${r.strategy.padEnd(9)} ${r.stop.padEnd(10)} ${String(r.rounds).padStart(7)} ${String(r.kept).padStart(5)}  ${r.auc.toFixed(4)}  ${(r.auc - pooled >= 0 ? '+' : '') + (r.auc - pooled).toFixed(4)}  ${r.seconds.toFixed(2).padStart(7)}\n`);
  }
}
