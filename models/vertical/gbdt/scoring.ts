// Scoring with a gradient-boosted tree model. A host's contribution for a row is its split
// decisions: one flag per split it owns (1 = left), from its current raw values binned with the
// binning it trained with. The guest's shard walks the trees with its own decisions and the
// hosts' (walk), so the logits are combined at the guest: the hosts' flags are sealed for it and
// the coordinator sees nothing but the logits (docs/security.md, "Scoring a gradient-boosted tree model").
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { FedmarkError } from '../../../errors/table.ts';
import type { Matrix } from '../../matrix.ts';
import type { ScoringShard } from '../model.ts';
import { applyPartyBinning, checkPartyBinning, type BinnedColumns } from './binning.ts';
import { collapse, type GbdtColumn } from './features.ts';
import { decideRows, predictMargins, type SplitRecord, type Tree } from './tree.ts';

const Index = Type.Integer({ minimum: 0 });
const SplitRecordSchema = Type.Object({
  feature: Index,
  rule: Type.Union([
    Type.Object({ kind: Type.Literal('threshold'), bin: Index, defaultLeft: Type.Boolean() }),
    Type.Object({ kind: Type.Literal('categories'), left: Type.Array(Index), defaultLeft: Type.Boolean() }),
  ]),
});
const MappingSchema = Type.Object({
  inputNames: Type.Array(Type.String()),
  columns: Type.Array(Type.Object({ name: Type.String(), inputs: Type.Array(Index, { minItems: 1 }), categorical: Type.Boolean() })),
  binning: Type.Unknown(),
});
const HostShardSchema = Type.Object({ mapping: MappingSchema, splits: Type.Array(SplitRecordSchema) });
const TreeSchema = Type.Object({
  nodes: Type.Array(Type.Union([
    Type.Object({ kind: Type.Literal('split'), party: Index, split: Index, left: Index, right: Index, gain: Type.Number() }),
    Type.Object({ kind: Type.Literal('leaf'), weight: Type.Number() }),
  ]), { minItems: 1 }),
});
const GuestShardSchema = Type.Object({
  mapping: MappingSchema,
  splits: Type.Array(SplitRecordSchema),
  baseScore: Type.Number(),
  trees: Type.Array(TreeSchema),
  /** The hosts in the job's order: party k + 1 of a split node is hosts[k]. */
  hosts: Type.Array(Type.String({ minLength: 1 })),
});

/** The party's raw rows (one-hot as loaded) as bin codes, with the mapping it trained with. */
function binner(param: string, mapping: { inputNames: string[]; columns: GbdtColumn[]; binning: unknown }, records: readonly SplitRecord[]): (x: Matrix) => BinnedColumns {
  const binning = checkPartyBinning(`${param}.mapping.binning`, mapping.binning);
  const cols = mapping.columns.length;
  if (binning.columns.length !== cols) throw new FedmarkError('FM_ERR_MODEL_INPUT', { param: `${param}.mapping`, expected: `${cols} binned columns`, got: String(binning.columns.length) });
  const inputs = mapping.inputNames.length;
  if (mapping.columns.some((c) => c.inputs.some((j) => j >= inputs))) throw new FedmarkError('FM_ERR_MODEL_INPUT', { param: `${param}.mapping.columns`, expected: `input indices below ${inputs}`, got: 'a larger one' });
  const bad = records.findIndex((r) => r.feature >= cols);
  if (bad >= 0) throw new FedmarkError('FM_ERR_MODEL_INPUT', { param: `${param}.splits[${bad}].feature`, expected: `a column below ${cols}`, got: String(records[bad]?.feature) });
  return (x) => {
    if (x.cols !== inputs) throw new FedmarkError('FM_ERR_MODEL_INPUT', { param: 'rows', expected: `${inputs} input columns`, got: String(x.cols) });
    return applyPartyBinning(binning, collapse(mapping.columns, x));
  };
}

const all = (rows: number) => Uint32Array.from({ length: rows }, (_, i) => i);

/** A host's part: per row, one flag per split it owns. */
function hostScorer(shard: unknown, param: string): ScoringShard {
  if (!Value.Check(HostShardSchema, shard)) throw new FedmarkError('FM_ERR_MODEL_INPUT', { param, expected: 'a gradient-boosted trees host shard (mapping, splits)', got: 'another shape' });
  const records = shard.splits as SplitRecord[];
  const bin = binner(param, shard.mapping, records);
  const width = records.length;
  return {
    width,
    contribution(x) {
      const binned = bin(x);
      const out = new Float64Array(x.rows * width);
      const rows = all(x.rows);
      for (let s = 0; s < width; s++) decideRows(records, binned, s, rows).forEach((f, i) => (out[i * width + s] = f));
      return out;
    },
  };
}

/** The guest's part: no contribution of its own to send; it walks the trees with every party's decisions. */
function guestScorer(shard: unknown, param: string): ScoringShard {
  if (!Value.Check(GuestShardSchema, shard)) throw new FedmarkError('FM_ERR_MODEL_INPUT', { param, expected: 'a gradient-boosted trees guest shard (mapping, splits, baseScore, trees, hosts)', got: 'another shape' });
  const records = shard.splits as SplitRecord[];
  const bin = binner(param, shard.mapping, records);
  const trees = shard.trees as Tree[];
  const { baseScore, hosts } = shard;
  // The most split ids each party's decisions must cover.
  const needed = new Array<number>(hosts.length + 1).fill(0);
  for (const [t, tree] of trees.entries()) {
    for (const [k, node] of tree.nodes.entries()) {
      if (node.kind === 'leaf') continue;
      if (node.party > hosts.length || node.left >= tree.nodes.length || node.right >= tree.nodes.length) {
        throw new FedmarkError('FM_ERR_MODEL_INPUT', { param: `${param}.trees[${t}].nodes[${k}]`, expected: `a party up to ${hosts.length} and children within the tree`, got: JSON.stringify(node) });
      }
      needed[node.party] = Math.max(needed[node.party] as number, node.split + 1);
    }
  }
  if ((needed[0] as number) > records.length) throw new FedmarkError('FM_ERR_MODEL_INPUT', { param: `${param}.splits`, expected: `${needed[0]} split records`, got: String(records.length) });
  return {
    width: 0,
    contribution: () => new Float64Array(0),
    walk(x, parts) {
      const binned = bin(x);
      const flags = hosts.map((host, k) => {
        const part = parts.get(host);
        const width = part && x.rows > 0 ? part.length / x.rows : (needed[k + 1] as number);
        if (!part || !Number.isInteger(width) || width < (needed[k + 1] as number)) {
          throw new FedmarkError('FM_ERR_MODEL_INPUT', { param: `decisions of ${host}`, expected: `${x.rows} rows of at least ${needed[k + 1]} flags`, got: part ? `${part.length} values` : 'none' });
        }
        return { part, width };
      });
      return predictMargins(baseScore, trees, x.rows, (party, split, rows) => {
        if (party === 0) return decideRows(records, binned, split, rows);
        const { part, width } = flags[party - 1] as { part: Float64Array; width: number };
        return Uint8Array.from(rows, (r) => (part[r * width + split] ? 1 : 0));
      });
    },
  };
}

/** The scorer of a gbdt shard, by the party's role in the model file. */
export function gbdtScorer(shard: unknown, param: string): ScoringShard {
  const role = typeof shard === 'object' && shard !== null ? (shard as { role?: unknown }).role : undefined;
  return role === 'guest' ? guestScorer(shard, param) : hostScorer(shard, param);
}
