// A party's part of a trained vertical model, as it keeps it at its own premises: the feature
// mapping, its weights (and at the guest the intercept) and the table it was trained on. Never sent.
import { readFile } from 'node:fs/promises';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { FedmarkError } from '../../errors/table.ts';
import { firstError } from '../../protocol/envelope.ts';
import { DatasetSpecSchema } from '../../protocol/messages/dataset.ts';
import { checkFeatureMapping, type FeatureMapping } from '../../models/features/prepare.ts';
import { workPath } from '../workPath.ts';

export const ShardSchema = Type.Object({
  job: Type.String(),
  role: Type.Union([Type.Literal('guest'), Type.Literal('host')]),
  dataset: DatasetSpecSchema,
  mapping: Type.Unknown(),
  weights: Type.Array(Type.Number()),
  intercept: Type.Optional(Type.Number()),
});
export type ShardFile = Static<typeof ShardSchema>;

export interface Shard extends Omit<ShardFile, 'mapping' | 'weights'> {
  mapping: FeatureMapping;
  weights: Float64Array;
}

export function shardPath(workDir: string, model: string, job: string): string {
  return workPath(workDir, 'models', model, `${job}.json`);
}

export async function readShard(workDir: string, model: string, job: string, party: string): Promise<Shard> {
  const path = shardPath(workDir, model, job);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new FedmarkError('FM_ERR_MODEL_NOT_FOUND', { name: model, version: `of job ${job} (party ${party} has no readable shard)` }, { cause: err });
  }
  if (!Value.Check(ShardSchema, parsed)) {
    throw new FedmarkError('FM_ERR_MODEL_INPUT', { param: `shard of ${model} at party ${party}`, expected: 'a fedmark model shard', got: firstError(ShardSchema, parsed) });
  }
  const mapping = checkFeatureMapping('shard.mapping', parsed.mapping);
  if (parsed.weights.length !== mapping.outputNames.length) {
    throw new FedmarkError('FM_ERR_MODEL_INPUT', { param: `shard of ${model} at party ${party}`, expected: `${mapping.outputNames.length} weights`, got: String(parsed.weights.length) });
  }
  return { ...parsed, mapping, weights: Float64Array.from(parsed.weights) };
}
