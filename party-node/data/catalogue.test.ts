// The party's data catalogue over files: CSV and Parquet datasets by name, the job's column
// settings over the dataset's defaults, the kind taken from the config (never guessed), paths only
// with dataRoots, and listings with name, columns, types and row count only.
import { copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fate } from '../../data/sets.ts';
import { FedmarkError } from '../../errors/table.ts';
import { DataCatalogue, type DatasetsConfig } from './catalogue.ts';
import { loadDataset, type Dataset } from './dataset.ts';
import { writeParquetOf } from './sources.fixture.ts';

let dir: string;
let csv: Dataset;

async function failure(loading: Promise<unknown>): Promise<FedmarkError> {
  const err: unknown = await loading.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(FedmarkError);
  return err as FedmarkError;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fedmark-catalogue-'));
  csv = await loadDataset({ path: fate('breast_hetero_guest'), idColumn: 'id', labelColumn: 'y' }, { party: 'bank' });
  const branch = { name: 'branch', type: 'STRING' as const, data: csv.rawIds.map((_, r) => (r % 3 === 0 ? 'north' : 'south')) };
  writeParquetOf(join(dir, 'guest.parquet'), csv, {}, [branch]);
  writeParquetOf(join(dir, 'text-x3.parquet'), csv, { x3: { type: 'STRING', data: Array.from({ length: csv.rows }, (_, r) => `v${r}`) } });
  await copyFile(fate('breast_hetero_guest'), join(dir, 'guest.csv.gz'));
  await writeFile(join(dir, 'not.parquet'), 'id,y\n1,0\n');
});

const catalogue = (datasets: DatasetsConfig, dataRoots?: string[]) => new DataCatalogue('bank', { datasets, baseDir: dir, dataRoots });

