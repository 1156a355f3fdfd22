// Vertical gradient-boosted trees (SecureBoost class: Cheng et al., IEEE Intelligent Systems 2021)
// as a vertical model: each party's columns binned at that party (features.ts), the guest's and
// hosts' steps (guest.ts, host.ts) over encrypted histograms, the arbiter's rules for them
// (arbiter.ts), and the guest-alone reference (the plaintext trainer on the guest's columns).
// Shards: the guest keeps the trees, the base score, its split records and bins; each host its
// split records and bins. Scoring (scoring.ts) walks the trees at the guest with each host's
// decisions, sealed for it: the model is combined at the guest.
import type { VerticalModel } from '../model.ts';
import { gbdtRules } from './arbiter.ts';
import { checkGbdtTable, prepareGbdtRows, type GbdtRows } from './features.ts';
import { runGbdtGuest } from './guest.ts';
import { runGbdtHost } from './host.ts';
import { GBDT_MESSAGES, GbdtStep } from './messages.ts';
import { gbdtScorer } from './scoring.ts';
import { GBDT_LOOKALIKE_TRAINING, GBDT_SETTINGS, gbdtTrainingOf, referenceOptions } from './settings.ts';
import { predictGbdt, trainGbdt } from './trainer.ts';

export const gbdt = {
  name: 'gbdt',
  settings: GBDT_SETTINGS,
  lookalikeTraining: GBDT_LOOKALIKE_TRAINING,
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

  scorer: gbdtScorer,

  combineAt: 'guest',
} satisfies VerticalModel<'gbdt', typeof GBDT_SETTINGS, typeof GBDT_MESSAGES>;
