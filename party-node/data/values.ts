// What one cell means: a number, a missing value, a yes/no, an ID. Every rule trims first,
// because exports from spreadsheets and core banking systems pad cells inconsistently.

import { Buffer } from 'node:buffer';

// Tokens that mean "no value" in numeric and categorical columns alike (compared lower-cased);
// n/a and #n/a are what spreadsheets write. Words such as "none" stay values: they are categories.
const MISSING = new Set(['', 'na', 'n/a', '#n/a', 'nan', 'null', '?']);

// Decimal notation only: Number() alone would also take hex, binary, "Infinity" and "".
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

const YES = new Set(['1', 'y', 'yes', 'true']);
const NO = new Set(['0', 'n', 'no', 'false']);

export function isMissing(trimmed: string): boolean {
  return MISSING.has(trimmed.toLowerCase());
}

/** The cell's number, NaN when it is missing, undefined when it is neither (or overflows to ±Infinity). */
export function parseNumber(cell: string): number | undefined {
  const t = cell.trim();
  if (NUMBER.test(t)) {
    const n = Number(t);
    return Number.isFinite(n) ? n : undefined;
  }
  return isMissing(t) ? Number.NaN : undefined;
}

// Exact powers of ten: every one up to 1e22 is representable as a double.
const POW10 = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));
const MAX_FAST_DIGITS = 15; // any 15-digit integer is exact in a double

/**
 * parseNumber's result for bytes[start..end), computed without making a string where it can be,
 * or undefined when the bytes are not a plain decimal (the caller then decodes the cell and uses
 * parseNumber, which also knows the missing tokens). Fast path (Clinger 1990): at most 15
 * significant digits and a decimal exponent within ±22, where one multiplication or division of
 * two exact doubles is correctly rounded and so equals what Number() returns. A decimal outside it
 * (more digits, a larger exponent) has had its syntax checked by the scan, so Number() of its
 * text gives parseNumber's answer without the regular expression.
 */
export function parseNumberBytes(bytes: Uint8Array, start: number, end: number): number | undefined {
  let i = start;
  let e = end;
  while (i < e && isSpace(bytes[i]!)) i++;
  while (e > i && isSpace(bytes[e - 1]!)) e--;
  const from = i;
  const sign = bytes[i] === 0x2d ? -1 : 1;
  if (bytes[i] === 0x2d || bytes[i] === 0x2b) i++;

  let mantissa = 0;
  let digits = 0; // significant digits: leading zeros do not count
  let scale = 0;
  let seen = false;
  let fraction = false;
  for (; i < e; i++) {
    const b = bytes[i]!;
    if (b === 0x2e && !fraction) {
      fraction = true;
      continue;
    }
    if (b < 0x30 || b > 0x39) break;
    seen = true;
    if (fraction) scale--;
    if (mantissa !== 0 || b !== 0x30) {
      mantissa = mantissa * 10 + (b - 0x30);
      digits++;
    }
  }
  if (!seen) return undefined;

  if (i < e && (bytes[i] === 0x65 || bytes[i] === 0x45)) {
    i++;
    const expSign = bytes[i] === 0x2d ? -1 : 1;
    if (bytes[i] === 0x2d || bytes[i] === 0x2b) i++;
    const expFrom = i;
    let exp = 0;
    for (; i < e && bytes[i]! >= 0x30 && bytes[i]! <= 0x39; i++) exp = Math.min(exp * 10 + (bytes[i]! - 0x30), 1e6);
    if (i === expFrom) return undefined;
    scale += expSign * exp;
  }
  if (i !== e) return undefined;

  if (mantissa === 0 && digits === 0) return sign * 0;
  if (digits > MAX_FAST_DIGITS || scale < -22 || scale > 22) {
    const n = Number(Buffer.from(bytes.buffer, bytes.byteOffset + from, e - from).toString('latin1'));
    return Number.isFinite(n) ? n : undefined;
  }
  return sign * (scale < 0 ? mantissa / POW10[-scale]! : mantissa * POW10[scale]!);
}

function isSpace(b: number): boolean {
  return b === 0x20 || (b >= 0x09 && b <= 0x0d); // the ASCII part of what String.prototype.trim removes
}

/**
 * 1 for 1/y/yes/true, 0 for 0/n/no/false (case-insensitive), undefined for anything else. A
 * decimal equal to 1 or 0 counts as one (1.0, 0.00: a label column an export wrote as floats).
 */
export function parseBinary(cell: string): 0 | 1 | undefined {
  const t = cell.trim().toLowerCase();
  if (YES.has(t)) return 1;
  if (NO.has(t)) return 0;
  if (!NUMBER.test(t)) return undefined;
  const n = Number(t);
  return n === 1 ? 1 : n === 0 ? 0 : undefined;
}

/**
 * Consent as a yes/no; an empty or missing-token cell (NA, null, …) counts as no, because
 * a customer whose consent is unknown must not be used. Undefined for anything unrecognised.
 */
export function parseConsent(cell: string): boolean | undefined {
  const yes = parseBinary(cell);
  if (yes !== undefined) return yes === 1;
  return isMissing(cell.trim()) ? false : undefined;
}

export { normalizeId } from '../../protocol/ids.ts';
