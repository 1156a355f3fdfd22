// Scoring with a horizontal model at a member: the member holds the whole model (the federated
// parameters, the pooled standardiser, the feature order) and scores its own customers by ID from
// its own current table (currentRows.ts), inputs matched by name (inputRows.ts). The reply carries
// logits; the coordinator applies σ and the pooled deciles.
import { FedmarkError } from '../../errors/table.ts';
import { createFederatedModel } from '../../models/federated/create.ts';
import type { FederatedModel } from '../../models/federated/model.ts';
import { applyStandardizer, checkStandardizer } from '../../models/features/standardize.ts';
import { matrix } from '../../models/matrix.ts';
import type { Dataset } from '../data/dataset.ts';
import { inputRows } from './inputRows.ts';
import { lookupRows, type PartialScores, type RowIndex } from './partial.ts';
import { readModelFile, type HorizontalModelFile } from './modelFile.ts';

export interface HorizontalModel {
  file: HorizontalModelFile;
  model: FederatedModel;
  params: Float64Array;
}

/** The member's whole model, from its model file (of kind horizontal). */
export async function readHorizontalModel(workDir: string, name: string, job: string, party: string): Promise<HorizontalModel> {
  const param = `model file of ${name} at member ${party}`;
  const file = await readModelFile(workDir, name, job, party, 'horizontal');
  const hidden = file.model.kind === 'mlp' ? file.model.layers.slice(1, -1) : [];
  const model = await createFederatedModel(file.model.kind, file.features.length, hidden);
  if (file.params.length !== model.parameters) throw new FedmarkError('FM_ERR_MODEL_INPUT', { param, expected: `${model.parameters} parameters`, got: String(file.params.length) });
  checkStandardizer('standardizer', file.standardizer, file.features.length);
  return { file, model, params: Float64Array.from(file.params) };
}

/** Logits of the IDs this member holds; the others are unknown or without consent. */
export async function scoreHorizontal(m: HorizontalModel, dataset: Dataset, rowOf: RowIndex, ids: readonly string[]): Promise<PartialScores> {
  const width = m.file.features.length;
  const { known, rows, noConsent } = lookupRows(dataset, rowOf, ids, m.file.dataset.idCaseSensitive ?? false);
  const x = inputRows(dataset, rows, m.file.features);
  const scores = new Float64Array(ids.length).fill(Number.NaN);
  if (rows.length > 0) {
    const z = applyStandardizer(checkStandardizer('standardizer', m.file.standardizer, width), matrix(x, rows.length, width));
    const p = await m.model.predict(m.params, z);
    let k = 0;
    for (let i = 0; i < ids.length; i++) {
      if (!known[i]) continue;
      const q = Math.min(1 - 1e-15, Math.max(1e-15, p[k++] as number));
      scores[i] = Math.log(q / (1 - q));
    }
  }
  return { scores, width: 1, known, noConsent };
}
