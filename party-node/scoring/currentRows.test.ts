// The scoring cache over a real CSV dataset: an unchanged file is checked (one stat) but not read
// again, a changed one is read again — also when the copy kept the old modification time and size
// — and only the model's columns are held, without the label a new customer does not have yet.
import { mkdtemp, rename, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { DataCatalogue } from '../data/catalogue.ts';
import { normalizeId } from '../data/dataset.ts';
import { CurrentRows } from './currentRows.ts';

let dir: string;
let file: string;
let rows: CurrentRows;
const COLUMNS = { columns: ['age', 'segment'], categorical: ['segment'] };
const SPEC = { dataset: 'crm', labelColumn: 'y' };

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fedmark-current-'));
  file = join(dir, 'crm.csv');
  await writeFile(file, 'id,y,age,segment,notes\nC1,1,30,retail,x\nC2,0,40,private,y\nC3,1,50,retail,z\n');
  const catalogue = new DataCatalogue('bank', { datasets: { crm: { csv: 'crm.csv', idColumn: 'id' } }, baseDir: dir });
  rows = new CurrentRows({ catalogue, log: pino({ level: 'silent' }) });
});

const ageOf = async (id: string): Promise<number | undefined> => {
  const { dataset, index } = await rows.table(SPEC, COLUMNS);
  const row = index.get(normalizeId(id, false));
  return row === undefined ? undefined : dataset.selectRows([row])[0];
};

describe('the scoring cache', () => {
  it('reads an unchanged file once and checks it on every use', async () => {
    const first = await rows.table(SPEC, COLUMNS);
    const second = await rows.table(SPEC, COLUMNS);
    expect(second).toBe(first);
    expect(rows.stats).toEqual({ checks: 2, loads: 1 });
  });

  it('reads a changed file again: a changed value, a new customer, a removed one', async () => {
    expect(await ageOf('c2')).toBe(40);
    await writeFile(file, 'id,y,age,segment,notes\nC1,1,30,retail,x\nC2,0,45,private,y\nC4,,60,retail,new\n');
    expect(await ageOf('c2')).toBe(45);
    expect(await ageOf('C4')).toBe(60);
    expect(await ageOf('C3')).toBeUndefined();
    expect(rows.stats.loads).toBe(2);
  });

  it('sees a rewrite that keeps the size and the modification time (cp -p, rsync -t)', async () => {
    const exported = new Date('2026-01-01T00:00:00Z');
    await utimes(file, exported, exported);
    expect(await ageOf('C1')).toBe(30);
    const before = await stat(file);
    await writeFile(file, 'id,y,age,segment,notes\nC1,1,31,retail,x\nC2,0,40,private,y\nC3,1,50,retail,z\n');
    await utimes(file, exported, exported);
    const after = await stat(file);
    expect([after.size, after.mtimeMs]).toEqual([before.size, before.mtimeMs]);
    expect(await ageOf('C1')).toBe(31);
  });

  it('holds the model\'s columns only, and no labels (a new customer has none yet)', async () => {
    await writeFile(file, 'id,y,age,segment,notes\nC1,1,30,retail,x\nC9,,20,retail,unlabelled\n');
    const { dataset } = await rows.table(SPEC, COLUMNS);
    expect(dataset.featureNames).toEqual(['age', 'segment=retail']);
    expect(dataset.labels).toBeUndefined();
    expect(dataset.rows).toBe(2);
  });

  it('lets concurrent requests share one check and one read', async () => {
    const tables = await Promise.all([rows.table(SPEC, COLUMNS), rows.table(SPEC, COLUMNS), rows.table(SPEC, COLUMNS)]);
    expect(new Set(tables).size).toBe(1);
    expect(rows.stats).toEqual({ checks: 1, loads: 1 });
  });

  it('fails a request when the file is gone, naming the dataset and not the path, and recovers when it is back', async () => {
    await rows.table(SPEC, COLUMNS);
    await writeFile(join(dir, 'keep.csv'), 'id,y,age,segment,notes\nC1,1,33,retail,x\n');
    await rename(file, join(dir, 'gone.csv'));
    const err = await rows.table(SPEC, COLUMNS).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'FM_ERR_DATA_FILE', message: 'party bank: cannot read dataset "crm": no such file' });
    expect(String((err as Error).message)).not.toContain(dir);
    await rename(join(dir, 'keep.csv'), file);
    expect(await ageOf('C1')).toBe(33);
  });
});
