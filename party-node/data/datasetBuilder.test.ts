import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { BANK_MARKETING, readTextSync } from '../../data/sets.ts';
import { FedmarkError } from '../../errors/table.ts';
import { parseCsv } from './csv.ts';
import { csvBatches } from './csvStream.ts';
import { datasetFromBatches, datasetFromTable, type Dataset, type TableSpec } from './dataset.ts';

const SOURCE = { party: 'bank-a', file: 'crm.csv' };

async function* pieces(text: string, size: number): AsyncGenerator<Buffer> {
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

/** Loaded through the streaming path, in batches of about `batch` bytes. */
function inBatches(text: string, spec: TableSpec, batch: number): Promise<Dataset> {
  return datasetFromBatches(csvBatches(pieces(text, 997), SOURCE, batch), spec, SOURCE);
}

async function failure(loading: Promise<unknown>): Promise<FedmarkError> {
  const err = await loading.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(FedmarkError);
  return err as FedmarkError;
}

describe('DatasetBuilder', () => {
  it('gives the same Dataset in small batches as from the whole table (bank-marketing, with categorical columns)', async () => {
    // The set has no ID column: number its rows.
    const text = readTextSync(BANK_MARKETING).trimEnd().split('\n').map((line, i) => `${i === 0 ? 'id' : `C-${i}`};${line}`).join('\n');
    const spec: TableSpec = { idColumn: 'id', labelColumn: 'y', categorical: ['job', 'marital', 'education', 'default', 'housing', 'loan', 'contact', 'month', 'poutcome'] };
    const whole = datasetFromTable(parseCsv(text, SOURCE), spec, SOURCE);
    const batched = await inBatches(text, spec, 50_000);
    expect(whole.rows).toBeGreaterThan(5000);
    expect(batched.rawIds).toEqual(whole.rawIds);
    expect(batched.ids).toEqual(whole.ids);
    expect(Array.from(batched.labels!)).toEqual(Array.from(whole.labels!));
    expect(batched.featureNames).toEqual(whole.featureNames);
    expect(batched.encodings).toEqual(whole.encodings);
    expect(batched.stats).toEqual(whole.stats);
    expect(Buffer.from(batched.features.buffer).equals(Buffer.from(whole.features.buffer))).toBe(true);
  });

  it('keeps a column in float32 only when every value survives exactly, and gives float64 rows of the values read', async () => {
    const rows = Array.from({ length: 1000 }, (_, i) => `c${i},${i},${i / 4},${i + 0.1},${16_777_217 + i}`);
    const d = datasetFromTable(parseCsv(`id,count,quarter,decimal,big\n${rows.join('\n')}\n`, SOURCE), { idColumn: 'id' }, SOURCE);
    // IDs (bytes + 4 per row), count and quarter in float32, decimal and big (past 2^24) in float64.
    const idBytes = rows.reduce((sum, r) => sum + r.indexOf(',') + 4, 0);
    expect(d.byteLength).toBe(idBytes + 1000 * (4 + 4 + 8 + 8));
    const picked = d.selectRows([999, 0, 500]);
    expect(Array.from(picked)).toEqual([999, 999 / 4, 999.1, 16_777_217 + 999, 0, 0, 0.1, 16_777_217, 500, 125, 500.1, 16_777_217 + 500]);
    expect(Array.from(d.features.subarray(4 * 500, 4 * 501))).toEqual([500, 125, 500.1, 16_777_217 + 500]);
    expect(() => d.selectRows([1000])).toThrow(RangeError);
    // A job takes its rows column by column, the same values as selectRows; the columns and
    // `features` go, IDs and stats stay.
    const whole = Float64Array.from(d.features);
    let turns = 0;
    const [some, all] = await d.takeRows([[999, 0, 500], Array.from({ length: 1000 }, (_, i) => i)], { between: async () => turns++ });
    expect(Array.from(some!)).toEqual(Array.from(picked));
    expect(Array.from(all!)).toEqual(Array.from(whole));
    expect(turns).toBe(4);
    expect(d.byteLength).toBe(idBytes);
    expect(d.ids[999]).toBe('c999');
    expect(d.stats.totalRows).toBe(1000);
    expect(() => d.selectRows([0])).toThrow(/columns of crm\.csv were released/);
    await expect(d.takeRows([[0]])).rejects.toThrow(/were released/);
  });

  it('tells two different IDs with the same 32-bit hash apart, and still finds the real duplicate among them', async () => {
    // c693596 and c1170850 share their table hash (found by search): only comparing the IDs separates them.
    const d = datasetFromTable(parseCsv('id,v\nc693596,1\nc1170850,2\n', SOURCE), { idColumn: 'id' }, SOURCE);
    expect(d.ids).toEqual(['c693596', 'c1170850']);
    const err = await failure(inBatches('id,v\nc693596,1\nc1170850,2\nC1170850,3\n', { idColumn: 'id' }, 8));
    expect(err.code).toBe('FM_ERR_DATA_DUPLICATE_ID');
    expect(err.message).toContain('row 3, column "id": ID duplicates the one on row 2');
  });

  it('reports the error the whole-table order of checks gives, whichever batch each problem is in', async () => {
    const body = Array.from({ length: 200 }, (_, i) => `c${i},Y,${i % 2},${i}`);
    const withRow = (index: number, row: string) => ['id,consent,y,v', ...body.slice(0, index), row, ...body.slice(index + 1)].join('\n');
    // A duplicate ID on row 3 and an unrecognised consent on row 190: consent is checked first over every row.
    const lines = withRow(189, 'c189,maybe,0,1').split('\n');
    lines[3] = 'c0,Y,0,1';
    const consent = await failure(inBatches(lines.join('\n'), { idColumn: 'id', consentColumn: 'consent', labelColumn: 'y' }, 64));
    expect(consent.code).toBe('FM_ERR_DATA_CONSENT');
    expect(consent.message).toContain('row 190');
    // A bad number on row 2 and a bad label on row 150: labels come before features.
    const lines2 = withRow(149, 'c149,Y,7,1').split('\n');
    lines2[2] = 'c1,Y,1,not-a-number';
    const label = await failure(inBatches(lines2.join('\n'), { idColumn: 'id', consentColumn: 'consent', labelColumn: 'y' }, 64));
    expect(label.code).toBe('FM_ERR_DATA_LABEL');
    expect(label.message).toContain('row 150');
    // Bad numbers in two columns: the first column in feature order wins, not the first row.
    const two = ['id,a,b', 'c0,1,x', ...Array.from({ length: 100 }, (_, i) => `c${i + 1},1,2`), 'c101,y,2'].join('\n');
    const number = await failure(inBatches(two, { idColumn: 'id' }, 64));
    expect(number.message).toContain('row 102, column "a"');
    // A row without consent is never read past its ID.
    const dropped = await inBatches(withRow(120, 'c120,N,bad,bad'), { idColumn: 'id', consentColumn: 'consent', labelColumn: 'y' }, 64);
    expect(dropped.rows).toBe(199);
    expect(dropped.withoutConsent).toEqual(new Set(['c120']));
  });

  it('says an empty table is empty before looking for its columns', async () => {
    const err = await failure(inBatches('id,v\n', { idColumn: 'missing' }, 64));
    expect(err.code).toBe('FM_ERR_DATA_EMPTY');
  });
});
