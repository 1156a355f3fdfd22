import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { FedmarkError } from '../../errors/table.ts';
import { mulberry32 } from '../../models/random.ts';
import { parseCsv } from './csv.ts';
import { csvBatches } from './csvStream.ts';

const SOURCE = { party: 'bank-a', file: 'customers.csv' };

/** The bytes cut into pieces of `size` (the last shorter), as a stream would hand them over. */
async function* pieces(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function streamed(text: string, piece: number, batch: number): Promise<{ header: readonly string[]; rows: string[][]; firstRows: number[] }> {
  const rows: string[][] = [];
  const firstRows: number[] = [];
  let header: readonly string[] = [];
  for await (const { table, firstRow } of csvBatches(pieces(Buffer.from(text), piece), SOURCE, batch)) {
    header = table.header;
    firstRows.push(firstRow);
    for (let r = 0; r < table.rows; r++) rows.push(table.header.map((_, c) => table.field(r, c)));
  }
  return { header, rows, firstRows };
}

function whole(text: string): { header: readonly string[]; rows: string[][] } {
  const table = parseCsv(text, SOURCE);
  return { header: table.header, rows: Array.from({ length: table.rows }, (_, r) => table.header.map((_, c) => table.field(r, c))) };
}

/** Random CSV that exercises every place a record can be cut: quotes, doubled quotes, CRLF, multi-byte text, empty fields. */
function randomCsv(seed: number, rows: number): string {
  const next = mulberry32(seed);
  const pick = <T>(items: readonly T[]): T => items[next() % items.length]!;
  const cells = ['', 'plain', '12.5', '"quoted, with comma"', '"say ""hi"""', '"two\r\nlines"', 'São Paulo', '"Zürich ""ZH"""', '€100', '""', '  " padded, quoted "  '];
  const eol = pick(['\n', '\r\n']);
  const lines = ['"id",name,"note ""n""",city'];
  for (let r = 0; r < rows; r++) lines.push([`id-${r}`, pick(cells), pick(cells), pick(cells)].join(','));
  return `${lines.join(eol)}${pick(['', eol, `${eol}${eol}`])}`;
}

describe('csvBatches', () => {
  it('gives the records and fields of a whole-file parse, however the bytes and batches are cut', async () => {
    for (let seed = 1; seed <= 6; seed++) {
      const text = randomCsv(seed, 60);
      const expected = whole(text);
      for (const [piece, batch] of [[1, 1], [3, 7], [7, 64], [64, 5], [1000, 100000]] as const) {
        const got = await streamed(text, piece, batch);
        expect(got.header, `seed ${seed}, pieces of ${piece}, batches of ${batch}`).toEqual(expected.header);
        expect(got.rows, `seed ${seed}, pieces of ${piece}, batches of ${batch}`).toEqual(expected.rows);
      }
    }
  });

  it('numbers each batch by its first data row in the whole file', async () => {
    const text = `id,v\n${Array.from({ length: 50 }, (_, i) => `c${i},${i}`).join('\n')}\n`;
    const { rows, firstRows } = await streamed(text, 16, 40);
    expect(rows).toHaveLength(50);
    expect(firstRows.length).toBeGreaterThan(5);
    expect(firstRows[0]).toBe(0);
    // Each batch starts where the rows before it end.
    let seen = 0;
    for await (const { table, firstRow } of csvBatches(pieces(Buffer.from(text), 16), SOURCE, 40)) {
      expect(firstRow).toBe(seen);
      expect(table.field(0, 0)).toBe(`c${firstRow}`);
      seen += table.rows;
    }
  });

  it('reports a ragged record and an unclosed quote with the row a whole-file parse gives', async () => {
    const ragged = `id,v\n${Array.from({ length: 30 }, (_, i) => `c${i},${i}`).join('\n')}\nc30,1,2\n`;
    const unclosed = `id,v\n${Array.from({ length: 30 }, (_, i) => `c${i},${i}`).join('\n')}\nc30,"open\n`;
    for (const text of [ragged, unclosed]) {
      const expected = (() => { try { parseCsv(text, SOURCE); } catch (e) { return e as FedmarkError; } throw new Error('expected a failure'); })();
      const got = await streamed(text, 5, 20).then(() => undefined, (e: unknown) => e);
      expect(got).toBeInstanceOf(FedmarkError);
      expect((got as FedmarkError).message).toBe(expected.message);
      expect(expected.message).toContain('row 31');
    }
  });

  it('yields nothing for an empty or header-only file', async () => {
    expect((await streamed('', 4, 8)).rows).toEqual([]);
    expect((await streamed('id,v\r\n', 4, 8)).rows).toEqual([]);
  });
});
