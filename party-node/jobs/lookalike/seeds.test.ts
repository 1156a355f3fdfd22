import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { loadDataset } from '../../data/dataset.ts';
import { loadSeeds, requireSeeds, seedMask } from './seeds.ts';
import { lookalikeLabels } from './labels.ts';
import { readPopulationScores, savePopulationScores, writeAudience } from './audience.ts';
import { recutAudience } from './recut.ts';

async function fixture() {
  const dir = await mkdtemp(join(tmpdir(), 'fedmark-seeds-'));
  const rows = Array.from({ length: 40 }, (_, i) => `C${i},${i % 2 === 0 ? 'Y' : 'N'},${i}`);
  await writeFile(join(dir, 'bank.csv'), `customer,consent,x\n${rows.join('\n')}\n`);
  const dataset = await loadDataset({ path: join(dir, 'bank.csv'), idColumn: 'customer', consentColumn: 'consent' }, { party: 'bank' });
  const seeds = async (text: string) => {
    await writeFile(join(dir, 'seeds.csv'), text);
    return { path: join(dir, 'seeds.csv'), idColumn: 'customer_id' };
  };
  return { dir, dataset, seeds };
}

describe('seed files at the guest', () => {
  it('matches seeds case-insensitively, drops duplicates, and counts customers without consent as outside', async () => {
    const { dataset, seeds } = await fixture();
    const list = await loadSeeds(await seeds('customer_id,campaign\n c0 ,a\nC2,b\nC2,b\nC1,c\n'), dataset, { party: 'bank' });
    expect(list.listed).toBe(3);
    expect(list.rows.size).toBe(2); // C1 has no consent
    expect([...seedMask(list, Uint32Array.from([1, 0, 5]))]).toEqual([1, 1, 0]);
  });

  it('a missing column fails naming the file and the column', async () => {
    const { dataset, seeds } = await fixture();
    const spec = await seeds('id\nC0\n');
    await expect(loadSeeds(spec, dataset, { party: 'bank' })).rejects.toMatchObject({ code: 'FM_ERR_DATA_COLUMN', message: expect.stringMatching(/seeds\.csv: column "customer_id" not found/) });
  });

  it('IDs the guest does not hold fail with their count and first row, never the ID', async () => {
    const { dataset, seeds } = await fixture();
    const spec = await seeds('customer_id\nC0\nsecret-stranger-7\nC4\nother-stranger\n');
    const err = (await loadSeeds(spec, dataset, { party: 'bank' }).catch((e: unknown) => e)) as Error;
    expect(err).toMatchObject({ code: 'FM_ERR_DATA_SEEDS' });
    expect(err.message).toMatch(/seed file seeds\.csv, column "customer_id": 2 of 4 IDs are not customers in bank\.csv \(first on row 2\)/);
    expect(err.message).not.toMatch(/stranger/);
  });

  it('an empty ID names its row; an empty file is refused', async () => {
    const { dataset, seeds } = await fixture();
    await expect(loadSeeds(await seeds('customer_id\nC0\n""\n'), dataset, { party: 'bank' })).rejects.toMatchObject({ code: 'FM_ERR_DATA_EMPTY_ID', message: expect.stringMatching(/row 2/) });
    await expect(loadSeeds(await seeds('customer_id\n'), dataset, { party: 'bank' })).rejects.toMatchObject({ code: 'FM_ERR_DATA_EMPTY' });
  });

  it('too few matched seeds fail naming the minimum setting', async () => {
    const { dataset, seeds } = await fixture();
    const list = await loadSeeds(await seeds('customer_id\nC0\nC2\nC4\n'), dataset, { party: 'bank' });
    expect(() => requireSeeds(list, 3, 5, 'bank', 'in the population')).toThrow(/only 3 of 3 seed IDs are in the population; at least 5 are needed \(lookalike.minSeeds\)/);
    // After PSI only the aligned rows count: 2 of the 3 seeds are in this population.
    expect(() => lookalikeLabels(list, Uint32Array.from([0, 1, 2, 3]), ['c0', 'c2', 'c4', 'c6'].slice(0, 4), { holdout: 0.2, minSeeds: 3 }, 42, 'bank')).not.toThrow();
    expect(() => lookalikeLabels(list, Uint32Array.from([0, 1, 3]), ['c0', 'c2', 'c6'], { holdout: 0.2, minSeeds: 3 }, 42, 'bank')).toThrow(/only 2 of 3/);
  });

  it('labels: held-out seeds are unlabelled in training, the same ones on every run', async () => {
    const { dataset, seeds } = await fixture();
    const all = Array.from({ length: 20 }, (_, i) => `C${2 * i}`).join('\n');
    const list = await loadSeeds(await seeds(`customer_id\n${all}\n`), dataset, { party: 'bank' });
    const rows = Uint32Array.from({ length: 20 }, (_, i) => i);
    const ids = Array.from(rows, (r) => dataset.ids[r] as string);
    const a = lookalikeLabels(list, rows, ids, { holdout: 0.3, minSeeds: 5 }, 42, 'bank');
    const b = lookalikeLabels(list, rows, ids, { holdout: 0.3, minSeeds: 5 }, 42, 'bank');
    expect(a).toEqual(b);
    a.seed.forEach((s, i) => expect(a.y[i]).toBe(s && !a.heldOut[i] ? 1 : 0));
    expect(a.heldOut.reduce((s, v) => s + v, 0)).toBeGreaterThan(0);
  });
});

describe('audience files at the guest', () => {
  it('writes id,score,rank without seeds, keeps the scores, and re-cuts at another size', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fedmark-audience-'));
    const population = { ids: ['a', 'b,1', 'c', 'd', 'e'], scores: Float64Array.from([0.2, 0.9, 0.5, 0.7, 0.95]), seed: Uint8Array.from([0, 0, 0, 0, 1]) };
    await savePopulationScores(dir, 'm', 'job-1', population);
    expect(await readPopulationScores(dir, 'm', 'job-1')).toEqual(population);
    const top = await writeAudience(dir, 'm', 'job-1', population, { audienceFraction: 0.5 });
    expect(top.size).toBe(2);
    expect(await readFile(top.path, 'utf8')).toBe('id,score,rank\n"b,1",0.9,1\nd,0.7,2\n');
    const recut = await recutAudience(dir, { model: 'm', modelJob: 'job-1', audienceSize: 3 }, pino({ level: 'silent' }));
    expect(recut.size).toBe(3);
    expect((await readFile(recut.path, 'utf8')).trim().split('\n').slice(1).map((l) => l.split(',').at(-1))).toEqual(['1', '2', '3']);
    await expect(recutAudience(dir, { model: 'm', modelJob: 'job-2', audienceSize: 3 }, pino({ level: 'silent' }))).rejects.toMatchObject({ code: 'FM_ERR_MODEL_NOT_FOUND' });
  });
});
