import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { BANK_COLUMNS, HORIZONTAL_NUMERIC, HORIZONTAL_ONE_HOT, ID_PREFIX, PARTNER_COLUMNS, splitBankMarketing, splitBankMarketingHorizontal } from './bankMarketing.ts';
import { BANK_MARKETING, readText } from '../../data/sets.ts';
import { tempDir } from '../../testing/fixtures.ts';

const lines = async (path: string) => (await readText(path)).trim().split(/\r?\n/);

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

describe('bank-marketing split horizontally', () => {
  it('every customer at one member with one schema of numeric and one-hot columns; half of each member\'s subscribers as its seeds', async () => {
    const dir = await tempDir('bank-hsplit');
    const members = ['north', 'south', 'online'];
    const split = await splitBankMarketingHorizontal(BANK_MARKETING, dir, members);
    const source = (await lines(BANK_MARKETING)).slice(1).map((l) => l.split(';'));
    const headers = new Set<string>();
    const ids = new Set<string>();
    let subscribers = 0;
    for (const m of members) {
      const files = split[m];
      if (!files) throw new Error(`no files for ${m}`);
      const data = await lines(files.data);
      headers.add(data[0] as string);
      for (const l of data.slice(1)) ids.add(l.split(';')[0] as string);
      // Roughly a third of the customers each, every value numeric.
      expect(Math.abs(files.rows / source.length - 1 / 3)).toBeLessThan(0.03);
      expect(data.slice(1).every((l) => l.split(';').slice(1).every((v) => v !== '' && Number.isFinite(Number(v))))).toBe(true);
      const seeds = (await lines(files.seeds)).slice(1);
      const hidden = (await lines(files.hidden)).slice(1);
      expect(Math.abs(seeds.length / (seeds.length + hidden.length) - 0.5)).toBeLessThan(0.05);
      const own = new Set(data.slice(1).map((l) => l.split(';')[0]));
      expect([...seeds, ...hidden].every((id) => own.has(id))).toBe(true);
      subscribers += seeds.length + hidden.length;
    }
    expect(headers.size).toBe(1);
    const header = [...headers][0] as string;
    expect(header).not.toMatch(/duration|;y(;|$)/);
    expect(header).toContain('month_may');
    expect(header.split(';').slice(1, 1 + HORIZONTAL_NUMERIC.length)).toEqual([...HORIZONTAL_NUMERIC]);
    expect(ids.size).toBe(source.length);
    expect(subscribers).toBe(source.filter((r) => r.at(-1) === 'yes').length);
    // The first source row's one-hot block has exactly one 1 per encoded column.
    const first = (await Promise.all(members.map(async (m) => (await lines(split[m]?.data as string)).find((l) => l.startsWith(`${ID_PREFIX}${'1'.padStart(String(source.length + 1).length, '0')};`))))).find(Boolean) as string;
    const flags = first.split(';').slice(1 + HORIZONTAL_NUMERIC.length).map(Number);
    expect(flags.reduce((a, b) => a + b, 0)).toBe(HORIZONTAL_ONE_HOT.length);
  });
});
