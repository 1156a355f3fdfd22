import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../testing/fixtures.ts';
import { ledgerPath, readLedger } from '../audit/ledger.ts';
import { verifyChain } from '../audit/verify.ts';
import type { PartialScores } from '../scoring/partial.ts';
import { withholdSuppressed } from './honour.ts';
import { readSuppressionFile } from './importFile.ts';
import { suppressedKeys, SuppressionList } from './list.ts';

describe('suppression list', () => {
  it('a handle kept open (the scorer\'s) sees entries another handle records and removes at once, whether it looks IDs up or reads the list', async () => {
    const dir = await tempDir('suppression-among');
    const scorer = new SuppressionList(dir);
    const operator = new SuppressionList(dir);
    try {
      const many = Array.from({ length: 10_001 }, (_, i) => `other-${i}`);
      expect(scorer.among(['A-1', 'a-2'])).toEqual(new Set());
      operator.add([{ id: 'a-1', reason: 'opt-out', date: '2026-12-01' }]);
      expect(scorer.among([' A-1', 'a-2'])).toEqual(new Set(['a-1']));
      expect(scorer.among([...many, 'a-2'])).toEqual(new Set());
      expect(scorer.among([...many, 'a-1 '])).toEqual(new Set(['a-1']));
      operator.remove(['A-1']);
      expect(scorer.among(['a-1'])).toEqual(new Set());
      expect(scorer.among(many)).toEqual(new Set());
    } finally {
      scorer.close();
      operator.close();
    }
  });

  it('keeps entries in the work folder, matches IDs whatever their case and spacing, and records each change in the ledger as a digest only', async () => {
    const dir = await tempDir('suppression');
    const list = new SuppressionList(dir);
    expect(list.add([{ id: 'Cust-001', reason: 'opt-out', date: '2026-12-01' }, { id: 'cust-002', reason: 'consent withdrawn', date: '2026-11-30' }])).toBe(2);
    expect(list.add([{ id: ' CUST-001 ', reason: 'opt-out by letter', date: '2026-12-02' }])).toBe(0);
    expect(list.remove(['cust-002', 'never-listed'])).toBe(1);
    expect(list.list().map((e) => [e.id, e.reason, e.date])).toEqual([['Cust-001', 'opt-out by letter', '2026-12-02']]);
    list.close();
    // Another process (here: another handle) sees it at once.
    expect([...suppressedKeys(dir)]).toEqual(['cust-001']);
    const entries = readLedger(ledgerPath(dir));
    expect(entries.map((e) => [e.kind, e.to, e.job])).toEqual([['suppression.add', 'self', null], ['suppression.add', 'self', null], ['suppression.remove', 'self', null]]);
    expect(verifyChain(entries).ok).toBe(true);
    const raw = await readFile(ledgerPath(dir));
    expect(raw.includes('Cust-001')).toBe(false);
    expect(raw.toString('latin1').toLowerCase().includes('cust-001')).toBe(false);
  });

  it('withholds a suppressed customer\'s contribution, so it comes out unscorable', () => {
    const partial: PartialScores = { scores: Float64Array.from([1, 2, 3, 4, 5, 6]), width: 2, known: Uint8Array.from([1, 1, 1]), noConsent: [] };
    expect(withholdSuppressed(partial, ['a', 'B ', 'c'], new Set(['b']))).toBe(1);
    expect(Array.from(partial.known)).toEqual([1, 0, 1]);
    expect(Array.from(partial.scores)).toEqual([1, 2, Number.NaN, Number.NaN, 5, 6]);
  });

  it('imports a file only when every row is right, naming file, row and column otherwise', async () => {
    const dir = await tempDir('suppression-import');
    const file = join(dir, 'optouts.csv');
    await writeFile(file, 'customer_id,reason,date\nc1,opt-out,2026-12-01\nc2,opt-out,2026-02-30\n');
    await expect(readSuppressionFile('bank', file)).rejects.toThrow(/suppression list .*optouts\.csv row 3, column "date": "2026-02-30" is not a date YYYY-MM-DD; nothing was recorded/);
    await writeFile(file, 'customer_id,reason,date\nc1,opt-out,2026-12-01\nC1,opt-out,2026-12-01\n');
    await expect(readSuppressionFile('bank', file)).rejects.toThrow(/row 3, column "customer_id": the ID repeats row 2/);
    await writeFile(file, 'customer_id,date\nc1,2026-12-01\n');
    await expect(readSuppressionFile('bank', file)).rejects.toThrow(/row 1, column "reason": the header lacks it/);
    await writeFile(file, 'customer_id,reason,date\n,opt-out,2026-12-01\n');
    await expect(readSuppressionFile('bank', file)).rejects.toThrow(/row 2, column "customer_id": the ID is empty/);
    await writeFile(file, 'customer_id,reason,date\nc1,opt-out,2026-12-01\nc2,consent withdrawn,2026-11-02\n');
    expect(await readSuppressionFile('bank', file)).toEqual([{ id: 'c1', reason: 'opt-out', date: '2026-12-01' }, { id: 'c2', reason: 'consent withdrawn', date: '2026-11-02' }]);
  });
});
