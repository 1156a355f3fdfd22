import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { BANK_MARKETING, readTextSync } from '../../data/sets.ts';
import { FedmarkError } from '../../errors/table.ts';
import { detectDelimiter, MAX_HEADER_BYTES, parseCsv } from './csv.ts';
import type { CsvTable } from './csv.ts';

const SOURCE = { party: 'bank-a', file: 'customers.csv' };

function parse(text: string | Uint8Array, delimiter?: string): CsvTable {
  return parseCsv(text, delimiter === undefined ? SOURCE : { ...SOURCE, delimiter });
}

/** Rows back from columns, to compare against hand-written expectations. */
function records(table: CsvTable): string[][] {
  return Array.from({ length: table.rows }, (_, r) => table.header.map((_, c) => table.field(r, c)));
}

function parseError(text: string, delimiter?: string): FedmarkError {
  try {
    parse(text, delimiter);
  } catch (err) {
    if (err instanceof FedmarkError) return err;
    throw err;
  }
  throw new Error('expected parseCsv to throw');
}

describe('parseCsv', () => {
  it('reads a header and LF-terminated records into columns', () => {
    const table = parse('id,x,y\n1,2,3\n4,5,6\n');
    expect(table.header).toEqual(['id', 'x', 'y']);
    expect([0, 1, 2].map((c) => table.column(c))).toEqual([['1', '4'], ['2', '5'], ['3', '6']]);
    expect(table.rows).toBe(2);
    expect(table.delimiter).toBe(',');
  });

  it('reads a ;-separated CRLF file with a BOM and quoted fields', () => {
    const text = '\uFEFFid;name;note\r\n1;"Smith; John";"said ""hi"""\r\n2;"two\r\nlines";plain\r\n';
    const table = parse(text);
    expect(table.delimiter).toBe(';');
    expect(table.header).toEqual(['id', 'name', 'note']);
    expect(records(table)).toEqual([
      ['1', 'Smith; John', 'said "hi"'],
      ['2', 'two\r\nlines', 'plain'],
    ]);
  });

  it('keeps empty fields, empty quoted fields and a quote inside an unquoted field', () => {
    expect(records(parse('a,b,c\n,"",x"y\n'))).toEqual([['', '', 'x"y']]);
  });

  it('accepts a last record without a line break, and ignores trailing empty lines', () => {
    expect(parse('a,b\n1,2').rows).toBe(1);
    expect(records(parse('a,b\r\n1,2\r\n\r\n\n'))).toEqual([['1', '2']]);
    expect(records(parse('a,b\n1,"2"\n\n'))).toEqual([['1', '2']]);
  });

  it('decodes UTF-8 fields and escaped header names', () => {
    const table = parse('"say ""id""",city\n1,São Paulo\n2,"Zürich, ""ZH"""\n');
    expect(table.header).toEqual(['say "id"', 'city']);
    expect(table.column(1)).toEqual(['São Paulo', 'Zürich, "ZH"']);
  });

  it('reads a Uint8Array that is a view into a larger buffer', () => {
    const backing = new TextEncoder().encode('xxxxa,b\n1,2\n');
    const table = parse(backing.subarray(4));
    expect(table.header).toEqual(['a', 'b']);
    expect(records(table)).toEqual([['1', '2']]);
  });

  it('detects tab and pipe, and lets an explicit delimiter win', () => {
    expect(parse('a\tb\n1\t2\n').delimiter).toBe('\t');
    expect(parse('a|b\n1|2\n').delimiter).toBe('|');
    expect(records(parse('a;b,c\n1;2,3\n', ','))).toEqual([['1;2', '3']]);
  });

  it('ignores delimiters inside quotes when detecting, and defaults to a comma', () => {
    const detect = (text: string): string => detectDelimiter(Buffer.from(text));
    expect(detect('"a;b;c",d\n')).toBe(',');
    expect(detect('single\n1\n')).toBe(',');
    expect(detect('a;b,c;d\n')).toBe(';');
  });

  it('returns an empty table for empty text', () => {
    expect(parse('')).toMatchObject({ header: [], rows: 0, delimiter: ',' });
    expect(parse('\uFEFF').rows).toBe(0);
  });

  it('rejects a ragged row, naming the file and the 1-based data row', () => {
    const err = parseError('a,b,c\n1,2,3\n4,5\n');
    expect(err.code).toBe('FM_ERR_DATA_ROW');
    expect(err.message).toContain('customers.csv row 2');
    expect(err.message).toContain('has 2 fields, the header has 3');
    expect(err.message).toContain('bank-a');
  });

  it('counts records, not lines, after a quoted newline', () => {
    const err = parseError('a,b\n"x\ny",1\n1,2,3\n');
    expect(err.code).toBe('FM_ERR_DATA_ROW');
    expect(err.message).toContain('row 2');
  });

  it('rejects a blank line in the middle of a multi-column file as a ragged row', () => {
    expect(parseError('a,b\n1,2\n\n3,4\n').message).toContain('row 2: has 1 field, the header has 2');
  });

  it('rejects a quote that is never closed', () => {
    const err = parseError('a,b\n1,2\n3,"open\n');
    expect(err.code).toBe('FM_ERR_DATA_ROW');
    expect(err.message).toContain('customers.csv row 2');
    expect(err.message).toContain('never closed');
  });

  it('drops spaces around a quoted field, so a padded quoted ID is the ID', () => {
    const table = parse('id,name\n  "00123" ,"a, b"\n "x y",  " z "  \n');
    expect(records(table)).toEqual([['00123', 'a, b'], ['x y', ' z ']]);
    // Spaces around an unquoted field stay in it (the loader trims where a value needs it).
    expect(records(parse('a,b\n 1 , x\n'))).toEqual([[' 1 ', ' x']]);
  });

  it('rejects text after a closing quote', () => {
    const err = parseError('a,b\n"x"y,1\n');
    expect(err.code).toBe('FM_ERR_DATA_ROW');
    expect(err.message).toContain('row 1: field 1 has text after its closing quote');
    expect(parseError('a,b\n "x" y,1\n').message).toContain('row 1: field 1 has text after its closing quote');
  });

  it('says the line ends are CR alone rather than "no data rows"', () => {
    const err = parseError('id,y,x0\rA1,1,0.5\rA2,0,0.1\r');
    expect(err.code).toBe('FM_ERR_DATA_ROW');
    expect(err.message).toContain('customers.csv row 0 (the header): the lines end in CR alone');
    expect(parse('id,y\r').rows).toBe(0);
  });

  it('stops at a first line longer than the header cap, naming what is wrong', () => {
    const err = parseError('a'.repeat(MAX_HEADER_BYTES + 10));
    expect(err.code).toBe('FM_ERR_DATA_ROW');
    expect(err.message).toContain(`row 0 (the header): no line break in the first ${MAX_HEADER_BYTES} bytes`);
    const wide = `${Array.from({ length: 20_000 }, (_, c) => `feature_${c}`).join(',')}\n${'1,'.repeat(19_999)}1\n`;
    expect(parse(wide).header).toHaveLength(20_000);
  });

  it('reports a broken header as row 0', () => {
    expect(parseError('"a,b\n').message).toContain('row 0 (the header)');
  });

  it('rejects an unusable explicit delimiter', () => {
    for (const bad of ['', ';;', '"', '\n']) {
      const err = parseError('a,b\n1,2\n', bad);
      expect(err.code).toBe('FM_ERR_DATA_SPEC');
      expect(err.message).toContain('customers.csv');
      expect(err.message).toContain('delimiter');
    }
  });

  it('parses 30,000 rows x 15 columns', () => {
    const header = Array.from({ length: 15 }, (_, c) => `x${c}`).join(',');
    const line = Array.from({ length: 15 }, (_, c) => (c * 0.123456).toFixed(6)).join(',');
    const table = parse(`${header}\r\n${`${line}\r\n`.repeat(30_000)}`);
    expect(table.rows).toBe(30_000);
    expect(table.field(29_999, 14)).toBe((14 * 0.123456).toFixed(6));
  });

  it('parses the bank-marketing file: 11,435 rows, 17 columns', () => {
    const table = parse(Buffer.from(readTextSync(BANK_MARKETING)));
    expect(table.delimiter).toBe(';');
    expect(table.rows).toBe(11_435);
    expect(table.header).toHaveLength(17);
    expect(table.header[0]).toBe('age');
    expect(table.header[16]).toBe('y');
    expect(new Set(table.column(16))).toEqual(new Set(['yes', 'no']));
  });
});
