// Vertical gradient-boosted trees (SecureBoost class: Cheng et al., IEEE Intelligent Systems 2021)
// as a vertical model: each party's columns binned at that party (features.ts), the guest's and
// hosts' steps (guest.ts, host.ts) over encrypted histograms, the arbiter's rules for them
// (arbiter.ts), and the guest-alone reference (the plaintext trainer on the guest's columns).
// Shards: the guest keeps the trees, the base score, its split records and bins; each host its
// split records and bins. Scoring needs the trees walked at the guest with each host's decisions,
// which the coordinator's additive combination cannot do: the scorer refuses until that lands.
import { FedmarkError } from '../../../errors/table.ts';
import type { ScoringShard, VerticalModel } from '../model.ts';
import { gbdtRules } from './arbiter.ts';
import { checkGbdtTable, prepareGbdtRows, type GbdtRows } from './features.ts';
import { runGbdtGuest } from './guest.ts';
import { runGbdtHost } from './host.ts';
import { GBDT_MESSAGES, GbdtStep } from './messages.ts';
import { GBDT_SETTINGS, gbdtTrainingOf, referenceOptions } from './settings.ts';
import { predictGbdt, trainGbdt } from './trainer.ts';

export const gbdt = {
  name: 'gbdt',
  settings: GBDT_SETTINGS,
  messages: GBDT_MESSAGES,
  arbiter: { step: GbdtStep, rules: gbdtRules },

  check: (table, sections) => checkGbdtTable(table, gbdtTrainingOf(sections)),

  features(rows, sections) {
    return prepareGbdtRows(rows, gbdtTrainingOf(sections));
  },

  guest: (rt, rows, labels, sections) => runGbdtGuest(rt, rows, labels, gbdtTrainingOf(sections)),
  host: (rt, rows, sections) => runGbdtHost(rt, rows, gbdtTrainingOf(sections)),

  alone(rows, labels, sections) {
    const t = gbdtTrainingOf(sections);
    const categorical = (rows as Partial<GbdtRows>).categorical ?? [];
    const model = trainGbdt([{ x: rows.train, categorical, names: rows.names }], labels.train, referenceOptions(t), { parties: [rows.evaluation], y: labels.evaluation });
    return {
      evaluation: predictGbdt(model, [rows.evaluation]),
      ...(rows.population ? { population: predictGbdt(model, [rows.population]) } : {}),
    };
  },

  scorer(_shard, param): ScoringShard {
    throw new FedmarkError('FM_ERR_MODEL_INPUT', { param, expected: 'a model the scoring service can combine (gradient-boosted trees are walked at the guest, which this version does not serve yet)', got: 'a gbdt shard' });
  },

  combine(parts, rows) {
    const out = new Float64Array(rows);
    for (const part of parts) for (let i = 0; i < rows; i++) out[i] = (out[i] as number) + (part[i] as number);
    return out;
  },
} satisfies VerticalModel<'gbdt', typeof GBDT_SETTINGS, typeof GBDT_MESSAGES>;
