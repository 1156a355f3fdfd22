// Vertical logistic regression benchmark: seconds and bytes on the wire per epoch of the whole
// federated protocol (a real coordinator as arbiter, one party-node process per party, loopback),
// against the plaintext reference trainer on the joined data in the same run.
//
// Cases: default_credit (UCI, FATE's vertical split: guest 13 + host 10 features, 30,000 rows;
// 70/30 hash split) and FATE's performance shape (guest 100k × 30 features with a label, host
// 100k × 300, synthetic Gaussian features, the label from a logistic model of a few columns).
// Bytes per epoch = bytes through the coordinator in the vertical job minus those of the PSI-only
// job on the same tables, divided by the epochs. Seconds per epoch: the guest's own measure
// (training wall time / epochs, feature packing included). Full-batch steps, as the defaults.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { simulate } from '../coordinator/simulate.ts';
import type { JobSpec, Training } from '../protocol/messages/jobSpec.ts';
import { readVertical } from '../data/fate.ts';
import { concatColumns, maskIndices, selectRows, type Matrix } from '../models/matrix.ts';
import { prepareFeatures } from '../models/features/prepare.ts';
import { validationMask } from '../models/split/hashSplit.ts';
import { trainLogistic } from '../models/linear/logistic.ts';
import { mulberry32 } from '../models/random.ts';
import { fate } from '../data/sets.ts';

const HELP = `usage: npm run bench -- vertical-lr [--json] [--quick] [--epochs N] [--rows N]

  --quick    default_credit and a 20,000-row FATE shape (instead of 100,000)
  --rows     rows of the synthetic FATE shape (default 100000)
  --epochs   epochs per run (default 5)
  --json     one JSON line on stdout instead of the table`;


