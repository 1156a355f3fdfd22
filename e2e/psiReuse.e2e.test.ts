// Incremental PSI between real party nodes: a second job with the same partner blinds only the
// changed IDs (the relay carries a fraction of the first job's bytes) and finds the intersection a
// fresh PSI would; a tampered reuse file stops the next job with an error that says so.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { simulate, type SimulationResult } from '../coordinator/simulate.ts';
import type { JobSpec } from '../protocol/messages/jobSpec.ts';
import { readIntersection, rng, shuffleInPlace, tempDir } from './fixtures.ts';

const reuse = { bank: { psiReuse: { insurer: { rotateDays: 30 } } }, insurer: { psiReuse: { bank: { rotateDays: 30 } } } };

async function writeIds(path: string, ids: string[], seed: number): Promise<void> {
  const random = rng(seed);
  await writeFile(path, `id,x\n${shuffleInPlace([...ids], random).map((id) => `${id},${(random() * 100).toFixed(2)}`).join('\n')}\n`);
}

describe('incremental PSI between two real party nodes', () => {
  let dir: string;
  const spec = (dirPath: string): JobSpec => ({
    name: 'psi-reuse-e2e',
    kind: 'psi',
    parties: [
      { id: 'bank', role: 'guest', data: { path: join(dirPath, 'bank.csv'), idColumn: 'id' } },
      { id: 'insurer', role: 'host', data: { path: join(dirPath, 'insurer.csv'), idColumn: 'id' } },
    ],
  });
  const run = async (label: string): Promise<{ result: SimulationResult; bytes: number }> => {
    let bytes = 0;
    const result = await simulate(spec(dir), { runDir: join(dir, 'run'), logLevel: 'info', partyOverrides: reuse, tap: (e) => void (bytes += e.bytes.length) });
    if (label !== 'tampered') expect(result.error, label).toBeUndefined();
    return { result, bytes };
  };
  const bank1 = Array.from({ length: 3000 }, (_, i) => `C-${i}`);
  const insurer1 = Array.from({ length: 2500 }, (_, i) => `C-${i + 1500}`);
  // 30 changes on each side, some of them in the intersection.
  const bank2 = bank1.filter((_, i) => i % 100 !== 7).concat(Array.from({ length: 30 }, (_, i) => `C-${4000 + i}`));
  const insurer2 = insurer1.filter((_, i) => i % 100 !== 11).concat(Array.from({ length: 15 }, (_, i) => `C-${4000 + 2 * i}`), Array.from({ length: 15 }, (_, i) => `C-${9000 + i}`));
  let first: { result: SimulationResult; bytes: number };
  let second: { result: SimulationResult; bytes: number };

  beforeAll(async () => {
    dir = await tempDir('psi-reuse');
    await writeIds(join(dir, 'bank.csv'), bank1, 1);
    await writeIds(join(dir, 'insurer.csv'), insurer1, 2);
    first = await run('first');
    await writeIds(join(dir, 'bank.csv'), bank2, 3);
    await writeIds(join(dir, 'insurer.csv'), insurer2, 4);
    second = await run('second');
  });

  it('blinds only the changed IDs the second time and finds what a fresh PSI finds, aligned at both parties', async () => {
    for (const [{ result }, bank, insurer] of [[first, bank1, insurer1], [second, bank2, insurer2]] as const) {
      expect(result.status).toBe('succeeded');
      const expected = new Set(bank.filter((id) => new Set(insurer).has(id)).map((id) => id.toLowerCase()));
      const atBank = await readIntersection(result.outputs.bank?.intersection as string);
      expect(new Set(atBank.map((id) => id.toLowerCase()))).toEqual(expected);
      expect(await readIntersection(result.outputs.insurer?.intersection as string)).toEqual(atBank);
    }
    // 5,500 IDs blinded and re-blinded the first time, 60 the second: the relay carries a small fraction.
    expect(second.bytes).toBeLessThan(first.bytes / 5);
    const files = await readdir(join(dir, 'run', 'party-bank', 'psi-reuse', 'insurer'));
    expect(files.filter((f) => f.endsWith('.state'))).toHaveLength(1);
  });

  it('stops the next job when the reuse file was changed, with an error naming the file\'s partner and the cause', async () => {
    const folder = join(dir, 'run', 'party-bank', 'psi-reuse', 'insurer');
    const [file] = (await readdir(folder)).filter((f) => f.endsWith('.state'));
    const bytes = await readFile(join(folder, file as string));
    bytes[bytes.length - 1]! ^= 0x01;
    await writeFile(join(folder, file as string), bytes);
    const { result } = await run('tampered');
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('FM_ERR_DATA_FILE');
    expect(result.error?.message).toContain('party bank: cannot read the PSI reuse file for partner "insurer": it fails its integrity check');
  });
});
