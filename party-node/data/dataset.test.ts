import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fate, readText } from '../../data/sets.ts';
import { FedmarkError } from '../../errors/table.ts';
import { serializeError, type ErrorCode } from '../../errors/table.ts';
import { loadDataset, normalizeId } from './dataset.ts';
import type { Dataset, DatasetSpec } from './dataset.ts';

const PARTY = 'bank-a';
let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fedmark-dataset-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let fixtures = 0;
/** Writes a fixture and returns a spec for it; each call gets its own file. */
async function fixture(content: string | Buffer, spec: Omit<DatasetSpec, 'path'>, name = `data-${++fixtures}.csv`): Promise<DatasetSpec> {
  const path = join(dir, name);
  await writeFile(path, content);
  return { ...spec, path };
}

async function load(content: string, spec: Omit<DatasetSpec, 'path'>): Promise<Dataset> {
  return loadDataset(await fixture(content, spec), { party: PARTY });
}

/** The error a load failed with. */
async function caught(loading: Promise<unknown>): Promise<FedmarkError> {
  const err = await loading.then(() => undefined, (e: unknown) => e);
  if (!(err instanceof FedmarkError)) throw new Error('expected the load to fail with a FedmarkError');
  return err;
}

/** Asserts the code, and that the message names the party, the file and every given fragment. */
async function expectError(
  loading: Promise<unknown>,
  code: ErrorCode,
  fragments: string[],
  file = /data-\d+\.csv/,
): Promise<void> {
  const err: unknown = await loading.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FedmarkError);
  const { code: got, message } = err as FedmarkError;
  expect(got).toBe(code);
  expect(message).toContain(`party ${PARTY}`);
  expect(message).toMatch(file);
  expect(message).not.toContain(dir); // no host directories in messages
  for (const fragment of fragments) expect(message).toContain(fragment);
}

const rows = (dataset: Dataset): number[][] => {
  const width = dataset.featureNames.length;
  return Array.from({ length: dataset.rows }, (_, r) => Array.from(dataset.features.subarray(r * width, (r + 1) * width)));
};

describe('loadDataset: reading', () => {
  it('loads a ;-separated CRLF file with a BOM and quoted fields', async () => {
    const text = '\uFEFFid;y;income;city\r\n"A-1";yes;"1200.5";"Porto; north"\r\n"A-2";no;-3e2;"Lis""boa"\r\n';
    const d = await load(text, { idColumn: 'id', labelColumn: 'y', categorical: ['city'] });
    expect(d.rawIds).toEqual(['A-1', 'A-2']);
    expect(d.ids).toEqual(['a-1', 'a-2']);
    expect(Array.from(d.labels!)).toEqual([1, 0]);
    expect(d.featureNames).toEqual(['income', 'city=Lis"boa', 'city=Porto; north']);
    expect(rows(d)).toEqual([
      [1200.5, 0, 1],
      [-300, 1, 0],
    ]);
  });

  it('uses every column except id, label and consent as features by default, in header order', async () => {
    const d = await load('a,id,consent,b,y,c\n1,x,Y,2,0,3\n', { idColumn: 'id', labelColumn: 'y', consentColumn: 'consent' });
    expect(d.featureNames).toEqual(['a', 'b', 'c']);
    expect(rows(d)).toEqual([[1, 2, 3]]);
  });

  it('keeps the order of explicit features and leaves other columns out', async () => {
    const d = await load('id,a,b,c\nx,1,2,3\n', { idColumn: 'id', features: ['c', 'a'] });
    expect(d.featureNames).toEqual(['c', 'a']);
    expect(rows(d)).toEqual([[3, 1]]);
  });

  it('parses signed, decimal and exponent numbers, and reads missing tokens as NaN', async () => {
    const d = await load('id,v\n1,+1.5\n2,-2e3\n3,.5\n4,7.\n5, 42 \n6,\n7,NA\n8,nan\n9,NULL\n10,?\n', { idColumn: 'id' });
    const values = Array.from(d.features);
    expect(values.slice(0, 5)).toEqual([1.5, -2000, 0.5, 7, 42]);
    expect(values.slice(5).every(Number.isNaN)).toBe(true);
    expect(d.stats.missingRate).toEqual({ v: 0.5 });
  });

  it('uses ctx.file as the display name', async () => {
    const spec = await fixture('id,v\n1,x\n', { idColumn: 'id' });
    await expectError(loadDataset(spec, { party: PARTY, file: 'crm-export.csv' }), 'FM_ERR_DATA_NUMBER', ['crm-export.csv'], /crm-export\.csv/);
  });
});

