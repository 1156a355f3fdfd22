// Vertical gradient-boosted trees end to end: a real coordinator (the arbiter) and real party
// processes, PSI, then trees grown over BFV-encrypted histograms. The federated model must be the
// plaintext reference's (models/vertical/gbdt/trainer.ts) on the same rows with the same settings:
// histogram sums are exact integers on the same grid, so the AUCs agree within 0.002 (in practice
// exactly). The hosts' ledgers show what left them: sealed messages to the guest, nothing
// for the arbiter to decrypt.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { VerticalJobSpec } from '../protocol/messages/jobSpec.ts';
import type { GbdtTraining } from '../models/vertical/gbdt/settings.ts';
import { referenceOptions } from '../models/vertical/gbdt/settings.ts';
import { predictGbdt, trainGbdt } from '../models/vertical/gbdt/trainer.ts';
import { readVertical } from '../data/fate.ts';
import { validationMask } from '../models/split/hashSplit.ts';
import { maskIndices, selectRows, type Matrix } from '../models/matrix.ts';
import { auc } from '../models/metrics/auc.ts';
import { simulate } from '../coordinator/simulate.ts';
import { ledgerPath, readLedger } from '../party-node/audit/ledger.ts';
import { fate } from '../data/sets.ts';
import { splitBreastHost, tempDir } from './fixtures.ts';
import { chromiumInstalled, launchChromium, signIn, tableCells } from './browser.fixture.ts';

const SHOTS = fileURLToPath(new URL('../.fedmark/e2e-screenshots/', import.meta.url));
/** The dashboard check runs off CI only where Chromium is installed; CI installs it. */
const BROWSER = process.env.CI === 'true' || chromiumInstalled();

/** Parties start on a loaded 2-core machine: one may take longer than the default 30 s to connect. */
const CONNECT_MS = 90_000;

const BASE: GbdtTraining = {
  trees: 50, maxDepth: 4, learningRate: 0.3, bins: 32, lambda: 1, minChildWeight: 1, minGain: 0, subsample: 1, seed: 42, maxCategories: 64,
  completeSecureFirstTree: false, hiddenRows: false,
};

/** The plaintext reference on the same hash split: each party's own columns, the same settings. */
function referenceAuc(prefix: string, training: GbdtTraining, hosts: number[][] = []): number {
  const d = readVertical(prefix);
  const mask = validationMask(d.ids, 0.3, training.seed);
  const tr = maskIndices(mask, 0);
  const ev = maskIndices(mask, 1);
  const hostParts = hosts.length === 0 ? [d.host] : hosts.map((cols) => columns(d.host, cols));
  const parties = [d.guest, ...hostParts];
  const model = trainGbdt(parties.map((x) => ({ x: selectRows(x, tr) })), Uint8Array.from(tr, (i) => d.y[i] as number), referenceOptions(training));
  return auc(predictGbdt(model, parties.map((x) => selectRows(x, ev))), Uint8Array.from(ev, (i) => d.y[i] as number));
}

function columns(x: Matrix, cols: number[]) {
  const data = new Float64Array(x.rows * cols.length);
  for (let i = 0; i < x.rows; i++) cols.forEach((j, k) => (data[i * cols.length + k] = x.data[i * x.cols + j] as number));
  return { data, rows: x.rows, cols: cols.length };
}

function job(name: string, guest: string, hosts: string[], training: GbdtTraining): VerticalJobSpec {
  return {
    name, kind: 'vertical', model: 'gbdt', training, validation: { fraction: 0.3 },
    parties: [
      { id: 'bank', role: 'guest', data: { path: guest, idColumn: 'id', labelColumn: 'y' } },
      ...hosts.map((path, k) => ({ id: `partner${k + 1}`, role: 'host' as const, data: { path, idColumn: 'id' } })),
    ],
  };
}