describe('DataCatalogue', () => {
  it('a Parquet dataset gives the same Dataset as the CSV of the same rows', async () => {
    const { dataset } = await catalogue({ accounts: { parquet: 'guest.parquet', idColumn: 'id' } }).load({ dataset: 'accounts', labelColumn: 'y', features: csv.featureNames });
    expect(dataset.rawIds).toEqual(csv.rawIds);
    expect(dataset.featureNames).toEqual(csv.featureNames);
    expect(Array.from(dataset.features)).toEqual(Array.from(csv.features));
    expect(Array.from(dataset.labels!)).toEqual(Array.from(csv.labels!));
  });

  it('a CSV dataset: relative paths resolve against the config folder; the job overrides the defaults', async () => {
    const crm = catalogue({ crm: { csv: 'guest.csv.gz', idColumn: 'nope', categorical: ['x0'] } });
    const { dataset } = await crm.load({ dataset: 'crm', idColumn: 'id', labelColumn: 'y', categorical: [] });
    expect(Array.from(dataset.features)).toEqual(Array.from(csv.features));
    expect(dataset.file).toBe('dataset "crm"');
    const defaulted = await failure(crm.load({ dataset: 'crm' }));
    expect(defaulted.message).toContain('party bank: dataset "crm": column "nope" not found');
  });

  it('one-hot encodes the dataset\'s default categorical columns', async () => {
    const { dataset } = await catalogue({ accounts: { parquet: 'guest.parquet', idColumn: 'id', categorical: ['branch'] } }).load({ dataset: 'accounts', labelColumn: 'y' });
    expect(dataset.featureNames.slice(-2)).toEqual(['branch=north', 'branch=south']);
  });

  it('a Parquet column of the wrong type names the party, the dataset, the column and its type', async () => {
    const err = await failure(catalogue({ accounts: { parquet: 'text-x3.parquet', idColumn: 'id' } }).load({ dataset: 'accounts', labelColumn: 'y' }));
    expect(err.code).toBe('FM_ERR_DATA_TYPE');
    expect(err.message).toBe('party bank: dataset "accounts": column "x3" is of type text; a numeric feature needs an integer, floating-point or boolean column (list it under categorical if it is one)');
  });

  it('the kind is the configured one, never guessed: a CSV configured as Parquet is refused', async () => {
    const err = await failure(catalogue({ accounts: { parquet: 'not.parquet', idColumn: 'id' } }).load({ dataset: 'accounts' }));
    expect(err.code).toBe('FM_ERR_DATA_FILE');
    expect(err.message).toBe('party bank: cannot read dataset "accounts": it is not a Parquet file (no valid footer)');
  });

  it('an unknown dataset names the party and the name, and not the datasets it has', async () => {
    const err = await failure(catalogue({ crm: { csv: 'guest.csv.gz' } }).load({ dataset: 'crm2', idColumn: 'id' }));
    expect(err.code).toBe('FM_ERR_DATA_UNKNOWN_DATASET');
    expect(err.message).toBe('party bank has no dataset "crm2" in its catalogue');
  });

  it('a path is refused without dataRoots, and read below them with them', async () => {
    const path = join(dir, 'guest.csv.gz');
    const refused = await failure(catalogue({}).load({ path, idColumn: 'id' }));
    expect(refused.code).toBe('FM_ERR_DATA_NO_PATHS');
    expect(refused.message).not.toContain(dir);
    expect((await catalogue({}, [dir]).load({ path, idColumn: 'id' })).dataset.rows).toBe(569);
  });

  it('lists name, columns with types and row count, nothing else; hidden columns left out; a broken source carries its reason', async () => {
    const listing = await catalogue({
      crm: { csv: 'guest.csv.gz', idColumn: 'id' },
      accounts: { parquet: join(dir, 'guest.parquet') },
      gone: { parquet: 'absent.parquet' },
    }).list(['x9']);
    expect(listing.map((d) => d.name)).toEqual(['accounts', 'crm', 'gone']);
    const [accounts, crm, gone] = listing;
    expect(Object.keys(accounts!).sort()).toEqual(['columns', 'name', 'rows']);
    expect(accounts!.rows).toBe(569);
    expect(accounts!.columns!.slice(0, 3)).toEqual([{ name: 'id', type: 'text' }, { name: 'y', type: 'integer' }, { name: 'x0', type: 'number' }]);
    expect(accounts!.columns!.at(-1)).toEqual({ name: 'branch', type: 'text' });
    expect(crm!.rows).toBe(569);
    expect(crm!.columns!.slice(0, 2)).toEqual([{ name: 'id', type: 'integer' }, { name: 'y', type: 'integer' }]);
    expect(crm!.columns!.map((c) => c.name)).not.toContain('x9');
    expect(gone).toEqual({ name: 'gone', error: { code: 'FM_ERR_DATA_FILE', message: 'party bank: cannot read dataset "gone": no such file' } });
    expect(JSON.stringify(listing)).not.toContain(dir);
  });

  it('stops a table larger than maxTableBytes at the batch that crossed it, naming the party and the dataset only', async () => {
    const lines = Array.from({ length: 200_000 }, (_, r) => `C${r},${r % 2},${r},${r * 0.5},${r % 7}`);
    await writeFile(join(dir, 'wide.csv'), `id,y,a,b,c\n${lines.join('\n')}\n`);
    const limited = new DataCatalogue('bank', { datasets: { crm: { csv: 'wide.csv', idColumn: 'id' } }, baseDir: dir, maxTableBytes: 2_000_000 });
    const err = await failure(limited.load({ dataset: 'crm', labelColumn: 'y' }));
    expect(err.code).toBe('FM_ERR_DATA_TOO_LARGE');
    const row = Number(/at row (\d+)$/.exec(err.message)?.[1]);
    expect(row).toBeLessThan(200_000);
    expect(err.message).toBe(`party bank: dataset "crm" needs more than the 2000000 bytes this party allows for one table (maxTableBytes), at row ${row}`);
    expect(err.message).not.toContain(dir);
    const roomy = new DataCatalogue('bank', { datasets: { crm: { csv: 'wide.csv', idColumn: 'id' } }, baseDir: dir, maxTableBytes: 64_000_000 });
    expect((await roomy.load({ dataset: 'crm', labelColumn: 'y' })).dataset.rows).toBe(200_000);
  });
});
