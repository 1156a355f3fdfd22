// Horizontal lookalike end to end (issue 6): bank-marketing split among three banks by a hash of
// the customer ID, each with half of its own subscribers as seeds and the other half hidden. Real
// coordinator and party processes; every member must find its hidden subscribers well above random,
// the federated model must do at least as well as the members' local-only models, audiences stay
// at their member, and no customer ID crosses the coordinator or reaches a log or its store.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { HorizontalJobSpec, JobSpec } from '../protocol/messages/jobSpec.ts';
import type { LookalikeReport } from '../protocol/messages/lookalike.ts';
import { applyStandardizer, fitStandardizer } from '../models/features/standardize.ts';
import { logisticModel } from '../models/federated/logisticModel.ts';
import { matrix } from '../models/matrix.ts';
import { recallAt } from '../models/lookalike/quality.ts';
import { loadDataset } from '../party-node/data/dataset.ts';
import { loadSeeds } from '../party-node/jobs/lookalike/seeds.ts';
import { lookalikeLabels } from '../party-node/jobs/lookalike/labels.ts';
import { readJobFile } from '../coordinator/jobs/jobFile.ts';
import { simulate } from '../coordinator/simulate.ts';
import { ID_PREFIX, splitBankMarketingHorizontal, type HorizontalMemberFiles } from '../coordinator/demo/bankMarketing.ts';
import { audienceRecall } from '../coordinator/demo/audienceRecall.ts';
import { BANK_MARKETING } from '../data/sets.ts';
import { tempDir } from './fixtures.ts';

const JOB = new URL('../examples/bank-marketing-lookalike-horizontal.yaml', import.meta.url).pathname;
let dir: string;
let split: Record<string, HorizontalMemberFiles>;
let members: string[];

/** The example job file, pointed at this test's copy of the split. */
async function exampleJob(): Promise<HorizontalJobSpec> {
  const spec = await readJobFile(JOB);
  if (spec.kind !== 'horizontal') throw new Error('the example is a horizontal job');
  for (const p of spec.parties) {
    const files = split[p.id] as HorizontalMemberFiles;
    p.data.path = files.data;
    p.seeds = { path: files.seeds, idColumn: 'customer_id' };
  }
  return spec;
}

async function* files(root: string): AsyncGenerator<string> {
  for (const entry of await readdir(root, { withFileTypes: true })) {
    if (entry.isDirectory()) yield* files(join(root, entry.name));
    else yield join(root, entry.name);
  }
}

/**
 * The member's local-only model as the member trains it (its rows alone, its own standardisation,
 * the rounds the job ran × localEpochs epochs, features in name order), in plaintext: its recall of the held-out
 * seeds must match the job's report, and its recall of the hidden subscribers is the baseline.
 */
async function localOnly(member: string, spec: HorizontalJobSpec, rounds: number): Promise<{ heldOutRecall: number; hiddenRecall: number }> {
  const f = split[member] as HorizontalMemberFiles;
  const data = await loadDataset({ path: f.data, idColumn: 'customer_id' }, { party: member });
  const seeds = await loadSeeds({ path: f.seeds, idColumn: 'customer_id' }, data, { party: member });
  const training = spec.training as NonNullable<HorizontalJobSpec['training']>;
  const fed = spec.federation as NonNullable<HorizontalJobSpec['federation']>;
  const pu = lookalikeLabels(seeds, Uint32Array.from({ length: data.rows }, (_, i) => i), data.ids, spec.lookalike as NonNullable<HorizontalJobSpec['lookalike']>, training.seed, member);
  const order = data.featureNames.map((n, j) => [n, j] as const).sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([, j]) => j);
  const cols = data.featureNames.length;
  const x = matrix(Float64Array.from({ length: data.rows * cols }, (_, k) => data.features[Math.floor(k / cols) * cols + (order[k % cols] as number)] as number), data.rows, cols);
  const z = applyStandardizer(fitStandardizer(x), x);
  const model = logisticModel(cols);
  const trained = await model.train(model.init(training.seed), z, pu.y, {
    epochs: rounds * fed.localEpochs, batchSize: training.batchSize, learningRate: training.learningRate, l2: training.l2, mu: 0, seed: training.seed, round: 0,
  });
  const p = await model.predict(trained.params, z);
  const at20 = (keep: (i: number) => boolean, positive: (i: number) => boolean): number => {
    const rows = Array.from({ length: data.rows }, (_, i) => i).filter(keep);
    return recallAt(Float64Array.from(rows, (i) => p[i] as number), Uint8Array.from(rows, (i) => (positive(i) ? 1 : 0)), [0.2])[0]?.recall as number;
  };
  const hidden = new Set((await readFile(f.hidden, 'utf8')).trim().split('\n').slice(1));
  return {
    heldOutRecall: at20((i) => !pu.y[i], (i) => pu.heldOut[i] === 1),
    hiddenRecall: at20((i) => !pu.seed[i], (i) => hidden.has(data.rawIds[i] as string)),
  };
}

