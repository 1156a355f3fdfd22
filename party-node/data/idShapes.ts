// What a party's IDs look like, for its own log: IDs match as text (protocol/ids.ts), so an ID
// column that a spreadsheet or pandas wrote as numbers (1.23457E+11, 123.0) matches nothing a
// partner wrote as 123457000000 or 123, silently. Nothing here leaves the party. Only the first
// SAMPLE IDs are looked at: such a rewrite affects a whole column, and the scan stays cheap at
// ten million rows.
import type { IdList } from '../../protocol/psi/session.ts';

const SAMPLE = 10_000;
/** A number in exponent notation (1.0e3, 1.23457E+11) or an integer with a zero fraction (123.0). */
const NUMERIC_REWRITE = /^[+-]?(?:\d+(?:\.\d*)?[eE][+-]?\d+|\d+\.0+)$/;
/** Digits only, starting with a zero: kept as is, but a partner that dropped the zeros matches none. */
const LEADING_ZERO = /^0\d+$/;

export interface IdShapes {
  /** IDs looked at (the first ones of the table). */
  sampled: number;
  /** Of those, how many look like a number a tool rewrote: exponent notation or a .0 fraction. */
  numericRewrite: number;
  /** Of those, how many are digits with a leading zero. */
  leadingZero: number;
}

export function idShapes(ids: IdList): IdShapes {
  const sampled = Math.min(ids.length, SAMPLE);
  let numericRewrite = 0;
  let leadingZero = 0;
  for (let i = 0; i < sampled; i++) {
    const id = ids.at(i) ?? '';
    if (NUMERIC_REWRITE.test(id)) numericRewrite++;
    else if (LEADING_ZERO.test(id)) leadingZero++;
  }
  return { sampled, numericRewrite, leadingZero };
}
