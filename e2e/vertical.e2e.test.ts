// Vertical federated logistic regression end to end: real coordinator (the arbiter), real party
// processes, PSI then BFV-encrypted training. The federated model must match the plaintext
// reference trained on the joined data with the same split and settings.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Training, VerticalJobSpec } from '../protocol/messages/jobSpec.ts';
import { readVertical } from '../data/fate.ts';
import { validationMask } from '../models/split/hashSplit.ts';
import { concatColumns, maskIndices, selectRows, type Matrix } from '../models/matrix.ts';
import { prepareFeatures } from '../models/features/prepare.ts';
import { predictLinear, trainLogistic } from '../models/linear/logistic.ts';
import { auc } from '../models/metrics/auc.ts';
import { simulate } from '../coordinator/simulate.ts';
import { readVerticalPart } from '../party-node/scoring/vertical.ts';
import { contributions, rowIndex } from '../party-node/scoring/partial.ts';
import { loadDataset } from '../party-node/data/dataset.ts';
import { fate, readText } from '../data/sets.ts';
import { splitBreastHost, tempDir } from './fixtures.ts';

/** The plaintext reference: joined columns, the same hash split, each party's own feature preparation. */
function referenceAuc(prefix: string, training: Training, fraction = 0.3): number {
  const d = readVertical(prefix);
  const mask = validationMask(d.ids, fraction, training.seed);
  const tr = maskIndices(mask, 0);
  const ev = maskIndices(mask, 1);
  const prep = (x: Matrix) => prepareFeatures(selectRows(x, tr), selectRows(x, ev), training.binning ? { binning: training.binning } : {});
  const g = prep(d.guest);
  const h = prep(d.host);
  const model = trainLogistic(concatColumns(g.train, h.train), Uint8Array.from(tr, (i) => d.y[i] as number), {
    epochs: training.epochs, batchSize: training.batchSize, learningRate: training.learningRate, l2: training.l2, seed: training.seed, gradient: 'taylor',
  });
  return auc(predictLinear(concatColumns(g.evaluation as Matrix, h.evaluation as Matrix), model.weights, model.intercept), Uint8Array.from(ev, (i) => d.y[i] as number));
}

function job(name: string, guest: string, hosts: string[], training: Training): VerticalJobSpec {
  return {
    name, kind: 'vertical', model: 'logistic', training, validation: { fraction: 0.3 },
    parties: [
      { id: 'bank', role: 'guest', data: { path: guest, idColumn: 'id', labelColumn: 'y' } },
      ...hosts.map((path, k) => ({ id: `partner${k + 1}`, role: 'host' as const, data: { path, idColumn: 'id' } })),
    ],
  };
}

const FULL_BATCH = { batchSize: 65_536, l2: 0.001, seed: 42 };

