// A party's part of a vertical model for scoring: its model file (of kind vertical) read back and
// checked by the model it names (models/vertical/registry.ts), which gives the party's per-row
// contribution.
import { FedmarkError } from '../../errors/table.ts';
import type { ScoringShard } from '../../models/vertical/model.ts';
import { VERTICAL_MODELS, verticalModel } from '../../models/vertical/registry.ts';
import { readModelFile, type VerticalModelFile } from './modelFile.ts';

export interface VerticalPart {
  file: VerticalModelFile;
  scorer: ScoringShard;
  /** Where the model's contributions become logits (models/vertical/model.ts). */
  combineAt: 'coordinator' | 'guest';
}

export async function readVerticalPart(workDir: string, name: string, job: string, party: string): Promise<VerticalPart> {
  const file = await readModelFile(workDir, name, job, party, 'vertical');
  const param = `model file of ${name} at party ${party}`;
  if (!Object.hasOwn(VERTICAL_MODELS, file.model)) throw new FedmarkError('FM_ERR_MODEL_INPUT', { param, expected: `a model of ${Object.keys(VERTICAL_MODELS).join(', ')}`, got: file.model });
  const model = verticalModel(file.model);
  return { file, scorer: model.scorer(file, param), combineAt: model.combineAt };
}
