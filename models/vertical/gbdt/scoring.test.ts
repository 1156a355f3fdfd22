import { describe, expect, it } from 'vitest';
import { matrix } from '../../matrix.ts';
import { gbdtScorer } from './scoring.ts';

// The host owns `age` (edges 10, 20): its split 0 sends age < 10, and a missing age, left. The
// guest owns `income` (edge 100): its split 0 sends income < 100 left, a missing one right.
const host = {
  role: 'host',
  mapping: { inputNames: ['age'], columns: [{ name: 'age', inputs: [0], categorical: false }], binning: { version: 1, names: ['age'], columns: [{ kind: 'numeric', edges: [10, 20] }] } },
  splits: [{ feature: 0, rule: { kind: 'threshold', bin: 0, defaultLeft: true } }],
};
const guest = {
  role: 'guest',
  mapping: { inputNames: ['income'], columns: [{ name: 'income', inputs: [0], categorical: false }], binning: { version: 1, names: ['income'], columns: [{ kind: 'numeric', edges: [100] }] } },
  splits: [{ feature: 0, rule: { kind: 'threshold', bin: 0, defaultLeft: false } }],
  baseScore: 0.1,
  hosts: ['partner'],
  // Root: the host's split 0; left a leaf 0.5; right the guest's split 0 (left −1, right 2).
  trees: [{ nodes: [
    { kind: 'split', party: 1, split: 0, left: 1, right: 2, gain: 3 },
    { kind: 'leaf', weight: 0.5 },
    { kind: 'split', party: 0, split: 0, left: 3, right: 4, gain: 1 },
    { kind: 'leaf', weight: -1 },
    { kind: 'leaf', weight: 2 },
  ] }],
};

describe('scoring gradient-boosted trees: hosts decide, the guest walks', () => {
  const ages = matrix(Float64Array.from([5, 15, 25, Number.NaN]), 4, 1);
  const incomes = matrix(Float64Array.from([50, 150, 50, 150]), 4, 1);

  it('a host contributes one flag per split it owns, from its raw values binned as in training', () => {
    const scorer = gbdtScorer(host, 'model file');
    expect(scorer.width).toBe(1);
    expect(Array.from(scorer.contribution(ages))).toEqual([1, 0, 0, 1]);
    expect(scorer.walk).toBeUndefined();
  });

  it('the guest walks the trees with its own decisions and the host\'s into logits', () => {
    const scorer = gbdtScorer(guest, 'model file');
    const flags = gbdtScorer(host, 'model file').contribution(ages);
    // Rows 0 and 3 go left at the host (0.5); row 1 right at both (2); row 2 right, then left (−1).
    expect(Array.from(scorer.walk?.(incomes, new Map([['partner', flags]])) ?? [])).toEqual([0.6, 2.1, -0.9, 0.6]);
    expect(scorer.width).toBe(0);
  });

  it('refuses a host\'s decisions that are missing or too few, and shards that do not fit', () => {
    const scorer = gbdtScorer(guest, 'model file');
    expect(() => scorer.walk?.(incomes, new Map())).toThrow(/decisions of partner/);
    expect(() => scorer.walk?.(incomes, new Map([['partner', new Float64Array(3)]]))).toThrow(/decisions of partner/);
    expect(() => gbdtScorer({ ...guest, hosts: [] }, 'model file')).toThrow(/model file\.trees\[0\]\.nodes\[0\]/);
    expect(() => gbdtScorer({ ...host, splits: [{ feature: 3, rule: host.splits[0]?.rule }] }, 'model file')).toThrow(/model file\.splits\[0\]\.feature/);
    expect(() => gbdtScorer({ role: 'guest', mapping: guest.mapping }, 'model file')).toThrow(/gradient-boosted trees guest shard/);
  });
});
