// A job's seed list at the party that holds it (the guest of a vertical lookalike, each member of
// a horizontal one), checked before any exchange: enough seeds among the consenting customers.
import type { Seeds } from '../../../protocol/messages/lookalike.ts';
import type { DataCatalogue } from '../../data/catalogue.ts';
import type { Dataset } from '../../data/dataset.ts';
import { loadSeeds, requireSeeds, type SeedList } from './seeds.ts';
import { uploadedSeedsPath } from './upload.ts';

export async function loadJobSeeds(
  at: { party: string; workDir: string; catalogue: DataCatalogue },
  seeds: Seeds,
  dataset: Dataset,
  opts: { idCaseSensitive?: boolean; minSeeds?: number },
): Promise<SeedList> {
  // An uploaded list lives in this party's own work directory; a path must be under its data roots.
  const path = seeds.upload !== undefined ? uploadedSeedsPath(at.workDir, seeds.upload) : await at.catalogue.underRoots(seeds.path as string);
  const list = await loadSeeds({ ...seeds, path }, dataset, { party: at.party, ...(opts.idCaseSensitive !== undefined ? { idCaseSensitive: opts.idCaseSensitive } : {}) });
  requireSeeds(list, list.rows.size, opts.minSeeds ?? 2, at.party, `consenting customers in ${dataset.file}`);
  return list;
}