describe('loadDataset: consent', () => {
  const text = [
    'id,consent,y,v',
    '1,N,bad-label,not-a-number',
    '2,no,0,1',
    '3,0,0,1',
    '4,false,0,1',
    '5,,0,1',
    '6,Y,1,10',
    '7,yes,0,20',
    '8,1,1,30',
    '9, TRUE ,0,40',
    '10,NA,0,1',
  ].join('\n');

  it('drops N/no/0/false/empty (and missing tokens) and keeps Y/yes/1/true, ignoring bad cells of dropped rows', async () => {
    const d = await load(text, { idColumn: 'id', labelColumn: 'y', consentColumn: 'consent' });
    expect(d.rawIds).toEqual(['6', '7', '8', '9']);
    expect(Array.from(d.labels!)).toEqual([1, 0, 1, 0]);
    expect(Array.from(d.features)).toEqual([10, 20, 30, 40]);
    expect(d.stats).toEqual({
      totalRows: 10,
      consentingRows: 4,
      droppedWithoutConsent: 6,
      features: 1,
      labelPositives: 2,
      missingRate: { v: 0 },
    });
  });

  it('still rejects a duplicate ID on a non-consenting row', async () => {
    await expectError(
      load('id,consent\nA,Y\na,N\n', { idColumn: 'id', consentColumn: 'consent' }),
      'FM_ERR_DATA_DUPLICATE_ID',
      ['row 2', 'column "id"', 'row 1'],
    );
  });

  it('rejects an unrecognised consent value', async () => {
    await expectError(
      load('id,consent\n1,Y\n2,maybe\n', { idColumn: 'id', consentColumn: 'consent' }),
      'FM_ERR_DATA_CONSENT',
      ['row 2', 'column "consent"', 'not recognised'],
    );
  });

  it('computes categories and missing rates from consenting rows only', async () => {
    const d = await load('id,ok,job,v\n1,y,admin,\n2,n,secret-job,\n3,y,tech,5\n', {
      idColumn: 'id',
      consentColumn: 'ok',
      categorical: ['job'],
    });
    expect(d.encodings).toEqual({ job: ['admin', 'tech'] });
    expect(d.stats.missingRate).toEqual({ job: 0, v: 0.5 });
  });
});

describe('loadDataset: IDs', () => {
  it('normalizeId trims, NFC-normalises and lower-cases unless case-sensitive', () => {
    expect(normalizeId('  AbC ', false)).toBe('abc');
    expect(normalizeId('  AbC ', true)).toBe('AbC');
    expect(normalizeId('Jose\u0301', true)).toBe('Jos\u00e9');
  });

  it('treats "  AbC " and "abc" as duplicates when case-insensitive', async () => {
    await expectError(load('id,v\n  AbC ,1\nabc,2\n', { idColumn: 'id' }), 'FM_ERR_DATA_DUPLICATE_ID', [
      'row 2, column "id"',
      'duplicates the one on row 1',
    ]);
  });

  it('keeps "  AbC " and "abc" apart when case-sensitive', async () => {
    const d = await load('id,v\n  AbC ,1\nabc,2\n', { idColumn: 'id', idCaseSensitive: true });
    expect(d.ids).toEqual(['AbC', 'abc']);
    expect(d.rawIds).toEqual(['AbC', 'abc']);
  });

  it('rejects an empty ID', async () => {
    await expectError(load('id,v\n1,1\n  ,2\n', { idColumn: 'id' }), 'FM_ERR_DATA_EMPTY_ID', ['row 2', 'column "id"']);
  });
});

