import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERRORS, FedmarkError, fromWireError, serializeError, toFedmarkError } from './table.ts';

describe('error table', () => {
  it('matches the documented list (docs/integrators.md, Error codes) code for code, with the same HTTP status', () => {
    const doc = readFileSync(new URL('../docs/integrators.md', import.meta.url), 'utf8');
    const rows = [...doc.matchAll(/^\| `(FM_ERR_[A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]);
    const table = Object.entries(ERRORS).map(([code, e]) => [code, e.status]);
    expect(rows.sort()).toEqual(table.sort());
  });

  it('fills every placeholder a thrower gives and keeps the code and status', () => {
    const e = new FedmarkError('FM_ERR_DATA_NUMBER', { party: 'bank', file: 'a.csv', row: 7, column: 'x1' });
    expect(e.message).toBe('party bank: a.csv row 7, column "x1": the value is neither a number (decimal point, no thousands separators, within ±1.8e308) nor missing (empty, NA, N/A, NaN, null, ?); list the column under categorical if it is one');
    expect(e.status).toBe(422);
    expect(serializeError(e)).toEqual({ code: 'FM_ERR_DATA_NUMBER', message: e.message });
  });

  it('puts no stack or cause on the wire and keeps the cause locally', () => {
    const cause = new Error('secret internals at /home/bank/keys');
    const e = toFedmarkError(cause);
    expect(e.code).toBe('FM_ERR_INTERNAL');
    expect(e.cause).toBe(cause);
    expect(Object.keys(serializeError(e))).toEqual(['code', 'message']);
  });

  it('rebuilds a reported error with its own message, and falls back on an unknown code', () => {
    expect(fromWireError({ code: 'FM_ERR_DATA_EMPTY', message: 'party x: f.csv has no data rows' }, 'FM_ERR_INTERNAL', {}).message).toBe('party x: f.csv has no data rows');
    const unknown = fromWireError({ code: 'NOPE' as never, message: 'x' }, 'FM_ERR_JOB_PARTY_FAILED', { party: 'p', reason: 'r' });
    expect(unknown.code).toBe('FM_ERR_JOB_PARTY_FAILED');
  });
});
