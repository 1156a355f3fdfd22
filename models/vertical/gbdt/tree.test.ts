import { describe, expect, it } from 'vitest';
import { NO_BIN, type BinnedColumns } from './binning.ts';
import { decideRows, predictMargins, type SplitRecord, type Tree } from './tree.ts';

describe('trees: the guest walks, the owners decide', () => {
  // Root: the host's split 0; its left child a leaf, its right child the guest's split 0.
  const tree: Tree = {
    nodes: [
      { kind: 'split', party: 1, split: 0, left: 1, right: 2, gain: 3 },
      { kind: 'leaf', weight: 0.5 },
      { kind: 'split', party: 0, split: 0, left: 3, right: 4, gain: 1 },
      { kind: 'leaf', weight: -1 },
      { kind: 'leaf', weight: 2 },
    ],
  };

  it('asks each split\'s owner once per node, for the rows that reach it, and adds the leaf weights', () => {
    const asked: string[] = [];
    const answers: Record<string, number[]> = { '1/0': [1, 0, 1, 0], '0/0': [1, 0] };
    const margins = predictMargins(0.1, [tree, tree], 4, (party, split, rows) => {
      asked.push(`party ${party} split ${split}: rows ${rows.join(',')}`);
      return Uint8Array.from(answers[`${party}/${split}`] as number[]);
    });
    // Row 0, 2: host left → 0.5; row 1: host right, guest left → −1; row 3: → 2. Two trees.
    expect(Array.from(margins)).toEqual([1.1, -1.9, 1.1, 4.1]);
    expect(asked).toEqual(['party 1 split 0: rows 0,1,2,3', 'party 0 split 0: rows 1,3', 'party 1 split 0: rows 0,1,2,3', 'party 0 split 0: rows 1,3']);
  });

  it('names only the owner and an opaque id in the guest\'s tree', () => {
    for (const n of tree.nodes) expect(Object.keys(n).sort()).toEqual(n.kind === 'leaf' ? ['kind', 'weight'] : ['gain', 'kind', 'left', 'party', 'right', 'split']);
  });

  it('answers for a split from bin codes: thresholds, category sets and the default for missing', () => {
    const binned: BinnedColumns = { rows: 4, cols: 2, codes: Uint8Array.from([0, 3, 2, 1, NO_BIN, 0, 1, NO_BIN]), binCounts: Uint16Array.from([4, 4]), categorical: Uint8Array.from([0, 1]) };
    const records: SplitRecord[] = [
      { feature: 0, rule: { kind: 'threshold', bin: 1, defaultLeft: false } },
      { feature: 1, rule: { kind: 'categories', left: [0, 3], defaultLeft: true } },
    ];
    const all = Uint32Array.from([0, 1, 2, 3]);
    expect(Array.from(decideRows(records, binned, 0, all))).toEqual([1, 0, 0, 1]);
    expect(Array.from(decideRows(records, binned, 1, all))).toEqual([1, 0, 1, 1]);
    expect(Array.from(decideRows(records, binned, 1, Uint32Array.from([3, 1])))).toEqual([1, 0]);
    expect(() => decideRows(records, binned, 2, all)).toThrow('split must be a split id below 2 (got 2)');
  });
});
