// The seed audience at the guest: a CSV whose ID column lists customers who converted. Checked
// before anything is exchanged (the file, the column, every ID a customer of the guest's own
// table), then matched to the population after PSI. Messages name the file, column, counts and
// row numbers, never an ID, since they go to the coordinator.
import { basename } from 'node:path';
import { FedmarkError } from '../../../errors/table.ts';
import type { Seeds } from '../../../protocol/messages/lookalike.ts';
import { parseCsv } from '../../data/csv.ts';
import { readDataFile } from '../../data/read-file.ts';
import { normalizeId, type Dataset } from '../../data/dataset.ts';

export interface SeedList {
  file: string;
  column: string;
  /** Distinct IDs listed. */
  listed: number;
  /** Consenting rows of the guest's table that are seeds. */
  rows: Set<number>;
}

/** Reads the seed file (`spec.path` already checked against the party's roots). */
export async function loadSeeds(spec: Omit<Seeds, 'path' | 'upload'> & { path: string }, dataset: Dataset, opts: { party: string; idCaseSensitive?: boolean }): Promise<SeedList> {
  const source = { party: opts.party, file: basename(spec.path) };
  const table = parseCsv(await readDataFile(spec.path, source), spec.delimiter === undefined ? source : { ...source, delimiter: spec.delimiter });
  if (table.rows === 0) throw new FedmarkError('FM_ERR_DATA_EMPTY', source);
  const column = table.header.findIndex((h) => h.trim() === spec.idColumn);
  if (column < 0) throw new FedmarkError('FM_ERR_DATA_COLUMN', { ...source, column: spec.idColumn }, { local: { columns: table.header.join(', ') } });
  const rowOf = new Map(dataset.ids.map((id, r) => [id, r]));
  const seen = new Set<string>();
  const rows = new Set<number>();
  let unknown = 0;
  let firstUnknown = 0;
  for (let r = 0; r < table.rows; r++) {
    const id = normalizeId(table.field(r, column), opts.idCaseSensitive ?? false);
    if (id === '') throw new FedmarkError('FM_ERR_DATA_EMPTY_ID', { ...source, row: r + 1, column: spec.idColumn });
    if (seen.has(id)) continue;
    seen.add(id);
    const row = rowOf.get(id);
    if (row !== undefined) rows.add(row);
    else if (!dataset.withoutConsent.has(id) && unknown++ === 0) firstUnknown = r + 1;
  }
  if (unknown > 0) {
    throw new FedmarkError('FM_ERR_DATA_SEEDS', {
      ...source, column: spec.idColumn,
      reason: `${unknown} of ${seen.size} IDs are not customers in ${dataset.file} (first on row ${firstUnknown}); seeds must come from the guest's own table`,
    });
  }
  return { file: source.file, column: spec.idColumn, listed: seen.size, rows };
}

/** Fails when fewer than `minSeeds` seeds can take part (`where` says among whom). */
export function requireSeeds(seeds: SeedList, matched: number, minSeeds: number, party: string, where: string): void {
  if (matched >= minSeeds) return;
  throw new FedmarkError('FM_ERR_DATA_SEEDS', {
    party, file: seeds.file, column: seeds.column,
    reason: `only ${matched} of ${seeds.listed} seed IDs are ${where}; at least ${minSeeds} are needed (lookalike.minSeeds)`,
  });
}

/** 1 for the aligned (canonical PSI order) rows that are seeds. */
export function seedMask(seeds: SeedList, alignedRows: Uint32Array): Uint8Array {
  return Uint8Array.from(alignedRows, (r) => (seeds.rows.has(r) ? 1 : 0));
}
