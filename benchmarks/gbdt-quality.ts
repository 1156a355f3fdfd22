// GBDT quality benchmark (issue 14's quality goals): `npm run bench -- gbdt-quality [--json]`.
// Per data set (benchmarks/xgboost/cases.ts: breast, default_credit, the demo's bank-marketing
// split), a real federated job (coordinator and party processes, PSI, encrypted histograms) with
// the defaults (50 trees, depth 4, rate 0.3, 32 bins, λ 1), and on the same rows, every
// party's columns side by side, the plaintext reference and centralised XGBoost with the same
// settings (benchmarks/xgboost/centralised.ts). Goal: federated within 0.005 of XGBoost. Then a
// lookalike job with the same trees on the demo's split: recall of the held-out seeds in the
// top 20%, goal ≥ 0.46. Wall time per tree is the guest's, with the load average beside it.
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { simulate } from '../coordinator/simulate.ts';
import { splitBankMarketing } from '../coordinator/demo/bankMarketing.ts';
import { lookalikeJobFor } from '../coordinator/demo/lookalikeDemo.ts';
import { BANK_MARKETING } from '../data/sets.ts';
import { gbdtTrainingOf, type GbdtTraining } from '../models/vertical/gbdt/settings.ts';
import type { VerticalJobSpec } from '../protocol/messages/jobSpec.ts';
import { checkJobSpec } from '../protocol/jobs/validate.ts';
import { centralisedAucs } from './xgboost/centralised.ts';
import { centralisedLookalikeRecall, QUALITY_SETS, qualityCase, type QualitySet } from './xgboost/cases.ts';

const HELP = `usage: npm run bench -- gbdt-quality [--json] [--sets breast,default_credit,bank-marketing] [--trees N] [--depth D] [--no-lookalike]`;
const GOALS = { xgboostGap: 0.005, recallAt20: 0.46 };

interface SetFigures {
  set: QualitySet;
  rows: number;
  federated: number;
  reference: number;
  xgboost: number;
  guestOnly: number;
  secondsPerTree: number;
  jobSeconds: number;
  load: [number, number];
}

const load1 = (): number => Number((loadavg()[0] as number).toFixed(2));

async function measureSet(set: QualitySet, dir: string, training: GbdtTraining): Promise<SetFigures> {
  const c = await qualityCase(set, join(dir, set), training);
  const before = load1();
  const started = performance.now();
  const result = await simulate(c.spec, { runDir: join(dir, set, 'run'), logLevel: 'warn', connectTimeoutMs: 120_000 });
  if (result.error) throw new Error(`${set}: ${JSON.stringify(result.error)}`);
  const jobSeconds = (performance.now() - started) / 1000;
  const m = result.metrics as Record<string, number>;
  const { reference, xgboost } = centralisedAucs(c.ids, c.y, c.parties, training);
  return { set, rows: c.ids.length, federated: m.auc as number, reference, xgboost, guestOnly: m.guestOnlyAuc as number, secondsPerTree: m.secondsPerEpoch as number, jobSeconds, load: [before, load1()] };
}

