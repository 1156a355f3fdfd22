// Horizontal FL benchmark: 3 members (FATE's default_credit horizontal split, 8,000 rows each),
// an MLP of ~10k parameters (23 → 256 → 16 → 1 = 10,273), one local epoch per round.
//   1. In one process, the same rounds twice, alternating: with CKKS secure aggregation (members
//      encrypt their weighted parameters, the coordinator adds ciphertexts and switches the sum to
//      the last level, members decrypt and round) and as plaintext FedAvg (float64 vectors summed
//      in the clear). Members run one after the other, as they would share this machine's cores
//      anyway; seconds per round and the ratio come from the same run. Bytes per member per round:
//      its upload plus the aggregate it receives.
//   2. End to end (`fedmark simulate` machinery: coordinator and three party processes): the
//      coordinator's seconds per round and the bytes each member's link carried per round (frame tap).
// Goals (issue 5): ≤ 2 s per round, ≤ 3× plaintext FedAvg.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { aggregateCiphertexts, ciphertextCount, createCkks, generateMemberKey, loadMemberKey } from '../protocol/secagg/ckks.ts';
import { checkJobSpec } from '../protocol/jobs/validate.ts';
import { linkCodec } from '../protocol/messages/index.ts';
import { averageFromSum, weightedUpload } from '../models/federated/fedavg.ts';
import { mlpModel } from '../models/mlp/mlp.ts';
import { parameterCount } from '../models/federated/shape.ts';
import { useBackend } from '../models/mlp/backend.ts';
import { fitStandardizer, applyStandardizer } from '../models/features/standardize.ts';
import { matrix, type Matrix } from '../models/matrix.ts';
import { auc } from '../models/metrics/auc.ts';
import { simulate } from '../coordinator/simulate.ts';
import { fate, readText } from '../data/sets.ts';

const FILES = ['guest', 'host_1', 'host_2'].map((p) => fate(`default_credit_homo_${p}`));
const HIDDEN = [256, 16];
const TRAIN = { epochs: 1, batchSize: 256, learningRate: 0.1, l2: 0.0001, mu: 0, seed: 42 };

async function table(path: string): Promise<{ x: Matrix; y: Uint8Array }> {
  const rows = (await readText(path)).trim().split(/\r?\n/).slice(1).map((l) => l.split(','));
  const cols = (rows[0] as string[]).length - 2;
  const data = new Float64Array(rows.length * cols);
  rows.forEach((r, i) => {
    for (let j = 0; j < cols; j++) data[i * cols + j] = Number(r[j + 2]);
  });
  return { x: matrix(data, rows.length, cols), y: Uint8Array.from(rows, (r) => Number(r[1])) };
}

interface InProcess { secondsPerRound: number; plainSecondsPerRound: number; ratio: number; bytesPerMemberPerRound: number; plainBytesPerMemberPerRound: number; cryptoSecondsPerRound: number; auc: number; plainAuc: number }

async function inProcess(rounds: number): Promise<InProcess> {
  const members = await Promise.all(FILES.map(table));
  const test = await table(fate('default_credit_homo_test'));
  // The pooled standardiser, as the scaling round would give it.
  const all = matrix(Float64Array.from(members.flatMap((m) => [...m.x.data])), members.reduce((s, m) => s + m.x.rows, 0), 23);
  const s = fitStandardizer(all);
  const z = members.map((m) => ({ x: applyStandardizer(s, m.x), y: m.y, rows: m.x.rows }));
  const testZ = applyStandardizer(s, test.x);
  const model = await mlpModel(23, HIDDEN);
  const ckks = await createCkks();
  const holder = generateMemberKey(ckks);
  const keys = [holder, loadMemberKey(ckks, holder.secretKeyBytes()), loadMemberKey(ckks, holder.secretKeyBytes())];
  const pooled = all.rows;
  const length = model.parameters + 1;
  const count = ciphertextCount(ckks, length);

  // Secure and plaintext rounds alternate, so that load from other work on the machine falls on both alike.
  const secure = { seconds: 0, crypto: 0, bytes: 0 };
  const plain = { seconds: 0, bytes: 0 };
  let theta = model.init(42);
  let plainTheta = model.init(42);
  for (let round = 1; round <= rounds; round++) {
    let t0 = performance.now();
    const uploads = [];
    for (const [k, m] of z.entries()) {
      const local = await model.train(theta, m.x, m.y, { ...TRAIN, round });
      const c0 = performance.now();
      uploads.push({ from: `m${k}`, blobs: (keys[k] as (typeof keys)[number]).encryptVector(weightedUpload(local.params, m.rows, pooled)) });
      secure.crypto += performance.now() - c0;
    }
    const c1 = performance.now();
    const sum = aggregateCiphertexts(ckks, uploads, count, true);
    const decrypted = keys.map((k) => k.decryptVector(sum, length));
    secure.crypto += performance.now() - c1;
    theta = averageFromSum(decrypted[0] as Float64Array, model.parameters).values;
    secure.seconds += (performance.now() - t0) / 1000;
    secure.bytes += uploads.reduce((b, u) => b + u.blobs.reduce((x, blob) => x + blob.length, 0), 0) / 3 + sum.reduce((x, blob) => x + blob.length, 0);

    t0 = performance.now();
    const vectors: Buffer[] = [];
    for (const m of z) {
      const local = await model.train(plainTheta, m.x, m.y, { ...TRAIN, round });
      vectors.push(Buffer.from(weightedUpload(local.params, m.rows, pooled).buffer));
    }
    const plainSum = new Float64Array(length);
    for (const v of vectors) {
      const f = new Float64Array(v.buffer, v.byteOffset, length);
      for (let i = 0; i < length; i++) plainSum[i]! += f[i] as number;
    }
    const wire = Buffer.from(plainSum.buffer);
    plainTheta = averageFromSum(new Float64Array(wire.buffer, wire.byteOffset, length), model.parameters).values;
    plain.seconds += (performance.now() - t0) / 1000;
    plain.bytes += vectors.reduce((b, v) => b + v.length, 0) / 3 + wire.length;
  }
  const secureAuc = auc(await model.predict(theta, testZ), test.y);
  const plainAuc = auc(await model.predict(plainTheta, testZ), test.y);
  for (const k of keys) k.dispose();
  ckks.dispose();
  return {
    secondsPerRound: secure.seconds / rounds, plainSecondsPerRound: plain.seconds / rounds, ratio: secure.seconds / plain.seconds,
    bytesPerMemberPerRound: secure.bytes / rounds, plainBytesPerMemberPerRound: plain.bytes / rounds, cryptoSecondsPerRound: secure.crypto / 1000 / rounds,
    auc: secureAuc, plainAuc,
  };
}