interface CaseResult {
  name: string;
  rows: number;
  features: { guest: number; host: number };
  epochs: number;
  secondsPerEpoch: number;
  bytesPerEpoch: number;
  plaintextSecondsPerEpoch: number;
  ratioToPlaintext: number;
  auc: number;
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' }, quick: { type: 'boolean' }, epochs: { type: 'string' }, rows: { type: 'string' }, help: { type: 'boolean' } } });
  if (values.help) return void process.stdout.write(`${HELP}\n`);
  const epochs = Number(values.epochs ?? 5);
  const rows = Number(values.rows ?? (values.quick ? 20_000 : 100_000));
  const dir = await mkdtemp(join(tmpdir(), 'fedmark-bench-vlr-'));
  try {
    const training: Training = { epochs, batchSize: 1 << 20, learningRate: 1, l2: 0.001, seed: 42 };
    const results = [
      await measure('default_credit', fate('default_credit_hetero_guest'), fate('default_credit_hetero_host'), training, dir, () => {
        const d = readVertical('default_credit');
        return { ids: d.ids, y: d.y, guest: d.guest, host: d.host };
      }),
      await measureSynthetic(rows, training, dir),
    ];
    if (values.json) return void process.stdout.write(`${JSON.stringify({ benchmark: 'vertical-lr', epochs, cases: results })}\n`);
    const lines = ['case                      rows   features   s/epoch   MB/epoch   plaintext s/epoch   ratio     AUC'];
    for (const r of results) {
      lines.push(
        `${r.name.padEnd(24)} ${String(r.rows).padStart(6)}   ${`${r.features.guest}+${r.features.host}`.padStart(8)}   ${r.secondsPerEpoch.toFixed(2).padStart(7)}   ${(r.bytesPerEpoch / 1e6).toFixed(1).padStart(8)}   ${r.plaintextSecondsPerEpoch.toFixed(4).padStart(17)}   ${r.ratioToPlaintext.toFixed(0).padStart(5)}×   ${r.auc.toFixed(4)}`,
      );
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface Joined {
  ids: string[];
  y: Uint8Array;
  guest: Matrix;
  host: Matrix;
}

async function measure(name: string, guestPath: string, hostPath: string, training: Training, dir: string, load: () => Joined): Promise<CaseResult> {
  const parties: JobSpec['parties'] = [
    { id: 'guest', role: 'guest', data: { path: guestPath, idColumn: 'id', labelColumn: 'y' } },
    { id: 'host', role: 'host', data: { path: hostPath, idColumn: 'id' } },
  ];
  const spec = (kind: 'psi' | 'vertical'): JobSpec => (kind === 'vertical'
    ? { name: `bench-${name}`, kind, model: 'logistic', training, validation: { fraction: 0.3 }, parties }
    : { name: `bench-${name}`, kind, parties });
  const bytesOf = async (kind: 'psi' | 'vertical') => {
    let bytes = 0;
    process.stderr.write(`vertical-lr: ${name}: ${kind} run...\n`);
    const result = await simulate(spec(kind), { runDir: join(dir, `${name}-${kind}`), logLevel: 'warn', tap: (e) => void (bytes += e.bytes.length) });
    if (result.status !== 'succeeded') throw new Error(`${name} ${kind}: ${result.error?.code}: ${result.error?.message}`);
    return { bytes, result };
  };
  const psi = await bytesOf('psi');
  const vertical = await bytesOf('vertical');
  const m = vertical.result.metrics ?? {};

  // The plaintext reference on the joined data, same split and settings.
  const d = load();
  const mask = validationMask(d.ids.map((id) => id.trim().toLowerCase()), 0.3, training.seed);
  const tr = maskIndices(mask, 0);
  const g = prepareFeatures(selectRows(d.guest, tr));
  const h = prepareFeatures(selectRows(d.host, tr));
  const x = concatColumns(g.train, h.train);
  const y = Uint8Array.from(tr, (i) => d.y[i] as number);
  const started = performance.now();
  trainLogistic(x, y, { epochs: training.epochs, batchSize: training.batchSize, learningRate: training.learningRate, l2: training.l2, seed: training.seed, gradient: 'taylor' });
  const plaintextSecondsPerEpoch = (performance.now() - started) / 1000 / training.epochs;
  const secondsPerEpoch = m.secondsPerEpoch ?? NaN;
  return {
    name, rows: d.ids.length, features: { guest: d.guest.cols, host: d.host.cols }, epochs: m.epochs ?? training.epochs,
    secondsPerEpoch, bytesPerEpoch: (vertical.bytes - psi.bytes) / (m.epochs ?? training.epochs),
    plaintextSecondsPerEpoch, ratioToPlaintext: secondsPerEpoch / plaintextSecondsPerEpoch, auc: m.auc ?? NaN,
  };
}

/** FATE's performance shape: guest 30 features + label, host 300 features, Gaussian, same IDs. */
async function measureSynthetic(rows: number, training: Training, dir: string): Promise<CaseResult> {
  const next = mulberry32(7);
  const uniform = () => (next() + 0.5) / 4294967296;
  const gauss = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const ids = Array.from({ length: rows }, (_, i) => `cust-${(i * 2654435761 % 4294967296).toString(16)}-${i}`);
  const guest = new Float64Array(rows * 30);
  const host = new Float64Array(rows * 300);
  const y = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < 30; j++) guest[i * 30 + j] = gauss();
    for (let j = 0; j < 300; j++) host[i * 300 + j] = gauss();
    const u = 0.8 * (guest[i * 30] as number) - 0.5 * (guest[i * 30 + 1] as number) + 0.7 * (host[i * 300] as number) + 0.4 * (host[i * 300 + 1] as number) - 0.3 * (host[i * 300 + 2] as number);
    y[i] = uniform() < 1 / (1 + Math.exp(-u)) ? 1 : 0;
  }
  const write = async (file: string, x: Float64Array, cols: number, labels?: Uint8Array) => {
    const header = ['id', ...(labels ? ['y'] : []), ...Array.from({ length: cols }, (_, j) => `x${j}`)].join(',');
    const out: string[] = [header];
    for (let i = 0; i < rows; i++) {
      const cells = [ids[i] as string, ...(labels ? [String(labels[i])] : [])];
      for (let j = 0; j < cols; j++) cells.push((x[i * cols + j] as number).toFixed(4));
      out.push(cells.join(','));
    }
    await writeFile(file, `${out.join('\n')}\n`);
  };
  process.stderr.write(`vertical-lr: writing the synthetic ${rows} × (30 + 300) tables...\n`);
  await write(join(dir, 'fate-guest.csv'), guest, 30, y);
  await write(join(dir, 'fate-host.csv'), host, 300);
  return measure(`fate-shape-${rows}`, join(dir, 'fate-guest.csv'), join(dir, 'fate-host.csv'), training, dir, () => ({
    ids, y, guest: { data: guest, rows, cols: 30 }, host: { data: host, rows, cols: 300 },
  }));
}
