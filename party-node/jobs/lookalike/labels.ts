// Training labels of a lookalike job at the guest: the seeds in the population, minus a held-out
// share (chosen by a hash of the training seed and the ID, so a rerun holds out the same
// customers), are 1; everyone else, held-out seeds included, is unlabelled and trained as 0.
import { FedmarkError } from '../../../errors/table.ts';
import type { Lookalike } from '../../../protocol/messages/lookalike.ts';
import { hashUnit } from '../../../models/split/hashSplit.ts';
import { requireSeeds, seedMask, type SeedList } from './seeds.ts';

export interface LookalikeLabels {
  seed: Uint8Array;
  heldOut: Uint8Array;
  /** 1 for training seeds. */
  y: Uint8Array;
}

export function lookalikeLabels(seeds: SeedList, alignedRows: Uint32Array, alignedIds: readonly string[], settings: Lookalike, trainingSeed: number, party: string): LookalikeLabels {
  const seed = seedMask(seeds, alignedRows);
  let matched = 0;
  for (const s of seed) matched += s;
  requireSeeds(seeds, matched, settings.minSeeds, party, 'in the population (the customers every party holds, with consent)');
  const heldOut = Uint8Array.from(seed, (s, i) => (s && hashUnit(trainingSeed, `lookalike:${alignedIds[i]}`) < settings.holdout ? 1 : 0));
  const y = Uint8Array.from(seed, (s, i) => (s && !heldOut[i] ? 1 : 0));
  let held = 0;
  for (const h of heldOut) held += h;
  if (held === 0 || held === matched) {
    throw new FedmarkError('FM_ERR_DATA_SEEDS', {
      party, file: seeds.file, column: seeds.column,
      reason: `holding out ${settings.holdout} of ${matched} matched seeds leaves ${held === 0 ? 'none to measure recall on' : 'none to train on'}; list more seeds or change lookalike.holdout`,
    });
  }
  return { seed, heldOut, y };
}
