import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { BANK_COLUMNS, ID_PREFIX, PARTNER_COLUMNS, splitBankMarketing } from './bankMarketing.ts';
import { BANK_MARKETING } from './lookalikeDemo.ts';
import { tempDir } from '../e2e/fixtures.ts';

const lines = async (path: string) => (await readFile(path, 'utf8')).trim().split(/\r?\n/);

describe('bank-marketing split for the lookalike demo', () => {
  it('bank and partner columns with a generated ID, no duration, no label; half of the subscribers as seeds', async () => {
    const dir = await tempDir('bank-split');
    const split = await splitBankMarketing(BANK_MARKETING, dir);
    const source = (await lines(BANK_MARKETING)).slice(1).map((l) => l.split(';'));
    const bank = await lines(split.bank);
    const partner = await lines(split.partner);
    expect(bank[0]).toBe(['customer_id', ...BANK_COLUMNS].join(';'));
    expect(partner[0]).toBe(['customer_id', ...PARTNER_COLUMNS].join(';'));
    expect(bank).toHaveLength(source.length + 1);
    expect(partner).toHaveLength(source.length + 1);
    for (const header of [bank[0], partner[0]]) expect(header).not.toMatch(/duration|;y$/);
    // Same customers, partner rows in another order; row r of the source is customer r.
    const bankIds = bank.slice(1).map((l) => l.split(';')[0] as string);
    const partnerIds = partner.slice(1).map((l) => l.split(';')[0] as string);
    expect(new Set(partnerIds)).toEqual(new Set(bankIds));
    expect(partnerIds).not.toEqual(bankIds);
    expect(bankIds.every((id) => id.startsWith(ID_PREFIX))).toBe(true);
    expect(bank[5]?.split(';').slice(1)).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((j) => source[4]?.[j]));
    // Seeds and hidden: every subscriber exactly once, about half each.
    const subscribers = new Set(bankIds.filter((_, r) => source[r]?.at(-1) === 'yes'));
    const seeds = (await lines(split.seeds)).slice(1);
    const hidden = (await lines(split.hidden)).slice(1);
    expect(new Set([...seeds, ...hidden])).toEqual(subscribers);
    expect(seeds.length + hidden.length).toBe(subscribers.size);
    expect(Math.abs(seeds.length / subscribers.size - 0.5)).toBeLessThan(0.03);
    expect(split).toMatchObject({ rows: source.length, seedCount: seeds.length, hiddenCount: hidden.length });
    // Deterministic.
    const again = await splitBankMarketing(BANK_MARKETING, await tempDir('bank-split-again'));
    expect(await lines(again.seeds)).toEqual(await lines(split.seeds));
  });
});
