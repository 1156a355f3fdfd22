// Horizontal federated learning end to end: a real coordinator (which only adds CKKS
// ciphertexts) and one party-node process per member, on FATE's horizontal split of the UCI
// default-of-credit-card data, with the common test table as every member's evaluation table.
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HorizontalJobSpec, JobSpec } from '../protocol/messages/jobSpec.ts';
import { checkJobSpec } from '../protocol/jobs/validate.ts';
import { linkCodec } from '../protocol/messages/index.ts';
import { unpackBlobs } from '../protocol/peer/blobs.ts';
import { createCkks, loadCiphertext, loadMemberKey } from '../protocol/secagg/ckks.ts';
import { TAG_SLOTS } from '../protocol/secagg/contributionTag.ts';
import { SEAL_MAGIC } from '../protocol/he/coefficients.ts';
import { fitStandardizer, applyStandardizer } from '../models/features/standardize.ts';
import { trainLogistic, predictLinear } from '../models/linear/logistic.ts';
import { localMoments } from '../models/federated/scaling.ts';
import { weightedUpload } from '../models/federated/fedavg.ts';
import { logisticModel } from '../models/federated/logisticModel.ts';
import { matrix, type Matrix } from '../models/matrix.ts';
import { auc } from '../models/metrics/auc.ts';
import { simulate } from '../coordinator/simulate.ts';
import type { FrameTap } from '../coordinator/links.ts';
import { fate, readText } from '../data/sets.ts';
import { skewedDefaultCreditRows } from '../data/fateHorizontal.ts';
import { tempDir } from './fixtures.ts';

const TEST = fate('default_credit_homo_test');
const MEMBERS = ['guest', 'host_1', 'host_2'].map((p) => fate(`default_credit_homo_${p}`));

function readTable(text: string): { header: string[]; rows: string[][] } {
  const lines = text.trim().split(/\r?\n/);
  return { header: (lines[0] as string).split(','), rows: lines.slice(1).map((l) => l.split(',')) };
}

/** Features (columns after id and y) and labels of a FATE horizontal table. */
function xy(rows: string[][]): { x: Matrix; y: Uint8Array } {
  const cols = (rows[0] as string[]).length - 2;
  const data = new Float64Array(rows.length * cols);
  rows.forEach((r, i) => {
    for (let j = 0; j < cols; j++) data[i * cols + j] = Number(r[j + 2]);
  });
  return { x: matrix(data, rows.length, cols), y: Uint8Array.from(rows, (r) => Number(r[1])) };
}

/** Plaintext logistic regression on the pooled rows, standardised on them, the same epochs and step. */
async function pooledReference(files: string[], epochs: number, learningRate: number): Promise<number> {
  const rows = (await Promise.all(files.map(async (f) => readTable(await readText(f)).rows))).flat();
  const train = xy(rows);
  const test = xy(readTable(await readText(TEST)).rows);
  const s = fitStandardizer(train.x);
  const model = trainLogistic(applyStandardizer(s, train.x), train.y, { epochs, batchSize: 1e6, learningRate, l2: 0.001, seed: 42, gradient: 'exact' });
  return auc(predictLinear(applyStandardizer(s, test.x), model.weights, model.intercept), test.y);
}

/** `settings: 'defaults'`: no training or federation section, as a job file that gives none. */
function job(name: string, files: string[], patch: Record<string, unknown> = {}, settings: 'explicit' | 'defaults' = 'explicit'): HorizontalJobSpec {
  const raw = {
    name, kind: 'horizontal', model: 'logistic',
    parties: files.map((path, k) => ({ id: `m${k + 1}`, role: 'member', data: { path, idColumn: 'id', labelColumn: 'y' }, evaluation: { path: TEST } })),
    ...(settings === 'explicit' ? {
      training: { learningRate: 0.5, batchSize: 65_536, l2: 0.001, seed: 42 },
      federation: { rounds: 30, localEpochs: 1, roundTimeoutSeconds: 60 },
    } : {}),
    ...patch,
  };
  const checked = checkJobSpec(raw);
  if ('problem' in checked) throw new Error(`${checked.problem.field}: ${checked.problem.reason}`);
  if (checked.spec.kind !== 'horizontal') throw new Error(`a ${checked.spec.kind} job`);
  return checked.spec;
}

