// Scoring with a horizontal model at a member: the member holds the whole model (the federated
// parameters, the pooled standardiser, the feature order) and scores its own customers by ID from
// its own table. The reply carries logits; the coordinator applies σ and the pooled deciles.
import { readFile } from 'node:fs/promises';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { FedmarkError } from '../../errors/table.ts';
import { firstError } from '../../protocol/envelope.ts';
import { DatasetSpecSchema } from '../../protocol/messages/dataset.ts';
import { createFederatedModel } from '../../models/federated/create.ts';
import type { FederatedModel } from '../../models/federated/model.ts';
import { applyStandardizer, checkStandardizer } from '../../models/features/standardize.ts';
import { matrix } from '../../models/matrix.ts';
import type { Dataset } from '../data/dataset.ts';
import { lookupRows, type PartialScores } from './partial.ts';
import { shardPath } from './shard.ts';

export const HorizontalModelSchema = Type.Object({
  job: Type.String(),
  kind: Type.Literal('horizontal'),
  role: Type.Literal('member'),
  dataset: DatasetSpecSchema,
  model: Type.Union([
    Type.Object({ kind: Type.Literal('logistic'), features: Type.Integer({ minimum: 1 }) }),
    Type.Object({ kind: Type.Literal('mlp'), layers: Type.Array(Type.Integer({ minimum: 1 }), { minItems: 3 }), activation: Type.Literal('relu'), output: Type.Literal('sigmoid') }),
  ]),
  features: Type.Array(Type.String()),
  standardizer: Type.Unknown(),
  params: Type.Array(Type.Number()),
});
export type HorizontalModelFile = Static<typeof HorizontalModelSchema>;

export interface HorizontalModel {
  file: HorizontalModelFile;
  model: FederatedModel;
  params: Float64Array;
}

/** The member's model file, or undefined when the file is a vertical shard. */
export async function readHorizontalModel(workDir: string, name: string, job: string, party: string): Promise<HorizontalModel | undefined> {
  const param = `model file of ${name} at member ${party}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(shardPath(workDir, name, job), 'utf8'));
  } catch {
    return undefined;
  }
  if ((parsed as { kind?: unknown }).kind !== 'horizontal') return undefined;
  if (!Value.Check(HorizontalModelSchema, parsed)) throw new FedmarkError('FM_ERR_MODEL_INPUT', { param, expected: 'a fedmark horizontal model', got: firstError(HorizontalModelSchema, parsed) });
  const hidden = parsed.model.kind === 'mlp' ? parsed.model.layers.slice(1, -1) : [];
  const model = await createFederatedModel(parsed.model.kind, parsed.features.length, hidden);
  if (parsed.params.length !== model.parameters) throw new FedmarkError('FM_ERR_MODEL_INPUT', { param, expected: `${model.parameters} parameters`, got: String(parsed.params.length) });
  checkStandardizer('standardizer', parsed.standardizer, parsed.features.length);
  return { file: parsed, model, params: Float64Array.from(parsed.params) };
}

/** Logits of the IDs this member holds; the others are unknown or without consent. */
export async function scoreHorizontal(m: HorizontalModel, dataset: Dataset, rowOf: Map<string, number>, ids: readonly string[]): Promise<PartialScores> {
  const at = m.file.features.map((name) => dataset.featureNames.indexOf(name));
  const missing = at.indexOf(-1);
  if (missing >= 0) throw new FedmarkError('FM_ERR_DATA_COLUMN', { party: dataset.party, file: dataset.file, column: m.file.features[missing] as string }, { local: { columns: dataset.featureNames.join(', ') } });
  const cols = dataset.featureNames.length;
  const { known, rows, noConsent } = lookupRows(dataset, rowOf, ids, m.file.dataset.idCaseSensitive ?? false);
  const x = new Float64Array(rows.length * at.length);
  rows.forEach((r, k) => at.forEach((c, j) => (x[k * at.length + j] = dataset.features[r * cols + c] as number)));
  const scores = new Float64Array(ids.length).fill(Number.NaN);
  if (rows.length > 0) {
    const z = applyStandardizer(checkStandardizer('standardizer', m.file.standardizer, at.length), matrix(x, rows.length, at.length));
    const p = await m.model.predict(m.params, z);
    let k = 0;
    for (let i = 0; i < ids.length; i++) {
      if (!known[i]) continue;
      const q = Math.min(1 - 1e-15, Math.max(1e-15, p[k++] as number));
      scores[i] = Math.log(q / (1 - q));
    }
  }
  return { scores, known, noConsent };
}
