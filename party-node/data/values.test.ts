import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { isMissing, parseBinary, parseConsent, parseNumber, parseNumberBytes } from './values.ts';

/** What the loader computes for a cell: the byte fast path, else the string rules. */
function viaBytes(cell: string): number | undefined {
  const bytes = Buffer.from(`;${cell};`); // offset spans, as in a real row
  return parseNumberBytes(bytes, 1, bytes.length - 1) ?? parseNumber(cell);
}

describe('parseNumber', () => {
  it.each([
    ['0', 0],
    ['-0', -0],
    ['+1.5', 1.5],
    [' 42 ', 42],
    ['-2e3', -2000],
    ['1E-2', 0.01],
    ['.5', 0.5],
    ['7.', 7],
    ['-1.486041', -1.486041],
    ['0.1', 0.1],
    ['123456789012345678', 123456789012345678],
    ['1e-30', 1e-30],
    ['0e999', 0],
  ])('reads %j as %d, by both paths', (cell, expected) => {
    expect(parseNumber(cell)).toBe(expected);
    expect(viaBytes(cell)).toBe(expected);
  });

  it.each(['', ' ', 'NA', 'nan', 'NULL', '?', 'N/A', '#N/A'])('reads %j as missing', (cell) => {
    expect(parseNumber(cell)).toBeNaN();
    expect(viaBytes(cell)).toBeNaN();
  });

  it.each(['abc', '1,5', '0x10', 'Infinity', '1e400', '1.2.3', '.', '-', '1e', '1e+', '--1', '1 000', '١٢'])(
    'rejects %j',
    (cell) => {
      expect(parseNumber(cell)).toBeUndefined();
      expect(viaBytes(cell)).toBeUndefined();
    },
  );

  it('agrees with Number() on random decimal strings', () => {
    let seed = 12345;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648; // fixed LCG: the run is reproducible
      return seed % n;
    };
    const digits = (n: number): string => Array.from({ length: n }, () => String(random(10))).join('');
    for (let k = 0; k < 20_000; k++) {
      const sign = ['', '-', '+'][random(3)]!;
      const int = digits(random(12));
      const frac = random(2) === 0 ? '' : `.${digits(random(12))}`;
      const exp = random(3) === 0 ? `e${['', '-', '+'][random(3)]}${random(40)}` : '';
      const cell = `${sign}${int}${frac}${exp}`;
      const expected = /\d/.test(int + frac) ? Number(cell) : cell === '' ? Number.NaN : undefined;
      expect(viaBytes(cell), cell).toBe(expected);
    }
  });
});

describe('binary values', () => {
  it('reads labels in any case and trimmed, and nothing else', () => {
    expect(['1', 'Y', 'yes', ' TRUE '].map(parseBinary)).toEqual([1, 1, 1, 1]);
    expect(['0', 'n', 'No', 'false'].map(parseBinary)).toEqual([0, 0, 0, 0]);
    expect(['2', '', 'oui', '0.5', '-1', '1.0.0', 'NaN'].map(parseBinary)).toEqual(Array(7).fill(undefined));
  });

  it('reads a label written as a float (1.0, 0.0) as the integer it equals', () => {
    expect(['1.0', ' 1.00 ', '1e0', '+1.'].map(parseBinary)).toEqual([1, 1, 1, 1]);
    expect(['0.0', '-0', '0.000', '0e5'].map(parseBinary)).toEqual([0, 0, 0, 0]);
  });

  it('treats empty and missing consent as no, and rejects the unknown', () => {
    expect(['Y', 'yes', '1', 'true'].map(parseConsent)).toEqual([true, true, true, true]);
    expect(['N', 'no', '0', 'false', '', ' ', 'NA', 'null'].map(parseConsent)).toEqual(Array(8).fill(false));
    expect(parseConsent('maybe')).toBeUndefined();
  });

  it('knows the missing tokens', () => {
    expect(['', 'na', 'NaN', 'null', '?', 'N/A', 'n/a', '#N/A'].every(isMissing)).toBe(true);
    expect(isMissing('none')).toBe(false);
  });
});