describe('vertical logistic regression between real party nodes', () => {
  it('breast: AUC ≥ 0.98, the reference AUC, a registered model and shards kept at the parties', async () => {
    const dir = await tempDir('vlr-breast');
    const training = { ...FULL_BATCH, epochs: 10, learningRate: 0.5 };
    const spec = job('breast-propensity', fate('breast_hetero_guest'), [fate('breast_hetero_host')], training);
    const result = await simulate(spec, { runDir: join(dir, 'run'), logLevel: 'info' });
    expect(result.error).toBeUndefined();
    expect(result.metrics?.auc).toBeGreaterThanOrEqual(0.98);
    expect(Math.abs((result.metrics?.auc as number) - referenceAuc('breast', training))).toBeLessThan(0.005);
    expect(result.model).toEqual({ name: 'breast-propensity', version: 1 });
    const shard = JSON.parse(await readFile(join(dir, 'run', 'party-partner1', 'models', 'breast-propensity', `${result.job}.json`), 'utf8'));
    expect(shard).toMatchObject({ kind: 'vertical', model: 'logistic', role: 'host', job: result.job });
    expect(shard.weights).toHaveLength(20);
    expect(shard.mapping.outputNames).toHaveLength(20);

    // Federated scoring from the shards alone reproduces the metrics the protocol computed: the
    // parties' partial scores of the evaluation IDs, summed, give the same AUC.
    const parts = await Promise.all([['bank', 'breast_hetero_guest', 'y'], ['partner1', 'breast_hetero_host', undefined]].map(async ([party, file, label]) => {
      const s = await readVerticalPart(join(dir, 'run', `party-${party}`), 'breast-propensity', result.job, party as string);
      const data = await loadDataset({ path: fate(file as string), idColumn: 'id', ...(label ? { labelColumn: label } : {}) }, { party: party as string });
      return { data, scores: (ids: string[]) => contributions(s.scorer, data, rowIndex(data), ids, false) };
    }));
    const bank = parts[0] as (typeof parts)[0];
    const ids = bank.data.ids;
    const evalIds = ids.filter((_, i) => validationMask(ids, 0.3, training.seed)[i] === 1);
    const [g, h] = parts.map((p) => p.scores([...evalIds, 'no-such-customer']));
    expect(g?.known.at(-1)).toBe(0);
    const u = Float64Array.from(evalIds, (_, i) => (g?.scores[i] as number) + (h?.scores[i] as number));
    const y = Uint8Array.from(evalIds, (id) => bank.data.labels?.[ids.indexOf(id)] as number);
    expect(auc(u, y)).toBeCloseTo(result.metrics?.auc as number, 9);
    // The partner's log never mentions labels or residuals in clear; it only ever logs sizes and steps.
    const hostLog = await readFile(join(dir, 'run', 'logs', 'party-partner1.log'), 'utf8');
    expect(hostLog).not.toMatch(/"(evalAuc|evalLoss|labels?)"/);
  });

  it('breast with three parties (the host\'s columns split over two hosts) reaches the two-party AUC', async () => {
    const dir = await tempDir('vlr-three');
    const hosts = await splitBreastHost(dir);
    const training = { ...FULL_BATCH, epochs: 10, learningRate: 0.5 };
    const guest = fate('breast_hetero_guest');
    const three = await simulate(job('breast-three', guest, hosts, training), { runDir: join(dir, 'run3'), logLevel: 'warn' });
    const two = await simulate(job('breast-two', guest, [fate('breast_hetero_host')], training), { runDir: join(dir, 'run2'), logLevel: 'warn' });
    expect(three.error).toBeUndefined();
    expect(Math.abs((three.metrics?.auc as number) - (two.metrics?.auc as number))).toBeLessThan(0.005);
  });

  it('evaluation tables: matched by their own PSI and used for the metrics', async () => {
    const dir = await tempDir('vlr-eval');
    const split = async (name: string) => {
      const lines = (await readText(fate(name))).trim().split(/\r?\n/);
      const header = lines[0] as string;
      const body = lines.slice(1);
      const isEval = (line: string) => Number(line.split(',')[0]) % 3 === 0;
      await writeFile(join(dir, `${name}-train.csv`), [header, ...body.filter((l) => !isEval(l))].join('\n') + '\n');
      await writeFile(join(dir, `${name}-eval.csv`), [header, ...body.filter(isEval)].join('\n') + '\n');
      return body.filter(isEval).length;
    };
    const evalRows = await split('breast_hetero_guest');
    await split('breast_hetero_host');
    const training = { ...FULL_BATCH, epochs: 10, learningRate: 0.5 };
    const spec = job('breast-eval', join(dir, 'breast_hetero_guest-train.csv'), [join(dir, 'breast_hetero_host-train.csv')], training);
    spec.parties[0]!.evaluation = { path: join(dir, 'breast_hetero_guest-eval.csv') };
    spec.parties[1]!.evaluation = { path: join(dir, 'breast_hetero_host-eval.csv') };
    delete spec.validation;
    const result = await simulate(spec, { runDir: join(dir, 'run'), logLevel: 'warn' });
    expect(result.error).toBeUndefined();
    expect(result.metrics?.auc).toBeGreaterThanOrEqual(0.98);
    const evalIds = (await readFile(join(dir, 'run', 'party-bank', 'jobs', result.job, 'evaluation-intersection.csv'), 'utf8')).trim().split('\n').slice(1);
    expect(evalIds).toHaveLength(evalRows);
    const hostIds = (await readFile(join(dir, 'run', 'party-partner1', 'jobs', result.job, 'evaluation-intersection.csv'), 'utf8')).trim().split('\n').slice(1);
    expect(hostIds).toEqual(evalIds);
  });

  // 30,000 customers and 20 epochs of encrypted training: about 90 s on a 2-core machine running the
  // rest of the suite beside it, so the default two-minute budget is too tight.
  it('default_credit: federated AUC within 0.005 of the plaintext reference, and above the bank alone', async () => {
    const dir = await tempDir('vlr-credit');
    const training = { ...FULL_BATCH, epochs: 20, learningRate: 1 };
    const spec = job('credit', fate('default_credit_hetero_guest'), [fate('default_credit_hetero_host')], training);
    const result = await simulate(spec, { runDir: join(dir, 'run'), logLevel: 'warn' });
    expect(result.error).toBeUndefined();
    const reference = referenceAuc('default_credit', training);
    expect(reference).toBeGreaterThan(0.71);
    expect(Math.abs((result.metrics?.auc as number) - reference)).toBeLessThan(0.005);
    expect((result.metrics?.auc as number) - (result.metrics?.guestOnlyAuc as number)).toBeGreaterThan(0.04);
  }, 300_000);

  it('default_credit as a federated scorecard (10 quantile bins, one-hot): within 0.01 of the binned reference (≈0.77)', async () => {
    const dir = await tempDir('vlr-bins');
    const training = { ...FULL_BATCH, epochs: 10, learningRate: 1, binning: { method: 'quantile' as const, bins: 10 } };
    const spec = job('scorecard', fate('default_credit_hetero_guest'), [fate('default_credit_hetero_host')], training);
    const result = await simulate(spec, { runDir: join(dir, 'run'), logLevel: 'warn' });
    expect(result.error).toBeUndefined();
    const reference = referenceAuc('default_credit', training);
    expect(reference).toBeGreaterThan(0.76);
    expect(Math.abs((result.metrics?.auc as number) - reference)).toBeLessThan(0.01);
  }, 300_000);
});