beforeAll(async () => {
  dir = await tempDir('lookalike-horizontal');
  members = ['bank-north', 'bank-south', 'bank-online'];
  split = await splitBankMarketingHorizontal(BANK_MARKETING, join(dir, 'data'), members);
});

describe('horizontal lookalike on bank-marketing, three banks', () => {
  it('each bank finds its hidden subscribers well above random, no worse than alone, and keeps IDs, seeds and its audience', async () => {
    const spec = await exampleJob();
    const runDir = join(dir, 'run');
    let leakedFrames = 0;
    let frames = 0;
    let card: { memberLookalike?: Record<string, LookalikeReport> } | undefined;
    const recut: { ok?: { party: string; path: string; size: number }; body?: string; noMember?: number } = {};
    const result = await simulate(spec, {
      runDir, logLevel: 'info',
      // Canary: every generated ID starts with ID_PREFIX; no frame through the coordinator may hold one.
      tap: ({ bytes }) => void (frames++, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes(ID_PREFIX) && leakedFrames++),
      afterJob: async ({ url, adminKey, result: r }) => {
        card = ((await (await fetch(`${url}/v1/models/${r.model?.name}/versions/1`, { headers: { authorization: `Bearer ${adminKey}` } })).json()) as { card: typeof card }).card;
        // Re-cut one member's audience without retraining; a horizontal model needs the member named.
        const cut = (body: unknown) => fetch(`${url}/v1/models/${r.model?.name}/versions/1/audience`, { method: 'POST', headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
        recut.body = await (await cut({ audienceSize: 50, member: 'bank-south' })).text();
        recut.ok = (JSON.parse(recut.body) as { audience: typeof recut.ok }).audience;
        recut.noMember = (await cut({ audienceSize: 50 })).status;
      },
    });
    expect(result.error).toBeUndefined();
    const m = result.metrics as Record<string, number>;
    const audiences = result.audience as Record<string, { path: string; size: number }>;
    expect(Object.keys(audiences).sort()).toEqual([...members].sort());

    let found = 0;
    let hiddenTotal = 0;
    let pooledHeldOut = 0;
    let pooledFoundAt20 = 0;
    const federated: number[] = [];
    const alone: number[] = [];
    for (const member of members) {
      const f = split[member] as HorizontalMemberFiles;
      const mm = result.memberMetrics?.[member] as Record<string, number>;
      const audience = audiences[member] as { path: string; size: number };
      // The audience: at the member, the top 20% of its customers who are not seeds, best first, only its own customers.
      expect(audience.path.startsWith(join(runDir, `party-${member}`, 'audiences'))).toBe(true);
      expect(audience.size).toBe(Math.round(0.2 * (f.rows - f.seedCount)));
      const rows = (await readFile(audience.path, 'utf8')).trim().split('\n');
      expect(rows[0]).toBe('id,score,rank');
      const own = new Set((await readFile(f.data, 'utf8')).trim().split('\n').slice(1).map((l) => l.split(';')[0]));
      const seeds = new Set((await readFile(f.seeds, 'utf8')).trim().split('\n').slice(1));
      const parsed = rows.slice(1).map((l) => l.split(','));
      expect(parsed.every(([id]) => own.has(id) && !seeds.has(id as string))).toBe(true);
      expect(parsed.every(([, s], k) => k === 0 || Number(s) <= Number(parsed[k - 1]?.[1]))).toBe(true);

      // Hidden subscribers (never seeds) in this member's audience, well above random (0.20).
      const hidden = await audienceRecall(audience.path, f.hidden);
      expect(hidden.recall, member).toBeGreaterThan(0.33);
      found += hidden.found;
      hiddenTotal += hidden.total;

      // The member's own report: its seeds, held-out recall above random; its local-only model reproduced in plaintext.
      expect(mm.seedsMatched).toBe(f.seedCount);
      expect(mm.recallAt20).toBeGreaterThan(0.3);
      expect(mm.recallAt50).toBeGreaterThan(mm.recallAt20 as number);
      const local = await localOnly(member, spec, m.rounds as number);
      expect(mm.localRecallAt20).toBeCloseTo(local.heldOutRecall, 9);
      federated.push(hidden.recall);
      alone.push(local.hiddenRecall);
      pooledHeldOut += mm.seedsHeldOut as number;
      pooledFoundAt20 += Math.round((mm.recallAt20 as number) * (mm.seedsHeldOut as number));
      expect(card?.memberLookalike?.[member]?.audience).toEqual(audience);
    }
    // The re-cut: the first 50 of bank-south's ranking, written at bank-south; the reply names no customer.
    expect(recut.ok).toMatchObject({ party: 'bank-south', size: 50 });
    expect(recut.ok?.path.startsWith(join(runDir, 'party-bank-south'))).toBe(true);
    const south = (await readFile(audiences['bank-south']?.path as string, 'utf8')).trim().split('\n');
    expect((await readFile(recut.ok?.path as string, 'utf8')).trim().split('\n')).toEqual(south.slice(0, 51));
    expect(recut.body).not.toContain(ID_PREFIX);
    expect(recut.noMember).toBe(400);
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    expect(found / hiddenTotal).toBeGreaterThan(0.38);
    // The federated model against each member's model trained alone, on the ~900 hidden subscribers per member.
    expect(mean(federated)).toBeGreaterThanOrEqual(mean(alone));
    // Pooled figures: the held-out seeds the members' own audiences found over all held-out seeds.
    expect(m.recallAt20).toBeCloseTo(pooledFoundAt20 / pooledHeldOut, 12);
    expect(m.seedsHeldOut).toBe(pooledHeldOut);
    expect(m.liftAt20).toBeGreaterThan(1.6);
    expect(m.audienceSize).toBe(Object.values(audiences).reduce((s, a) => s + a.size, 0));

    // Nothing crossed the coordinator in plaintext, no log or store names a customer.
    expect(frames).toBeGreaterThan(100);
    expect(leakedFrames).toBe(0);
    for (const log of ['coordinator', ...members.map((p) => `party-${p}`)]) {
      expect(await readFile(join(runDir, 'logs', `${log}.log`), 'utf8')).not.toContain(ID_PREFIX);
    }
    for await (const file of files(runDir)) {
      if (/coordinator\.db/.test(file)) expect((await readFile(file)).includes(ID_PREFIX), file).toBe(false);
    }
  });

  it('a member\'s bad seed file fails before any exchange, naming the member, the file and the column', async () => {
    const spec = await exampleJob();
    await writeFile(join(dir, 'data', 'south-wrong-column.csv'), 'id\nbmcust-00001\n');
    (spec.parties[1] as JobSpec['parties'][number]).seeds = { path: join(dir, 'data', 'south-wrong-column.csv'), idColumn: 'customer_id' };
    const missing = await simulate(spec, { runDir: join(dir, 'run-column'), logLevel: 'warn' });
    expect(missing.error?.code).toBe('FM_ERR_DATA_COLUMN');
    expect(missing.error?.message).toContain(`party ${spec.parties[1]?.id}: south-wrong-column.csv: column "customer_id" not found`);

    // Another member's customers are not this member's: its seeds must come from its own table.
    const north = (await readFile((split[members[0] as string] as HorizontalMemberFiles).seeds, 'utf8')).trim().split('\n').slice(1, 3);
    await writeFile(join(dir, 'data', 'south-strangers.csv'), `customer_id\n${north.join('\n')}\n`);
    (spec.parties[1] as JobSpec['parties'][number]).seeds = { path: join(dir, 'data', 'south-strangers.csv'), idColumn: 'customer_id' };
    const strangers = await simulate(spec, { runDir: join(dir, 'run-strangers'), logLevel: 'warn' });
    expect(strangers.error?.code).toBe('FM_ERR_DATA_SEEDS');
    expect(strangers.error?.message).toContain('seed file south-strangers.csv, column "customer_id": 2 of 2 IDs are not customers in bank-south.csv (first on row 1)');
    expect(strangers.error?.message).not.toContain(ID_PREFIX);
  });
});