/** `given`: the settings the command line sets; the rest are a lookalike job's defaults (GBDT_LOOKALIKE_TRAINING). */
async function measureLookalike(dir: string, given: Partial<GbdtTraining>): Promise<{ training: GbdtTraining; recallAt20: number; guestOnlyRecallAt20: number; secondsPerTree: number; reference: number; xgboost: number }> {
  const split = await splitBankMarketing(BANK_MARKETING, join(dir, 'lookalike', 'data'));
  const checked = checkJobSpec(await lookalikeJobFor(split, { name: 'lookalike-trees', model: 'gbdt', training: given } as Partial<VerticalJobSpec>));
  if ('problem' in checked) throw new Error(`lookalike job: ${checked.problem.field}: ${checked.problem.reason}`);
  const spec = checked.spec;
  const training = gbdtTrainingOf(spec);
  const result = await simulate(spec, { runDir: join(dir, 'lookalike', 'run'), logLevel: 'warn', connectTimeoutMs: 120_000 });
  if (result.error) throw new Error(`lookalike: ${JSON.stringify(result.error)}`);
  const m = result.metrics as Record<string, number>;
  const centralised = await centralisedLookalikeRecall(split, training);
  return { training, recallAt20: m.recallAt20 as number, guestOnlyRecallAt20: m.guestOnlyRecallAt20 as number, secondsPerTree: m.secondsPerEpoch as number, ...centralised };
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' }, sets: { type: 'string' }, trees: { type: 'string' }, depth: { type: 'string' }, 'no-lookalike': { type: 'boolean' }, help: { type: 'boolean' } } });
  if (values.help) return void process.stdout.write(`${HELP}\n`);
  const sets = (values.sets ?? QUALITY_SETS.join(',')).split(',').map((s) => {
    if (!(QUALITY_SETS as readonly string[]).includes(s)) throw new Error(`--sets: expected some of ${QUALITY_SETS.join(', ')}, got "${s}"`);
    return s as QualitySet;
  });
  const given = { ...(values.trees ? { trees: Number(values.trees) } : {}), ...(values.depth ? { maxDepth: Number(values.depth) } : {}) };
  const training = gbdtTrainingOf({ training: given });
  const dir = await mkdtemp(join(tmpdir(), 'fedmark-bench-gbdt-quality-'));
  try {
    const figures: SetFigures[] = [];
    for (const set of sets) {
      process.stderr.write(`gbdt-quality: ${set}, ${training.trees} trees of depth ${training.maxDepth}...\n`);
      figures.push(await measureSet(set, dir, training));
    }
    let lookalike: Awaited<ReturnType<typeof measureLookalike>> | undefined;
    if (!values['no-lookalike']) {
      process.stderr.write('gbdt-quality: lookalike on the demo split...\n');
      lookalike = await measureLookalike(dir, given);
    }
    if (values.json) return void process.stdout.write(`${JSON.stringify({ benchmark: 'gbdt-quality', training: { trees: training.trees, maxDepth: training.maxDepth }, goals: GOALS, sets: figures, lookalike })}\n`);
    const out = [`federated trees against centralised XGBoost, ${training.trees} trees of depth ${training.maxDepth} (goal: |federated − XGBoost| ≤ ${GOALS.xgboostGap})`, ''];
    out.push('set             rows    federated  reference  XGBoost  |fed−XGB|  goal  bank alone  s/tree  job s   load');
    for (const f of figures) {
      const gap = Math.abs(f.federated - f.xgboost);
      out.push([
        f.set.padEnd(14), String(f.rows).padStart(6), f.federated.toFixed(4).padStart(10), f.reference.toFixed(4).padStart(10), f.xgboost.toFixed(4).padStart(8),
        gap.toFixed(4).padStart(10), (gap <= GOALS.xgboostGap ? 'met' : 'NOT').padStart(5), f.guestOnly.toFixed(4).padStart(11), f.secondsPerTree.toFixed(2).padStart(7),
        f.jobSeconds.toFixed(0).padStart(6), `${f.load[0]}→${f.load[1]}`.padStart(10),
      ].join(' '));
    }
    if (lookalike) {
      out.push('', `lookalike on the demo split (learning rate ${lookalike.training.learningRate}, the lookalike default): recall at 20% ${lookalike.recallAt20.toFixed(3)} (goal ≥ ${GOALS.recallAt20}: ${lookalike.recallAt20 >= GOALS.recallAt20 ? 'met' : 'NOT met'}), bank alone ${lookalike.guestOnlyRecallAt20.toFixed(3)}, ${lookalike.secondsPerTree.toFixed(2)} s/tree;`,
        `  centralised on the same labels and rows: reference ${lookalike.reference.toFixed(3)}, XGBoost with the same settings ${lookalike.xgboost.toFixed(3)}`);
    }
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
