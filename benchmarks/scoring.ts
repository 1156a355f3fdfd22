// Scoring benchmark: a coordinator and two party processes on loopback, a vertical model trained
// on default_credit. Online: POST /v1/models/{name}/score with 1, 100, 1,000 and 10,000 IDs per
// call, sequentially, after one warm-up call that fills the parties' caches; p50 / p99 / max in ms.
// Batch: POST /v1/models/{name}/batch-score with every customer (30,000 IDs), NDJSON, read to the
// end; IDs per second. Goals (issue 4): p99 < 20 ms for 100 IDs; batch ≥ 100,000 IDs/s.
// `--model gbdt`: a 50-tree gradient-boosted model (depth 4) on breast (569 customers) instead,
// scored by the guest-combined route (hosts' decisions sealed for the guest, one more round trip);
// calls of 1 and 100 IDs. Goal (issue 14): p99 < 20 ms for 100 IDs, as for logistic regression.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { stringify as toYaml } from 'yaml';
import { hashSecret, newSecret } from '../protocol/auth/tokens.ts';
import { coordinatorConfig } from '../coordinator/config.ts';
import { startCoordinator } from '../coordinator/server.ts';
import { identityFile, partnersOf, pinIdentities } from '../coordinator/simulate.ts';
import { loadDataset } from '../party-node/data/dataset.ts';
import { fate, FATE_DIR } from '../data/sets.ts';