interface Tapped { direction: 'in' | 'out'; party: string; bytes: Buffer }

function recorder(): { tap: FrameTap; frames: Tapped[] } {
  const frames: Tapped[] = [];
  return { frames, tap: (e) => frames.push({ ...e, bytes: Buffer.from(e.bytes) }) };
}

async function allLogs(runDir: string): Promise<string> {
  const dir = join(runDir, 'logs');
  return (await Promise.all((await readdir(dir)).map((f) => readFile(join(dir, f), 'utf8')))).join('\n');
}

describe('horizontal federated learning between real party nodes', () => {
  it('logistic regression: the pooled plaintext AUC, per-member and local-only metrics, a stored model; the coordinator holds no key and sees no plaintext', async () => {
    const dir = await tempDir('hfl-lr');
    // A canary in member m1's table: a feature value with unmistakable digits. It enters m1's
    // scaling upload (its Σx) and its updates; neither the value, nor m1's exact sums, nor its
    // first update (reproduced below) may show on the wire or in logs.
    const table = readTable(await readText(MEMBERS[0] as string));
    const CANARY = 1.2345678901234567;
    (table.rows[0] as string[])[2] = String(CANARY);
    const planted = join(dir, 'm1.csv');
    await writeFile(planted, [table.header.join(','), ...table.rows.map((r) => r.join(','))].join('\n') + '\n');
    const files = [planted, ...MEMBERS.slice(1)];
    const { tap, frames } = recorder();
    // After training: publish, and score three of m2's customers and a stranger through the HTTP API.
    const m2Ids = readTable(await readText(MEMBERS[1] as string)).rows.slice(0, 3).map((r) => r[0] as string);
    let scored: { results: Array<{ id: string; score: number | null; decile: number | null; status: string }> } | undefined;
    let withoutMember: { statusCode: number; body: { code: string; message: string } } | undefined;
    const afterJob = async ({ url, adminKey, scorerKey }: { url: string; adminKey: string; scorerKey: string }) => {
      const post = async (path: string, key: string, body: unknown) => {
        const res = await fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
        return { statusCode: res.status, body: (await res.json()) as never };
      };
      const card = await (await fetch(`${url}/v1/models/credit-hfl/versions/1`, { headers: { authorization: `Bearer ${adminKey}` } })).json() as { card: { lift: Array<{ count: number; lift: number }>; deciles: number[] } };
      expect(card.card.deciles).toHaveLength(9);
      expect(card.card.lift.map((r) => r.count).reduce((a, b) => a + b, 0)).toBe(18_000);
      expect(card.card.lift[0]?.lift).toBeGreaterThan(2);
      expect((await post('/v1/models/credit-hfl/versions/1/publish', adminKey, {})).statusCode).toBe(200);
      scored = (await post('/v1/models/credit-hfl/score', scorerKey, { ids: [...m2Ids, 'not-a-customer'], member: 'm2' })).body;
      withoutMember = await post('/v1/models/credit-hfl/score', scorerKey, { ids: m2Ids });
    };
    const result = await simulate(job('credit-hfl', files), { runDir: join(dir, 'run'), logLevel: 'debug', tap, afterJob });
    expect(result.error).toBeUndefined();

    const reference = await pooledReference(files, 30, 0.5);
    expect(reference).toBeGreaterThan(0.72);
    expect(Math.abs((result.metrics?.auc as number) - reference)).toBeLessThan(0.005);
    expect(result.metrics).toMatchObject({ rounds: 30, keptRound: 30, members: 3, parameters: 24, evalRows: 18_000 });
    // The evaluation loss still falls by more than the default minDelta at round 30: the cap ends the job.
    expect(result.stopped).toEqual({ reason: 'round-cap', rounds: 30, kept: 30 });
    for (const m of ['m1', 'm2', 'm3']) {
      const mm = result.memberMetrics?.[m] as Record<string, number>;
      expect(mm.evalRows).toBe(6000);
      expect(mm.trainRows).toBe(8000);
      // Every member evaluates the same test table with the same global model: one AUC, which the
      // pooled histogram AUC reproduces within its binning.
      expect(Math.abs((mm.auc as number) - (result.metrics?.auc as number))).toBeLessThan(1e-3);
      expect(mm.localAuc).toBeGreaterThan(0.7);
    }
    expect(result.model).toEqual({ name: 'credit-hfl', version: 1 });
    const stored = JSON.parse(await readFile(result.outputs.m2?.model as string, 'utf8'));
    expect(stored.params).toHaveLength(24);
    expect(stored.features).toHaveLength(23);

    // Scoring: m2 scores its own customers with the stored model; the other members never see the IDs.
    // The model's columns are in name order (x0, x1, x10, …): every member agrees on it without talking.
    const m2 = readTable(await readText(MEMBERS[1] as string));
    const order = (stored.features as string[]).map((name) => m2.header.indexOf(name));
    const rows = m2.rows.slice(0, 3).map((r) => [r[0] as string, r[1] as string, ...order.map((c) => r[c] as string)]);
    const z = applyStandardizer(stored.standardizer, xy(rows).x);
    const expected = await logisticModel(23).predict(Float64Array.from(stored.params), z);
    expect(scored?.results.map((r) => r.status)).toEqual(['ok', 'ok', 'ok', 'unscorable']);
    scored?.results.slice(0, 3).forEach((r, i) => {
      expect(r.score).toBeCloseTo(expected[i] as number, 9);
      expect(r.decile).toBeGreaterThanOrEqual(1);
    });
    expect(withoutMember?.statusCode).toBe(400);
    expect(withoutMember?.body.message).toMatch(/member: model credit-hfl is horizontal/);
    const scoreRequests = frames.filter((f) => f.direction === 'out' && linkCodec.decode(f.bytes, 64 << 20).kind === 'score.request');
    expect(scoreRequests.map((f) => f.party)).toEqual(['m2']);

    // What the coordinator received: every frame decodes; uploads are CKKS ciphertexts and nothing
    // else; relayed payloads (the secret key among them) are sealed, never a SEAL object in clear.
    const ckks = await createCkks();
    const kinds = new Set<string>();
    let uploads = 0;
    for (const f of frames.filter((t) => t.direction === 'in')) {
      const frame = linkCodec.decode(f.bytes, 64 << 20);
      kinds.add(frame.kind);
      if (frame.kind === 'hfl.upload') {
        for (const [i, blob] of unpackBlobs(frame.payload, 'upload').entries()) {
          loadCiphertext(ckks, blob, `upload ${i}`).delete();
          expect(() => loadMemberKey(ckks, blob)).toThrow();
        }
        uploads++;
      }
      if (frame.kind === 'relay.send') {
        const sealed = Buffer.from(frame.payload ?? []);
        const magic = Buffer.alloc(2);
        magic.writeUInt16LE(SEAL_MAGIC);
        expect(sealed.subarray(0, 64).includes(magic)).toBe(false);
      }
    }
    expect(uploads).toBe(3 * (1 + 30 + 1));
    expect([...kinds].filter((k) => k.startsWith('hfl.')).sort()).toEqual(['hfl.report', 'hfl.schema', 'hfl.upload']);
    // The coordinator's code adds ciphertexts with public parameters only: it imports no key API.
    const source = await readFile(new URL('../coordinator/jobs/horizontal.ts', import.meta.url), 'utf8');
    expect(source).not.toMatch(/MemberKey|generateMemberKey|loadMemberKey|Decryptor|SecretKey/);

    const m1 = xy(table.rows);
    const moments = localMoments(m1.x);
    // m1's round-1 update in plaintext, reproduced exactly: the same local step from the zero model
    // on its rows, standardised with the pooled standardiser it stored (decrypted and rounded sums),
    // weighted by its 8,000 of 24,000 rows. These numbers went to the coordinator only encrypted.
    const m1Model = JSON.parse(await readFile(result.outputs.m1?.model as string, 'utf8'));
    const cols = (m1Model.features as string[]).map((name) => table.header.indexOf(name));
    const canonical = xy(table.rows.map((r) => [r[0] as string, r[1] as string, ...cols.map((c) => r[c] as string)]));
    const round1 = await logisticModel(23).train(new Float64Array(24), applyStandardizer(m1Model.standardizer, canonical.x), canonical.y, {
      epochs: 1, batchSize: 65_536, learningRate: 0.5, l2: 0.001, mu: 0, seed: 42, round: 1,
    });
    const update = weightedUpload(Float64Array.of(...round1.params, round1.loss), 8000, 24_000);
    // The reproduction is faithful: replaying all 30 rounds in plaintext from it lands on the
    // federated model m1 stored (up to the 2^-20 rounding of each decrypted sum).
    const members = await Promise.all(files.map(async (f) => {
      const t = readTable(await readText(f));
      const at = (m1Model.features as string[]).map((name) => t.header.indexOf(name));
      const d = xy(t.rows.map((r) => [r[0] as string, r[1] as string, ...at.map((c) => r[c] as string)]));
      return { x: applyStandardizer(m1Model.standardizer, d.x), y: d.y };
    }));
    let theta = new Float64Array(24);
    for (let round = 1; round <= 30; round++) {
      const sum = new Float64Array(25);
      for (const m of members) {
        const local = await logisticModel(23).train(theta, m.x, m.y, { epochs: 1, batchSize: 65_536, learningRate: 0.5, l2: 0.001, mu: 0, seed: 42, round });
        weightedUpload(local.params, m.x.rows, 24_000).forEach((v, i) => (sum[i]! += v));
      }
      theta = sum.subarray(0, 24).map((v) => v / (sum[24] as number));
    }
    theta.forEach((v, i) => expect(Math.abs(v - (m1Model.params[i] as number))).toBeLessThan(1e-4));
    const needles = [CANARY, moments[23] as number, moments[46] as number, ...update.subarray(0, 25)].flatMap((v) => {
      // float64 bytes and the first ten characters of the decimal form (a 4-byte float32 would match
      // megabytes of ciphertext by chance now and then).
      const b = Buffer.alloc(8);
      b.writeDoubleLE(v);
      return [b, Buffer.from(String(v).slice(0, 10))];
    });
    const wire = Buffer.concat(frames.map((f) => f.bytes));
    const logs = Buffer.from(await allLogs(join(dir, 'run')));
    for (const needle of needles) {
      expect(wire.includes(needle)).toBe(false);
      expect(logs.includes(needle)).toBe(false);
    }
    ckks.dispose();
  });

  it('MLP (tfjs, wasm backend): at least as good as federated logistic regression', async () => {
    const dir = await tempDir('hfl-mlp');
    const spec = job('credit-mlp', MEMBERS, {
      model: 'mlp',
      training: { learningRate: 0.15, batchSize: 128, l2: 0.0001, seed: 42 },
      federation: { ...job('x', MEMBERS).federation!, rounds: 4, hidden: [32, 16] },
    });
    const result = await simulate(spec, { runDir: join(dir, 'run'), logLevel: 'warn' });
    expect(result.error).toBeUndefined();
    expect(result.metrics?.parameters).toBe(23 * 32 + 32 + 32 * 16 + 16 + 17);
    // Federated logistic regression lands within 0.005 of this plaintext reference (test above).
    const logistic = await pooledReference(MEMBERS, 30, 0.5);
    expect(result.metrics?.auc).toBeGreaterThan(logistic + 0.005);
    const stored = JSON.parse(await readFile(result.outputs.m1?.model as string, 'utf8'));
    expect(stored.model).toEqual({ kind: 'mlp', layers: [23, 32, 16, 1], activation: 'relu', output: 'sigmoid' });
  });

  it('non-IID members of very different sizes, default settings: the stopping rule ends the job within 0.003 AUC of pooled training, above every member alone', async () => {
    const dir = await tempDir('hfl-noniid');
    // data/fateHorizontal.ts: from the real rows, a large member with mostly low credit limits
    // (x0), a middle one mostly middle, a small one mostly high (90% own tertile).
    const { header, members } = skewedDefaultCreditRows();
    const files: string[] = [];
    for (const [k, rows] of members.entries()) {
      const path = join(dir, `member-${k + 1}.csv`);
      await writeFile(path, [header.join(','), ...rows.map((r) => r.join(','))].join('\n') + '\n');
      files.push(path);
    }
    const result = await simulate(job('credit-noniid', files, {}, 'defaults'), { runDir: join(dir, 'run'), logLevel: 'warn' });
    expect(result.error).toBeUndefined();
    expect(result.stopped?.reason).toBe('converged');
    expect(result.metrics?.rounds).toBe(result.stopped?.rounds);
    expect(result.metrics?.keptRound).toBe(result.stopped?.kept);
    const federated = result.metrics?.auc as number;
    // Logistic regression trained to convergence on the pooled rows (1,000 full-batch steps at learning rate 1).
    expect(Math.abs(federated - await pooledReference(files, 1000, 1))).toBeLessThan(0.003);
    for (const m of ['m1', 'm2', 'm3']) expect(federated).toBeGreaterThan(result.memberMetrics?.[m]?.localAuc as number);
  });

  it('a member killed mid-round: the round completes with the others, the job reports its final AUC', async () => {
    const dir = await tempDir('hfl-dropout');
    const children = new Map<string, import('node:child_process').ChildProcess>();
    let killed = false;
    const tap: FrameTap = (e) => {
      if (killed || e.direction !== 'out' || e.party !== 'm4') return;
      const frame = linkCodec.decode(e.bytes, 64 << 20);
      if (frame.kind === 'hfl.collect' && (frame.body as { round: number }).round === 3) {
        killed = true;
        children.get('m4')?.kill('SIGKILL');
      }
    };
    // Four members (the first table split in two), so that three contributions remain after the dropout.
    const first = readTable(await readText(MEMBERS[0] as string));
    const halves = [0, 1].map((h) => join(dir, `half-${h}.csv`));
    for (const [h, path] of halves.entries()) {
      await writeFile(path, [first.header.join(','), ...first.rows.filter((_, i) => i % 2 === h).map((r) => r.join(','))].join('\n') + '\n');
    }
    const files = [...halves, ...MEMBERS.slice(1)];
    const spec = job('credit-dropout', files, { federation: { ...job('x', MEMBERS).federation!, rounds: 5, onDropout: 'continue', minMembers: 3 } });
    const result = await simulate(spec, { runDir: join(dir, 'run'), logLevel: 'info', tap, onSpawn: (party, child) => children.set(party, child) });
    expect(killed).toBe(true);
    expect(result.error).toBeUndefined();
    expect(result.dropped).toEqual(['m4']);
    expect(Object.keys(result.memberMetrics ?? {}).sort()).toEqual(['m1', 'm2', 'm3']);
    expect(result.metrics?.members).toBe(3);
    expect(result.metrics?.evalRows).toBe(18_000);
    expect(result.metrics?.auc).toBeGreaterThan(0.7);
    const log = await readFile(join(dir, 'run', 'logs', 'coordinator.log'), 'utf8');
    expect(log).toMatch(/member dropped out/);
  });

  it('onDropout: wait — a member stalled mid-round holds the round until it answers, then the job resumes with everyone', async () => {
    const dir = await tempDir('hfl-wait');
    const children = new Map<string, import('node:child_process').ChildProcess>();
    let stalled = false;
    const tap: FrameTap = (e) => {
      if (stalled || e.direction !== 'out' || e.party !== 'm3') return;
      const frame = linkCodec.decode(e.bytes, 64 << 20);
      if (frame.kind === 'hfl.collect' && (frame.body as { round: number }).round === 2) {
        stalled = true;
        const child = children.get('m3');
        child?.kill('SIGSTOP');
        setTimeout(() => child?.kill('SIGCONT'), 2000);
      }
    };
    const spec = job('credit-wait', MEMBERS, { federation: { ...job('x', MEMBERS).federation!, rounds: 3, onDropout: 'wait', roundTimeoutSeconds: 1 } });
    const result = await simulate(spec, { runDir: join(dir, 'run'), logLevel: 'info', tap, onSpawn: (party, child) => children.set(party, child) });
    expect(stalled).toBe(true);
    expect(result.error).toBeUndefined();
    expect(result.dropped).toBeUndefined();
    expect(result.metrics?.members).toBe(3);
    expect(result.metrics?.auc).toBeGreaterThan(0.7);
    expect(await readFile(join(dir, 'run', 'logs', 'coordinator.log'), 'utf8')).toMatch(/"party":"m3","round":2,"online":true,"msg":"waiting for a member"/);
  });

  it('with dp, only the clipped and noised parameters are aggregated: no moments, no loss slot, no score histograms', async () => {
    const dir = await tempDir('hfl-dp');
    const breast = ['breast_homo_guest', 'breast_homo_host', 'breast_homo_test'].map((f) => fate(f));
    // The noise is drawn from the OS CSPRNG, so the run cannot be seeded: a small multiplier keeps
    // "the members still learn" (AUC > 0.5 below) a property of the protocol, not of the draw.
    const spec = job('breast-dp', breast, { federation: { rounds: 3, roundTimeoutSeconds: 60, dp: { clip: 1, noiseMultiplier: 0.1, delta: 1e-5 } } });
    for (const p of spec.parties) p.evaluation = { path: breast[2] as string };
    const { tap, frames } = recorder();
    // Without pooled histograms the model has no decile cuts: scores come back without a decile.
    const ids = readTable(await readText(breast[0] as string)).rows.slice(0, 2).map((r) => r[0] as string);
    let scored: Array<{ score: number | null; decile: number | null; status: string }> = [];
    const afterJob = async ({ url, adminKey, scorerKey }: { url: string; adminKey: string; scorerKey: string }) => {
      const post = (path: string, key: string, body: unknown) => fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect((await post('/v1/models/breast-dp/versions/1/publish', adminKey, {})).status).toBe(200);
      scored = ((await (await post('/v1/models/breast-dp/score', scorerKey, { ids, member: 'm1' })).json()) as { results: typeof scored }).results;
    };
    const result = await simulate(spec, { runDir: join(dir, 'run'), logLevel: 'warn', tap, afterJob });
    expect(result.error).toBeUndefined();
    expect(scored.map((r) => [r.status, r.decile, typeof r.score])).toEqual([['ok', null, 'number'], ['ok', null, 'number']]);
    const decoded = frames.map((f) => ({ direction: f.direction, frame: linkCodec.decode(f.bytes, 64 << 20) }));
    const asked = decoded.filter((d) => d.direction === 'out' && d.frame.kind === 'hfl.collect').map((d) => d.frame.body as { purpose: string; values: number });
    expect(new Set(asked.map((b) => b.purpose))).toEqual(new Set(['update']));
    // 30 weights and the intercept, the weight slot, the contribution tag: no training-loss slot.
    expect(new Set(asked.map((b) => b.values))).toEqual(new Set([31 + 1 + TAG_SLOTS]));
    const uploads = decoded.filter((d) => d.direction === 'in' && d.frame.kind === 'hfl.upload').map((d) => (d.frame.body as { purpose: string }).purpose);
    expect(uploads).toEqual(Array(9).fill('update'));
    expect(result.metrics?.dpEpsilon).toBeGreaterThan(0);
    expect(result.metrics?.auc).toBeUndefined();
    expect(result.metrics?.evalRows).toBe(3 * 114);
    // Each member standardised with its own rows' statistics: nothing pooled them.
    const own = readTable(await readText(breast[0] as string));
    const stored = JSON.parse(await readFile(result.outputs.m1?.model as string, 'utf8'));
    const x0 = own.rows.map((r) => Number(r[own.header.indexOf('x0')]));
    expect(stored.standardizer.mean[(stored.features as string[]).indexOf('x0')]).toBeCloseTo(x0.reduce((a, b) => a + b, 0) / x0.length, 9);
    for (const m of ['m1', 'm2', 'm3']) expect(result.memberMetrics?.[m]?.auc).toBeGreaterThan(0.5);
  });

  it('schema disagreement fails the job before any aggregation, naming the member and the column', async () => {
    const dir = await tempDir('hfl-schema');
    const withoutX7 = async (source: string, out: string) => {
      const t = readTable(await readText(source));
      const drop = t.header.indexOf('x7');
      await writeFile(out, [t.header.filter((_, i) => i !== drop).join(','), ...t.rows.map((r) => r.filter((_, i) => i !== drop).join(','))].join('\n') + '\n');
      return out;
    };
    const spec = job('credit-schema', [MEMBERS[0] as string, await withoutX7(MEMBERS[1] as string, join(dir, 'no-x7.csv')), MEMBERS[2] as string]);
    (spec.parties[1] as JobSpec['parties'][number]).evaluation = { path: await withoutX7(TEST, join(dir, 'test-no-x7.csv')) };
    const { tap, frames } = recorder();
    const result = await simulate(spec, { runDir: join(dir, 'run'), logLevel: 'warn', tap });
    expect(result.error?.code).toBe('FM_ERR_HFL_SCHEMA');
    expect(result.error?.message).toBe('member m2: column "x7": missing (member m1 has it)');
    expect(frames.some((f) => f.direction === 'in' && linkCodec.decode(f.bytes, 64 << 20).kind === 'hfl.upload')).toBe(false);
  });
});
