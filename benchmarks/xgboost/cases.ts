// The data sets the GBDT quality goal is measured on, each as the federated job that trains on it
// and the same rows for the centralised baselines (centralised.ts): FATE's vertical breast and
// default_credit splits, and the demo's bank-marketing split (categorical columns at both
// parties; the demo's files have no label, so the guest's gets y = subscribed, i.e. its seeds
// and hidden seeds). The quality test and `npm run bench -- gbdt-quality` share them.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BANK_CATEGORICAL, PARTNER_CATEGORICAL, splitBankMarketing, type BankMarketingSplit } from '../../coordinator/demo/bankMarketing.ts';
import { BANK_MARKETING_GUEST, BANK_MARKETING_HOST, bankMarketingMatrix, readBankMarketing } from '../../data/bankMarketing.ts';
import { readVertical } from '../../data/fate.ts';
import { BANK_MARKETING, fate } from '../../data/sets.ts';
import { recallAt } from '../../models/lookalike/quality.ts';
import { concatColumns, maskIndices, selectRows } from '../../models/matrix.ts';
import { hashUnit, validationMask } from '../../models/split/hashSplit.ts';
import { referenceOptions, type GbdtTraining } from '../../models/vertical/gbdt/settings.ts';
import { predictGbdt, trainGbdt } from '../../models/vertical/gbdt/trainer.ts';
import type { VerticalJobSpec } from '../../protocol/messages/jobSpec.ts';
import { xgboostMargins, type CentralisedParty } from './centralised.ts';

export const QUALITY_SETS = ['breast', 'default_credit', 'bank-marketing'] as const;
export type QualitySet = (typeof QUALITY_SETS)[number];

export interface QualityCase {
  spec: VerticalJobSpec;
  /** The intersection's IDs, labels and every party's columns, rows aligned, guest first. */
  ids: readonly string[];
  y: Uint8Array;
  parties: CentralisedParty[];
}

/** The job on `set` with `training`, its files written under `dir` where they must be. */
export async function qualityCase(set: QualitySet, dir: string, training: GbdtTraining): Promise<QualityCase> {
  const name = `${set}-trees`;
  if (set !== 'bank-marketing') {
    const d = readVertical(set);
    return {
      spec: {
        name, kind: 'vertical', model: 'gbdt', training, validation: { fraction: 0.3 },
        parties: [
          { id: 'bank', role: 'guest', data: { path: fate(`${set}_hetero_guest`), idColumn: 'id', labelColumn: 'y' } },
          { id: 'partner', role: 'host', data: { path: fate(`${set}_hetero_host`), idColumn: 'id' } },
        ],
      },
      ids: d.ids, y: d.y, parties: [{ x: d.guest, categorical: [] }, { x: d.host, categorical: [] }],
    };
  }
  const split = await splitBankMarketing(BANK_MARKETING, join(dir, 'data'));
  const subscribers = new Set((await Promise.all([split.seeds, split.hidden].map((f) => readFile(f, 'utf8')))).flatMap((t) => t.trim().split('\n').slice(1)));
  const lines = (await readFile(split.bank, 'utf8')).trim().split('\n');
  const ids = lines.slice(1).map((l) => l.slice(0, l.indexOf(';')));
  const labelled = join(dir, 'data', 'bank-labelled.csv');
  await writeFile(labelled, `${[`${lines[0]};y`, ...lines.slice(1).map((l, k) => `${l};${subscribers.has(ids[k] as string) ? 1 : 0}`)].join('\n')}\n`);
  // Row k of the split's bank file is row k of the source, whose reader codes categories as the party's loader does.
  const table = readBankMarketing();
  let positives = 0;
  for (const v of table.y) positives += v;
  if (positives !== subscribers.size) throw new Error(`bank-marketing: ${positives} subscribers in the source, ${subscribers.size} in the split`);
  return {
    spec: {
      name, kind: 'vertical', model: 'gbdt', training, validation: { fraction: 0.3 },
      parties: [
        { id: 'bank', role: 'guest', data: { path: labelled, idColumn: 'customer_id', labelColumn: 'y', categorical: [...BANK_CATEGORICAL] } },
        { id: 'partner', role: 'host', data: { path: split.partner, idColumn: 'customer_id', categorical: [...PARTNER_CATEGORICAL] } },
      ],
    },
    ids, y: table.y, parties: [bankMarketingMatrix(table, BANK_MARKETING_GUEST), bankMarketingMatrix(table, BANK_MARKETING_HOST)],
  };
}

/**
 * Recall at 20% of a lookalike job on the demo's split, centralised: the job's positive-unlabelled
 * labels (training seeds 1, everyone else 0; the held-out share of the seeds chosen by the same
 * hash as party-node/jobs/lookalike/labels.ts, holdout 0.2), its training rows, and its ranked
 * pool (everyone but the training seeds), for the plaintext reference and XGBoost.
 */
export async function centralisedLookalikeRecall(split: BankMarketingSplit, t: GbdtTraining): Promise<{ reference: number; xgboost: number }> {
  const ids = (await readFile(split.bank, 'utf8')).trim().split('\n').slice(1).map((l) => l.slice(0, l.indexOf(';')));
  const seeds = new Set((await readFile(split.seeds, 'utf8')).trim().split('\n').slice(1));
  const seed = Uint8Array.from(ids, (id) => (seeds.has(id) ? 1 : 0));
  const heldOut = Uint8Array.from(ids, (id, i) => (seed[i] && hashUnit(t.seed, `lookalike:${id}`) < 0.2 ? 1 : 0));
  const train = maskIndices(validationMask(ids, 0.3, t.seed), 0);
  const yTrain = Uint8Array.from(train, (i) => (seed[i] && !heldOut[i] ? 1 : 0));
  const table = readBankMarketing();
  const parties = [bankMarketingMatrix(table, BANK_MARKETING_GUEST), bankMarketingMatrix(table, BANK_MARKETING_HOST)];
  const pool = Uint32Array.from(ids.keys()).filter((i) => !seed[i] || heldOut[i]);
  const positive = Uint8Array.from(pool, (i) => heldOut[i] as number);
  const recall = (scores: Float64Array) => recallAt(Float64Array.from(pool, (i) => scores[i] as number), positive, [0.2])[0]?.recall as number;
  const model = trainGbdt(parties.map((p) => ({ x: selectRows(p.x, train), categorical: p.categorical })), yTrain, referenceOptions(t));
  const [guest, host] = [parties[0] as CentralisedParty, parties[1] as CentralisedParty];
  const joined = concatColumns(guest.x, host.x);
  const categorical = [...guest.categorical, ...host.categorical.map((j) => j + guest.x.cols)];
  return {
    reference: recall(predictGbdt(model, parties.map((p) => p.x))),
    xgboost: recall(xgboostMargins({ x: selectRows(joined, train), y: yTrain }, joined, t, categorical).scores),
  };
}