describe('loadDataset: labels and categories', () => {
  it('parses yes/no, true/false, y/n and 0/1 in any case', async () => {
    const d = await load('id,y\n1,yes\n2,NO\n3,True\n4,false\n5,1\n6,0\n7, Y \n8,n\n', { idColumn: 'id', labelColumn: 'y' });
    expect(Array.from(d.labels!)).toEqual([1, 0, 1, 0, 1, 0, 1, 0]);
    expect(d.stats.labelPositives).toBe(4);
    expect(d.featureNames).toEqual([]);
    expect(d.features).toHaveLength(0);
  });

  it('one-hot encodes categorical columns with sorted categories and an all-zero block for missing', async () => {
    const d = await load('id,job,age,marital\n1,tech,30,single\n2,admin.,40,married\n3, tech ,50,NA\n4,,60,single\n', {
      idColumn: 'id',
      categorical: ['marital', 'job'],
    });
    expect(d.featureNames).toEqual(['job=admin.', 'job=tech', 'age', 'marital=married', 'marital=single']);
    expect(d.encodings).toEqual({ job: ['admin.', 'tech'], marital: ['married', 'single'] });
    expect(rows(d)).toEqual([
      [0, 1, 30, 0, 1],
      [1, 0, 40, 1, 0],
      [0, 1, 50, 0, 0],
      [0, 0, 60, 0, 1],
    ]);
    expect(d.stats.features).toBe(5);
    expect(d.stats.missingRate).toEqual({ job: 0.25, age: 0, marital: 0.25 });
  });
});

describe('loadDataset: bad input', () => {
  it('reports a missing file with the OS reason and no directory', async () => {
    const spec = { idColumn: 'id', path: join(dir, 'absent.csv') };
    await expectError(loadDataset(spec, { party: PARTY }), 'FM_ERR_DATA_FILE', ['cannot read absent.csv: no such file'], /absent\.csv/);
  });

  it('rejects a file that is not UTF-8', async () => {
    const spec = await fixture(Buffer.from('id,city\n1,S\xe3o Paulo\n', 'latin1'), { idColumn: 'id' });
    await expectError(loadDataset(spec, { party: PARTY }), 'FM_ERR_DATA_FILE', ['not UTF-8']);
  });

  it('rejects a relative path', async () => {
    await expectError(loadDataset({ path: 'data.csv', idColumn: 'id' }, { party: PARTY }), 'FM_ERR_DATA_SPEC', ['path'], /data\.csv/);
  });

  it.each([
    ['an empty file', ''],
    ['a header-only file', 'id,v\r\n'],
  ])('rejects %s', async (_, text) => {
    await expectError(load(text, { idColumn: 'id' }), 'FM_ERR_DATA_EMPTY', ['has no data rows']);
  });

  it.each<[string, Omit<DatasetSpec, 'path'>, string]>([
    ['id', { idColumn: 'ID' }, 'ID'],
    ['label', { idColumn: 'id', labelColumn: 'target' }, 'target'],
    ['consent', { idColumn: 'id', consentColumn: 'gdpr' }, 'gdpr'],
    ['feature', { idColumn: 'id', features: ['v', 'w'] }, 'w'],
    ['categorical', { idColumn: 'id', categorical: ['job'] }, 'job'],
  ])('rejects a missing %s column, listing the available ones for the party\'s log only', async (_, spec, column) => {
    const loading = load('id,y,v\n1,0,2\n', spec);
    await expectError(loading, 'FM_ERR_DATA_COLUMN', [`column "${column}" not found`]);
    const err = await caught(loading);
    expect(err.local).toEqual({ columns: 'id, y, v' });
    expect(serializeError(err).message).not.toMatch(/\bv\b|, y/);
  });

  it('a file without a header line: the error names the column asked for, never the first customer\'s values', async () => {
    const loading = load('CANARY-7Q,1,0.25,0.25\nB2,0,0.5,0.75\n', { idColumn: 'id', labelColumn: 'y' });
    await expectError(loading, 'FM_ERR_DATA_ROW', ['row 0 (the header)', 'columns 3 and 4 have the same name']);
    const err = await caught(loading);
    expect(JSON.stringify(serializeError(err))).not.toMatch(/CANARY|0\.25/);
    const unique = load('CANARY-7Q,1,0.25,0.5\nB2,0,0.5,0.75\n', { idColumn: 'id', labelColumn: 'y' });
    await expectError(unique, 'FM_ERR_DATA_COLUMN', ['column "id" not found']);
    expect(JSON.stringify(serializeError(await caught(unique)))).not.toMatch(/CANARY|0\.25/);
  });

  it.each<[string, Omit<DatasetSpec, 'path'>, string, string]>([
    ['a feature listed twice', { idColumn: 'id', features: ['v', 'v'] }, 'v', 'listed twice in features'],
    ['the id column as a feature', { idColumn: 'id', features: ['id', 'v'] }, 'id', 'in both idColumn and features'],
    ['the label column as a feature', { idColumn: 'id', labelColumn: 'y', features: ['y'] }, 'y', 'in both labelColumn and features'],
    ['the id column as the label', { idColumn: 'id', labelColumn: 'id' }, 'id', 'in both idColumn and labelColumn'],
    ['a categorical column listed twice', { idColumn: 'id', categorical: ['v', 'v'] }, 'v', 'listed twice in categorical'],
    ['the label as categorical', { idColumn: 'id', labelColumn: 'y', categorical: ['y'] }, 'y', 'in both labelColumn and categorical'],
  ])('rejects %s', async (_, spec, column, reason) => {
    await expectError(load('id,y,v\n1,0,2\n', spec), 'FM_ERR_DATA_COLUMN_TWICE', [`column "${column}"`, reason]);
  });

  it('rejects a header that names two columns alike, by position', async () => {
    await expectError(load('id,v, v\n1,2,3\n', { idColumn: 'id' }), 'FM_ERR_DATA_ROW', ['row 0 (the header)', 'columns 2 and 3 have the same name']);
  });

  it('rejects a categorical column that is not among explicit features', async () => {
    await expectError(
      load('id,v,job\n1,2,x\n', { idColumn: 'id', features: ['v'], categorical: ['job'] }),
      'FM_ERR_DATA_SPEC',
      ['categorical', 'column "job" is not among the features'],
    );
  });

  it('rejects a non-numeric value, naming column and row', async () => {
    await expectError(load('id,v,w\n1,2,3\n2,4,"1,5"\n', { idColumn: 'id' }), 'FM_ERR_DATA_NUMBER', [
      'row 2, column "w"',
      'neither a number',
    ]);
  });

  it('never copies the offending cell into the message: it travels to the coordinator', async () => {
    const secret = 'salary-9876543';
    const err: unknown = await load(`id,v,y\n1,${secret},1\n`, { idColumn: 'id' }).catch((e: unknown) => e);
    expect((err as FedmarkError).code).toBe('FM_ERR_DATA_NUMBER');
    expect((err as FedmarkError).message).not.toContain(secret);
    const label: unknown = await load('id,y\n1,maybe-9876543\n', { idColumn: 'id', labelColumn: 'y' }).catch((e: unknown) => e);
    expect((label as FedmarkError).message).not.toContain('9876543');
  });

  it('rejects a non-binary label', async () => {
    await expectError(load('id,y\n1,1\n2,0\n3,2\n', { idColumn: 'id', labelColumn: 'y' }), 'FM_ERR_DATA_LABEL', [
      'row 3, column "y"',
      'the label is not binary',
    ]);
  });

  it('rejects a ragged row', async () => {
    await expectError(load('id,v\r\n1,2\r\n2,3,4\r\n', { idColumn: 'id' }), 'FM_ERR_DATA_ROW', ['row 2: has 3 fields, the header has 2']);
  });
});