async function endToEnd(rounds: number): Promise<{ secondsPerRound: number; bytesPerMemberPerRound: number; auc: number }> {
  const bytes = new Map<string, number>();
  let inRounds = false;
  const checked = checkJobSpec({
    name: 'bench-hfl', kind: 'horizontal', model: 'mlp',
    parties: FILES.map((path, k) => ({ id: `m${k + 1}`, role: 'member', data: { path, idColumn: 'id', labelColumn: 'y' }, evaluation: { path: fate('default_credit_homo_test') } })),
    training: { learningRate: TRAIN.learningRate, batchSize: TRAIN.batchSize, l2: TRAIN.l2, seed: TRAIN.seed },
    federation: { rounds, localEpochs: 1, hidden: HIDDEN },
  });
  if ('problem' in checked) throw new Error(checked.problem.reason);
  const result = await simulate(checked.spec, {
    logLevel: 'warn',
    // Count the update rounds only: hfl.collect/upload/aggregate frames whose purpose is 'update'.
    tap: (e) => {
      const frame = linkCodec.decode(e.bytes, 1 << 30);
      const body = frame.body as { purpose?: string };
      inRounds = body.purpose === 'update' && frame.kind.startsWith('hfl.');
      if (inRounds) bytes.set(e.party, (bytes.get(e.party) ?? 0) + e.bytes.length);
    },
  });
  if (result.status !== 'succeeded') throw new Error(`simulate: ${result.error?.message}`);
  const perMember = [...bytes.values()].reduce((a, b) => a + b, 0) / bytes.size / rounds;
  return { secondsPerRound: result.metrics?.secondsPerRound as number, bytesPerMemberPerRound: perMember, auc: result.metrics?.auc as number };
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' }, rounds: { type: 'string' }, help: { type: 'boolean' } } });
  if (values.help) return void process.stdout.write('usage: npm run bench -- horizontal [--json] [--rounds N]   (default 5)\n');
  const rounds = Number(values.rounds ?? 5);
  const backend = await useBackend();
  process.stderr.write(`horizontal: ${rounds} rounds in process (secure and plaintext alternating), backend ${backend}...\n`);
  const a = await inProcess(rounds);
  process.stderr.write('horizontal: end to end with three party processes...\n');
  const b = await endToEnd(rounds);
  const parameters = parameterCount('mlp', 23, HIDDEN);
  const out = { members: 3, parameters, hidden: HIDDEN, rounds, backend, inProcess: a, endToEnd: b };
  if (values.json) return void process.stdout.write(`${JSON.stringify(out)}\n`);
  const kB = (n: number) => `${(n / 1000).toFixed(0)} kB`;
  process.stdout.write([
    `horizontal FL, 3 members × 8,000 rows, MLP ${[23, ...HIDDEN, 1].join('→')} (${parameters} parameters), 1 local epoch (batch ${TRAIN.batchSize}) per round, ${rounds} rounds, tfjs backend ${backend}`,
    '                              CKKS secure agg.   plaintext FedAvg   ratio',
    `  seconds per round           ${a.secondsPerRound.toFixed(3).padStart(16)}   ${a.plainSecondsPerRound.toFixed(3).padStart(16)}   ${a.ratio.toFixed(2)}×`,
    `    of which CKKS             ${a.cryptoSecondsPerRound.toFixed(3).padStart(16)}`,
    `  bytes per member per round  ${kB(a.bytesPerMemberPerRound).padStart(16)}   ${kB(a.plainBytesPerMemberPerRound).padStart(16)}   ${(a.bytesPerMemberPerRound / a.plainBytesPerMemberPerRound).toFixed(1)}×`,
    `  test AUC after ${rounds} rounds     ${a.auc.toFixed(4).padStart(16)}   ${a.plainAuc.toFixed(4).padStart(16)}`,
    `end to end (coordinator + 3 party processes): ${b.secondsPerRound.toFixed(3)} s per round, ${kB(b.bytesPerMemberPerRound)} per member per round on its link, pooled AUC ${b.auc.toFixed(4)}`,
    '',
  ].join('\n'));
}