const CLI = fileURLToPath(new URL('../bin/fedmark.ts', import.meta.url));

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' }, repeats: { type: 'string' }, model: { type: 'string' }, help: { type: 'boolean' } } });
  if (values.help) return void process.stdout.write('usage: npm run bench -- scoring [--json] [--repeats N] [--model logistic|gbdt]   (calls per size for 1 and 100 IDs; default 300)\n');
  const trees = values.model === 'gbdt';
  if (values.model !== undefined && !trees && values.model !== 'logistic') throw new Error(`--model must be logistic or gbdt (got ${values.model})`);
  const set = trees ? 'breast' : 'default_credit';
  const repeats = Number(values.repeats ?? 300);
  const dir = await mkdtemp(join(tmpdir(), 'fedmark-bench-scoring-'));
  const tokens = { bank: newSecret('fmp'), insurer: newSecret('fmp') };
  const scientist = newSecret('fmk');
  const scorer = newSecret('fmk');
  const c = await startCoordinator(coordinatorConfig({
    port: 0, store: ':memory:', logLevel: 'silent',
    parties: Object.entries(tokens).map(([id, t]) => ({ id, tokenSha256: hashSecret(t) })),
    apiKeys: [{ id: 'sci', role: 'scientist', keySha256: hashSecret(scientist) }, { id: 'crm', role: 'scorer', keySha256: hashSecret(scorer), ratePerMinute: 1_000_000 }],
    // The bench asks for the same customers dozens of times; the per-ID limit would stop it.
    scoringPerIdPerHour: 65_535,
  }, 'bench'));
  const children: ChildProcess[] = [];
  try {
    const pins = pinIdentities(dir, Object.keys(tokens));
    for (const id of ['bank', 'insurer'] as const) {
      const file = join(dir, `${id}.yaml`);
      await writeFile(file, toYaml({
        id, coordinator: c.url.replace('http', 'ws'), dataRoots: [FATE_DIR], workDir: join(dir, id), logLevel: 'warn',
        identity: identityFile(dir, id), knownPartners: partnersOf(pins, id),
      }));
      children.push(spawn(process.execPath, ['--disable-warning=ExperimentalWarning', CLI, 'party', '--config', file], { env: { ...process.env, FEDMARK_PARTY_TOKEN: tokens[id] }, stdio: 'ignore' }));
    }
    while (!c.links.isOnline('bank') || !c.links.isOnline('insurer')) await new Promise((r) => setTimeout(r, 50));
    process.stderr.write(`scoring: training the model (${trees ? '50 trees on breast' : '5 epochs'})...\n`);
    const parties = [
      { id: 'bank', role: 'guest' as const, data: { path: fate(`${set}_hetero_guest`), idColumn: 'id', labelColumn: 'y' } },
      { id: 'insurer', role: 'host' as const, data: { path: fate(`${set}_hetero_host`), idColumn: 'id' } },
    ];
    const job = c.runner.submit(trees
      ? { name: 'bench', kind: 'vertical', model: 'gbdt', training: { trees: 50, maxDepth: 4, learningRate: 0.3, bins: 32, lambda: 1, minChildWeight: 1, minGain: 0, subsample: 1, seed: 42, maxCategories: 64, completeSecureFirstTree: false, hiddenRows: false }, validation: { fraction: 0.3 }, parties }
      : { name: 'bench', kind: 'vertical', model: 'logistic', training: { epochs: 5, batchSize: 65_536, learningRate: 1, l2: 0.001, seed: 42 }, parties });
    const view = await c.runner.waitFor(job);
    if (view.state !== 'succeeded') throw new Error(`training failed: ${view.error?.message}`);
    await fetch(`${c.url}/v1/models/bench/versions/1/publish`, { method: 'POST', headers: { authorization: `Bearer ${scientist}` } });
    const ids = (await loadDataset({ path: fate(`${set}_hetero_guest`), idColumn: 'id' }, { party: 'bench' })).rawIds;
    const score = async (batch: string[]) => {
      const started = performance.now();
      const res = await fetch(`${c.url}/v1/models/bench/score`, { method: 'POST', headers: { authorization: `Bearer ${scorer}`, 'content-type': 'application/json' }, body: JSON.stringify({ ids: batch }) });
      if (!res.ok) throw new Error(`score: ${res.status} ${await res.text()}`);
      await res.json();
      return performance.now() - started;
    };
    await score(ids.slice(0, 10));
    const rows: Array<{ ids: number; calls: number; p50Ms: number; p99Ms: number; maxMs: number; idsPerSecond: number }> = [];
    const window = Math.min(20_000, ids.length - 100);
    for (const size of trees ? [1, 100] : [1, 100, 1000, 10_000]) {
      const times: number[] = [];
      const calls = size >= 1000 ? Math.min(repeats, 30) : repeats;
      for (let r = 0; r < calls; r++) times.push(await score(ids.slice((r * size) % window, ((r * size) % window) + size)));
      times.sort((a, b) => a - b);
      const p = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] as number;
      rows.push({ ids: size, calls, p50Ms: p(0.5), p99Ms: p(0.99), maxMs: times.at(-1) as number, idsPerSecond: size / (p(0.5) / 1000) });
    }
    const batchStarted = performance.now();
    const batch = await fetch(`${c.url}/v1/models/bench/batch-score`, { method: 'POST', headers: { authorization: `Bearer ${scorer}`, 'content-type': 'application/json' }, body: JSON.stringify({ ids }) });
    const lines = (await batch.text()).split('\n').filter((l) => l.startsWith('{"id"')).length;
    if (lines !== ids.length) throw new Error(`batch returned ${lines} results for ${ids.length} IDs`);
    const batchIdsPerSec = ids.length / ((performance.now() - batchStarted) / 1000);
    const at = (n: number) => rows.find((r) => r.ids === n) as (typeof rows)[number];
    const summary = { p50Ms1: at(1).p50Ms, p99Ms1: at(1).p99Ms, p50Ms100: at(100).p50Ms, p99Ms100: at(100).p99Ms, batchIdsPerSec };
    if (values.json) return void process.stdout.write(`${JSON.stringify({ benchmark: 'scoring', model: trees ? 'gbdt' : 'logistic', ...summary, rows })}\n`);
    process.stdout.write('IDs per call   calls   p50 ms   p99 ms   max ms   IDs/s at p50\n');
    for (const r of rows) process.stdout.write(`${String(r.ids).padStart(12)}   ${String(r.calls).padStart(5)}   ${r.p50Ms.toFixed(1).padStart(6)}   ${r.p99Ms.toFixed(1).padStart(6)}   ${r.maxMs.toFixed(1).padStart(6)}   ${Math.round(r.idsPerSecond).toString().padStart(12)}\n`);
    process.stdout.write(`batch-score of ${ids.length} IDs (NDJSON): ${Math.round(batchIdsPerSec)} IDs/s   (goals: p99 < 20 ms for 100 IDs, batch ≥ 100,000 IDs/s)\n`);
  } finally {
    for (const child of children) child.kill('SIGKILL');
    await c.close();
    await rm(dir, { recursive: true, force: true });
  }
}