describe('loadDataset: FATE data', () => {
  it('loads default_credit_hetero_guest.csv.gz: 30,000 rows, 13 features, the label count', async () => {
    const path = fate('default_credit_hetero_guest');

    const started = performance.now();
    const d = await loadDataset({ path, idColumn: 'id', labelColumn: 'y' }, { party: 'guest' });
    const elapsed = performance.now() - started;
    console.log(`default_credit_hetero_guest.csv.gz: ${d.rows} rows loaded in ${elapsed.toFixed(1)} ms`);

    // Independent count: split lines naively, y is the second column.
    const lines = (await readText(path)).split(/\r?\n/).filter((l) => l !== '').slice(1);
    const positives = lines.filter((l) => l.split(',')[1] === '1').length;

    expect(d.rows).toBe(30_000);
    expect(d.file).toBe('default_credit_hetero_guest.csv.gz');
    expect(d.featureNames).toEqual(Array.from({ length: 13 }, (_, i) => `x${i}`));
    expect(d.features).toHaveLength(30_000 * 13);
    expect(d.stats.labelPositives).toBe(positives);
    expect(d.stats.totalRows).toBe(30_000);
    expect(d.stats.droppedWithoutConsent).toBe(0);
    expect(new Set(d.ids).size).toBe(30_000);
    expect(d.features.every(Number.isFinite)).toBe(true);
  });
});
