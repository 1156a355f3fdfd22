import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../data/csv.ts';
import { datasetFromTable } from '../data/dataset.ts';
import { writeIntersection } from './psi.ts';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fedmark-intersection-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('writeIntersection', () => {
  it('writes the rows\' IDs as written, in the order given, quoting those that need it, across write blocks', async () => {
    const tricky = ['a,b', 'say "hi"', 'São Paulo', '客户-7'];
    const plain = Array.from({ length: 60_000 }, (_, i) => `C-${String(i).padStart(24, '0')}`);
    const all = [...tricky, ...plain];
    const source = { party: 'bank', file: 'crm.csv' };
    const text = `id,v\n${all.map((id, i) => `"${id.replaceAll('"', '""')}",${i}`).join('\n')}\n`;
    const dataset = datasetFromTable(parseCsv(text, source), { idColumn: 'id', idCaseSensitive: true }, source);
    const rows = Uint32Array.from([...all.keys()].reverse());
    const path = await writeIntersection(dir, 'job-1', dataset, rows);
    const back = parseCsv(await readFile(path), { ...source, delimiter: ',' });
    expect(back.header).toEqual(['id']);
    expect(back.column(0)).toEqual(Array.from(rows, (r) => all[r]));
    expect((await readFile(path)).length).toBeGreaterThan(1 << 20);
  });

  it('writes the header alone for an empty intersection', async () => {
    const source = { party: 'bank', file: 'crm.csv' };
    const dataset = datasetFromTable(parseCsv('id,v\nc1,1\n', source), { idColumn: 'id' }, source);
    expect(await readFile(await writeIntersection(dir, 'job-2', dataset, new Uint32Array(0)), 'utf8')).toBe('id\n');
  });
});
