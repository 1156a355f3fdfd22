// Lookalike PU strategies compared on real data (quality, not speed): the bank-marketing sample
// split as in the demo (coordinator/demo/bankMarketing.ts: bank 8 columns, partner 7, half of the
// subscribers as seeds, the other half hidden), 20% of the seeds held out. For each strategy of
// models/lookalike/pu.ts, on the bank's columns alone and on both parties' columns joined (the
// plaintext equivalent of the vertical job): the hidden subscribers' recall in the top 20% of the
// candidates (everyone but the seeds; random = 0.20), the held-out seeds' recall at 20% among
// everyone but the training seeds, and the seconds to fit. Also the Taylor-loss reference trainer
// on seeds = 1, rest = 0, which is what the vertical protocol computes.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { splitBankMarketing, BANK_CATEGORICAL, PARTNER_CATEGORICAL } from '../coordinator/demo/bankMarketing.ts';
import { loadDataset } from '../party-node/data/dataset.ts';
import { concatColumns, matrix, selectRows, type Matrix } from '../models/matrix.ts';
import { prepareFeatures } from '../models/features/prepare.ts';
import { hashUnit } from '../models/split/hashSplit.ts';
import { fitPu, PU_STRATEGIES, type PuStrategy } from '../models/lookalike/pu.ts';
import { recallAt } from '../models/lookalike/quality.ts';
import { predictLinear, trainLogistic } from '../models/linear/logistic.ts';
import { BANK_MARKETING } from '../data/sets.ts';

const HELP = `usage: npm run bench -- lookalike-pu [--json] [--epochs N]

  --epochs   gradient steps per model (default 300)
  --json     one JSON line on stdout instead of the table`;

interface Row { strategy: string; features: 'bank' | 'bank+partner'; hiddenRecall20: number; heldOutRecall20: number; seconds: number }

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' }, epochs: { type: 'string' }, help: { type: 'boolean' } } });
  if (values.help) return void process.stdout.write(`${HELP}\n`);
  const epochs = Number(values.epochs ?? 300);
  const dir = await mkdtemp(join(tmpdir(), 'fedmark-lookalike-pu-'));
  try {
    const split = await splitBankMarketing(BANK_MARKETING, dir);
    const bank = await loadDataset({ path: split.bank, idColumn: 'customer_id', categorical: [...BANK_CATEGORICAL] }, { party: 'bank' });
    const partner = await loadDataset({ path: split.partner, idColumn: 'customer_id', categorical: [...PARTNER_CATEGORICAL] }, { party: 'partner' });
    const ids = (path: string) => readFile(path, 'utf8').then((t) => new Set(t.trim().split('\n').slice(1)));
    const seeds = await ids(split.seeds);
    const hidden = await ids(split.hidden);
    const partnerRow = new Map(partner.ids.map((id, r) => [id, r]));
    const n = bank.rows;
    const xBank = prepareFeatures(matrix(bank.features, n, bank.featureNames.length), undefined, {}).train;
    const xPartnerAligned = selectRows(matrix(partner.features, partner.rows, partner.featureNames.length), bank.ids.map((id) => partnerRow.get(id) as number));
    const xJoint = concatColumns(xBank, prepareFeatures(xPartnerAligned, undefined, {}).train);
    const isSeed = Uint8Array.from(bank.ids, (id) => (seeds.has(id) ? 1 : 0));
    const heldOut = Uint8Array.from(bank.ids, (id, i) => (isSeed[i] && hashUnit(11, id) < 0.2 ? 1 : 0));
    const train = Uint8Array.from(isSeed, (s, i) => (s && !heldOut[i] ? 1 : 0));
    const isHidden = Uint8Array.from(bank.ids, (id) => (hidden.has(id) ? 1 : 0));
    const rows: Row[] = [];
    const measure = (strategy: string, features: Row['features'], fit: () => Float64Array) => {
      const started = performance.now();
      const scores = fit();
      const seconds = (performance.now() - started) / 1000;
      const pick = (keep: (i: number) => boolean, flag: Uint8Array) => {
        const idx = [...scores.keys()].filter(keep);
        return recallAt(Float64Array.from(idx, (i) => scores[i] as number), Uint8Array.from(idx, (i) => flag[i] as number), [0.2])[0]?.recall as number;
      };
      rows.push({ strategy, features, hiddenRecall20: pick((i) => !isSeed[i], isHidden), heldOutRecall20: pick((i) => !train[i], heldOut), seconds });
      process.stderr.write(`  ${strategy} (${features}) done\n`);
    };
    const options = { epochs, learningRate: 0.5, l2: 0.001, heldOut, seed: 3 };
    for (const [features, x] of [['bank', xBank], ['bank+partner', xJoint]] as Array<[Row['features'], Matrix]>) {
      for (const strategy of PU_STRATEGIES) measure(strategy, features, () => fitPu(strategy as PuStrategy, x, train, options));
      measure('taylor reference (vertical protocol)', features, () => {
        const m = trainLogistic(x, train, { epochs: 30, batchSize: 65_536, learningRate: 0.5, l2: 0.001, seed: 42, gradient: 'taylor' });
        return predictLinear(x, m.weights, m.intercept);
      });
    }
    if (values.json) return void process.stdout.write(`${JSON.stringify({ rows: n, seeds: split.seedCount, hidden: split.hiddenCount, epochs, results: rows })}\n`);
    process.stdout.write(`bank-marketing: ${n} customers, ${split.seedCount} seeds (20% held out), ${split.hiddenCount} hidden subscribers; ${epochs} steps per model\n`);
    process.stdout.write('strategy                               features       hidden recall@20%  held-out recall@20%  seconds\n');
    for (const r of rows) process.stdout.write(`${r.strategy.padEnd(38)} ${r.features.padEnd(14)} ${r.hiddenRecall20.toFixed(4).padStart(17)}  ${r.heldOutRecall20.toFixed(4).padStart(19)}  ${r.seconds.toFixed(2).padStart(7)}\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