/** What left a host, from its own ledger: kinds by recipient. */
function hostLedger(runDir: string, party: string, job: string): { kinds: Set<string>; to: Set<string> } {
  const entries = readLedger(ledgerPath(join(runDir, `party-${party}`))).filter((e) => e.job === job);
  return { kinds: new Set(entries.map((e) => e.kind)), to: new Set(entries.filter((e) => e.kind === 'relay.send').map((e) => e.to)) };
}

describe('vertical gradient-boosted trees between real party nodes', () => {
  it('breast: the reference\'s AUC, a registered model, shards at each party, and nothing for the arbiter from the host', async () => {
    const dir = await tempDir('gbdt-breast');
    const training = { ...BASE, trees: 8, maxDepth: 3 };
    let card: { importance?: Array<{ party: string; columns: number; splits: number; gainShare: number; features?: Array<{ name: string; splits: number }> }>; featuresByParty: Record<string, string[]> } | undefined;
    let shown: { parties: string[][]; features: string[][] } | undefined;
    const result = await simulate(job('breast-trees', fate('breast_hetero_guest'), [fate('breast_hetero_host')], training), {
      runDir: join(dir, 'run'), logLevel: 'info', connectTimeoutMs: CONNECT_MS,
      afterJob: async ({ url, adminKey }) => {
        const res = await fetch(`${url}/v1/models/breast-trees/versions/1`, { headers: { authorization: `Bearer ${adminKey}` } });
        card = ((await res.json()) as { card: typeof card }).card;
        if (BROWSER) shown = await importanceOnDashboard(url, adminKey);
      },
    });
    expect(result.error).toBeUndefined();
    // The card: each party's share of the split gain; the guest's columns by name, the host's as counts.
    const [bankShare, hostShare] = card?.importance ?? [];
    expect(bankShare).toMatchObject({ party: 'bank', columns: 10 });
    expect(bankShare?.features?.map((f) => f.name)).toEqual(card?.featuresByParty.bank);
    expect(hostShare).toMatchObject({ party: 'partner1', columns: 20 });
    expect(hostShare).not.toHaveProperty('features');
    expect((bankShare?.gainShare as number) + (hostShare?.gainShare as number)).toBeCloseTo(1, 9);
    expect(hostShare?.splits).toBeGreaterThan(0);
    if (BROWSER) {
      // The dashboard's card: both parties with their shares; the bank's split columns by name, the host's none.
      expect(shown?.parties).toEqual(card?.importance?.map((p) => [p.party, String(p.columns), String(p.splits), `${(p.gainShare * 100).toFixed(1)}%`]));
      const split = bankShare?.features?.filter((f) => f.splits > 0).map((f) => f.name) ?? [];
      expect(split.length).toBeGreaterThan(0);
      expect(shown?.features.map((r) => r[0]).sort()).toEqual([...split].sort());
    }
    const reference = referenceAuc('breast', training);
    expect(reference).toBeGreaterThan(0.98);
    expect(Math.abs((result.metrics?.auc as number) - reference)).toBeLessThanOrEqual(0.002);
    expect(result.metrics?.epochs).toBe(8);
    expect(result.model).toEqual({ name: 'breast-trees', version: 1 });

    const shard = (party: string) => readFile(join(dir, 'run', `party-${party}`, 'models', 'breast-trees', `${result.job}.json`), 'utf8').then(JSON.parse);
    const [guest, host] = await Promise.all([shard('bank'), shard('partner1')]);
    expect(guest).toMatchObject({ kind: 'vertical', model: 'gbdt', role: 'guest' });
    expect(guest.trees).toHaveLength(8);
    // The guest's trees name a host's split by id only; the host keeps the column and rule.
    const hostSplits = guest.trees.flatMap((t: { nodes: Array<{ kind: string; party?: number; split?: number }> }) => t.nodes.filter((n) => n.kind === 'split' && n.party === 1));
    expect(hostSplits.length).toBeGreaterThan(0);
    expect(hostSplits.every((n: Record<string, unknown>) => !('feature' in n) && !('rule' in n))).toBe(true);
    expect(host).toMatchObject({ kind: 'vertical', model: 'gbdt', role: 'host' });
    expect(host.splits.length).toBe(Math.max(...hostSplits.map((n: { split: number }) => n.split)) + 1);
    expect(host).not.toHaveProperty('trees');

    // The host asked the arbiter for nothing and sent its histograms (masked ciphertexts) and split flags sealed to the guest only.
    const ledger = hostLedger(join(dir, 'run'), 'partner1', result.job);
    expect(ledger.kinds.has('he.decrypt')).toBe(false);
    expect([...ledger.to]).toEqual(['bank']);
    const hostLog = await readFile(join(dir, 'run', 'logs', 'party-partner1.log'), 'utf8');
    expect(hostLog).not.toMatch(/"(evalAuc|evalLoss|labels?)"/);
  }, 300_000);

  it('breast over two hosts with hidden rows, one on worker threads: the three-party reference\'s AUC; the hosts never get a node\'s rows', async () => {
    const dir = await tempDir('gbdt-hidden');
    const hosts = await splitBreastHost(dir);
    const training = { ...BASE, trees: 4, maxDepth: 3, hiddenRows: true };
    // One host computes its histograms on a pool of two worker threads: the same results, byte for byte.
    const result = await simulate(job('breast-hidden', fate('breast_hetero_guest'), hosts, training), {
      runDir: join(dir, 'run'), logLevel: 'warn', connectTimeoutMs: CONNECT_MS, partyOverrides: { partner2: { histogramThreads: 2 } },
    });
    expect(result.error).toBeUndefined();
    const reference = referenceAuc('breast', training, [Array.from({ length: 10 }, (_, j) => j), Array.from({ length: 10 }, (_, j) => 10 + j)]);
    expect(Math.abs((result.metrics?.auc as number) - reference)).toBeLessThanOrEqual(0.002);
    for (const host of ['partner1', 'partner2']) {
      const ledger = hostLedger(join(dir, 'run'), host, result.job);
      expect(ledger.kinds.has('he.decrypt')).toBe(false);
      expect([...ledger.to]).toEqual(['bank']);
    }
  }, 300_000);

  it('complete secure first tree: the first tree splits on the guest\'s columns only, and the model still learns', async () => {
    const dir = await tempDir('gbdt-first');
    const training = { ...BASE, trees: 3, maxDepth: 2, completeSecureFirstTree: true };
    const result = await simulate(job('breast-first', fate('breast_hetero_guest'), [fate('breast_hetero_host')], training), { runDir: join(dir, 'run'), logLevel: 'warn', connectTimeoutMs: CONNECT_MS });
    expect(result.error).toBeUndefined();
    expect(result.metrics?.auc).toBeGreaterThan(0.95);
    const guest = JSON.parse(await readFile(join(dir, 'run', 'party-bank', 'models', 'breast-first', `${result.job}.json`), 'utf8'));
    const parties = (t: { nodes: Array<{ kind: string; party?: number }> }) => t.nodes.filter((n) => n.kind === 'split').map((n) => n.party);
    expect(new Set(parties(guest.trees[0]))).toEqual(new Set([0]));
    expect(guest.trees.slice(1).flatMap(parties)).toContain(1);
  }, 300_000);
});

/** The model card in the dashboard: the importance tables' cells, and a screenshot for the docs. */
async function importanceOnDashboard(url: string, key: string): Promise<{ parties: string[][]; features: string[][] }> {
  await mkdir(SHOTS, { recursive: true });
  const chromium = await launchChromium();
  try {
    const page = await signIn(chromium.browser, url, key);
    await page.goto(`${url}/ui/#/models/breast-trees/1`);
    await page.waitForSelector('#importance-features');
    // The last column of each table is the share drawn as a bar: no text.
    const shown = { parties: (await tableCells(page, '#importance-parties')).map((r) => r.slice(0, 4)), features: (await tableCells(page, '#importance-features')).map((r) => r.slice(0, 3)) };
    await page.locator('#importance').screenshot({ path: join(SHOTS, 'model-gbdt-importance.png') });
    return shown;
  } finally {
    await chromium.close();
  }
}
