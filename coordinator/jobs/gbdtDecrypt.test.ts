// The arbiter's policy with gradient-boosted trees' rules: what a guest (or a host) that tries to
// get more decrypted than the protocol's masked histograms is refused.
import { describe, expect, it } from 'vitest';
import { refusalReason } from './refusal.fixture.ts';
import { histogramPositions, makeHistogramLayout } from '../../protocol/he/histogram.ts';
import { innerProductLayouts } from '../../protocol/vertical/encrypted.ts';
import { gbdt } from '../../models/vertical/gbdt/index.ts';
import { DecryptPolicy } from './decryptPolicy.ts';

const N = 8192;
const parties = ['bank', 'insurer', 'broker'];
// Host bins: 10 columns of 32 and 3 of 20; 400 rows per ciphertext, so T = 20 bins per result.
const bins = [320, 60];
const chunkRows = 400;
const layouts = [makeHistogramLayout(N, 1000, [254, 66], chunkRows), makeHistogramLayout(N, 1000, [60], chunkRows)];
const policy = (training: Record<string, unknown> = {}) =>
  new DecryptPolicy({ job: 'job-1', parties, rules: gbdt.arbiter.rules({ parties, sections: { training: { trees: 3, maxDepth: 2, ...training } }, layouts: innerProductLayouts(N) }) });
const step = (tree: number, node: number, over: Record<string, unknown> = {}) => ({ tree, node, rows: 1000, chunkRows, bins, ...over });
/** Every result of a node, host by host: the bins' positions of each. */
const all = () => layouts.flatMap((l) => Array.from({ length: l.groups }, (_, g) => histogramPositions(l, g)));

const reason = refusalReason;

describe('the arbiter with gradient-boosted trees', () => {
  it('gives the guest each host\'s histogram positions once per node, in order, without waiting for hosts that never ask', () => {
    const p = policy();
    const results = all();
    expect(results).toHaveLength(16 + 3);
    expect(reason(() => p.admit('bank', step(0, 0), 0, results.slice(0, 10)))).toBeUndefined();
    expect(reason(() => p.admit('bank', step(0, 0), 10, results.slice(10)))).toBeUndefined();
    for (let node = 1; node < 7; node++) expect(reason(() => p.admit('bank', step(0, node), 0, results))).toBeUndefined();
    expect(reason(() => p.admit('bank', step(1, 0), 0, results))).toBeUndefined();
  });

  it('refuses a result twice, more results than the node has, and positions other than the bins\'', () => {
    const p = policy();
    const results = all();
    expect(reason(() => p.admit('bank', step(0, 0), 0, results.slice(0, 1)))).toBeUndefined();
    expect(reason(() => p.admit('bank', step(0, 0), 0, results.slice(0, 1)))).toMatch(/already decrypted/);
    expect(reason(() => p.admit('bank', step(0, 0), results.length, [results[0] as number[]]))).toMatch(/over that quota/);
    // A host's ciphertext at every coefficient, or at positions shifted by one row.
    expect(reason(() => p.admit('bank', step(0, 0), 1, [Array.from({ length: N }, (_, i) => i)]))).toMatch(/only the 20 result positions/);
    expect(reason(() => p.admit('bank', step(0, 0), 1, [(results[1] as number[]).map((q) => q - 1)]))).toMatch(/only the 20 result positions/);
  });

  it('refuses hosts, other bin counts, steps past the trees or the depth, going back, and the first tree when it is the guest\'s alone', () => {
    const p = policy();
    expect(reason(() => p.admit('insurer', step(0, 0), 0, all()))).toMatch(/only the guest/);
    expect(reason(() => p.admit('bank', step(0, 0), 0, all().slice(0, 1)))).toBeUndefined();
    // More bins claimed for a host (to be given more positions) than it declared in the job's first step.
    expect(reason(() => p.admit('bank', step(0, 1, { bins: [640, 60] }), 0, all()))).toMatch(/bin counts differ/);
    expect(reason(() => p.admit('bank', step(0, 1, { bins: [320] }), 0, all()))).toMatch(/1 bin counts for a job of 2 hosts/);
    expect(reason(() => p.admit('bank', step(3, 0), 0, all()))).toMatch(/past the job's 3 trees/);
    expect(reason(() => p.admit('bank', step(0, 7), 0, all()))).toMatch(/past the 7 nodes/);
    expect(reason(() => p.admit('bank', step(1, 0), 0, all()))).toBeUndefined();
    expect(reason(() => p.admit('bank', step(0, 2), 0, all()))).toMatch(/comes after/);
    expect(reason(() => policy({ completeSecureFirstTree: true }).admit('bank', step(0, 0), 0, all()))).toMatch(/guest's features only/);
    expect(reason(() => p.admit('bank', { epoch: 0, batch: 0, rows: 10, counts: [1, 1, 1] }, 0, all()))).toMatch(/not one of gradient-boosted trees/);
  });
});
