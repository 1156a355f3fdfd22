// A lookalike job with gradient-boosted trees (purpose: lookalike, model: gbdt) on the demo's
// bank-marketing split: categorical columns at both parties, seeds at the bank. The trees rank the
// whole population at the guest (hosts answer their splits for the population's rows); the
// audience must find hidden subscribers well above random and beat the bank's columns alone.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { VerticalJobSpec } from '../protocol/messages/jobSpec.ts';
import { simulate } from '../coordinator/simulate.ts';
import { splitBankMarketing } from '../coordinator/demo/bankMarketing.ts';
import { audienceRecall } from '../coordinator/demo/audienceRecall.ts';
import { lookalikeJobFor } from '../coordinator/demo/lookalikeDemo.ts';
import { BANK_MARKETING } from '../data/sets.ts';
import { tempDir } from './fixtures.ts';

describe('lookalike with gradient-boosted trees', () => {
  it('ranks the population: hidden subscribers in the top 20% well above random, more than the bank alone finds', async () => {
    const dir = await tempDir('gbdt-lookalike');
    const split = await splitBankMarketing(BANK_MARKETING, join(dir, 'data'));
    const spec = await lookalikeJobFor(split, {
      name: 'bank-marketing-trees', model: 'gbdt',
      training: { trees: 6, maxDepth: 3, learningRate: 0.3, bins: 32, lambda: 1, minChildWeight: 1, minGain: 0, subsample: 1, seed: 42, maxCategories: 64, completeSecureFirstTree: false, hiddenRows: false },
    } as Partial<VerticalJobSpec>);
    const result = await simulate(spec, { runDir: join(dir, 'run'), logLevel: 'warn' });
    expect(result.error).toBeUndefined();
    const m = result.metrics as Record<'recallAt20' | 'guestOnlyRecallAt20' | 'recallAt50', number>;
    const audience = result.audience as { path: string; size: number };
    expect(audience.size).toBe(Math.round(0.2 * (split.rows - split.seedCount)));
    const hidden = await audienceRecall(audience.path, split.hidden);
    expect(hidden.recall).toBeGreaterThan(0.3);
    expect(m.recallAt20).toBeGreaterThan(0.3);
    expect(m.recallAt20).toBeGreaterThan(m.guestOnlyRecallAt20);
    expect(m.recallAt50).toBeGreaterThan(m.recallAt20);
    const seeds = new Set((await readFile(split.seeds, 'utf8')).trim().split('\n').slice(1));
    const rows = (await readFile(audience.path, 'utf8')).trim().split('\n').slice(1).map((l) => l.split(','));
    expect(rows.some(([id]) => seeds.has(id as string))).toBe(false);
  }, 600_000);
});
