// Bad party data fails the job before any exchange, and the error the scientist sees names the
// party, the file, the column and the row. (Each case is pinned in party-node/data/dataset.test.ts;
// these check that the message survives the trip to the coordinator and that nothing was relayed.)
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JobSpec } from '../../protocol/messages/jobSpec.ts';
import { simulate } from '../simulate.ts';
import { tempDir } from './fixtures.ts';

let dir: string;
beforeAll(async () => {
  dir = await tempDir('bad');
  await writeFile(join(dir, 'bank.csv'), 'id,y,x0\nA1,1,0.5\nA2,0,0.1\nA3,1,0.2\n');
  await writeFile(join(dir, 'insurer-bad-number.csv'), 'id,x0,x1\nA1,1.5,2\nA2,1.0,n/a-ish\nA3,2,3\n');
  await writeFile(join(dir, 'insurer-dup.csv'), 'id,x0\nA1,1\n a1 ,2\n');
  await writeFile(join(dir, 'bank-label.csv'), 'id,y,x0\nA1,1,0.5\nA2,maybe,0.1\n');
  await writeFile(join(dir, 'insurer-ok.csv'), 'id,x0\nA1,1\nA2,2\n');
});

function job(bank: string, insurer: string, insurerColumns: Partial<JobSpec['parties'][number]['data']> = {}): JobSpec {
  return {
    name: 'bad-input',
    kind: 'psi',
    parties: [
      { id: 'bank', role: 'guest', data: { path: join(dir, bank), idColumn: 'id', labelColumn: 'y' } },
      { id: 'insurer', role: 'host', data: { path: join(dir, insurer), idColumn: 'id', ...insurerColumns } },
    ],
  };
}

async function failsWith(spec: JobSpec, code: string, parts: string[]): Promise<void> {
  const relayed: string[] = [];
  const result = await simulate(spec, {
    runDir: join(dir, `run-${code}-${parts.length}-${Math.random().toString(36).slice(2)}`),
    logLevel: 'warn',
    threads: 1,
    tap: ({ bytes }) => void (Buffer.from(bytes).includes('relay.') && relayed.push('relay')),
  });
  expect(result.status).toBe('failed');
  expect(result.error?.code).toBe(code);
  for (const part of parts) expect(result.error?.message).toContain(part);
  expect(relayed).toEqual([]);
}

describe('bad input through a job', () => {
  it('a non-numeric value: party, file, column, row', () =>
    failsWith(job('bank.csv', 'insurer-bad-number.csv'), 'FM_ERR_DATA_NUMBER', ['party insurer', 'insurer-bad-number.csv', 'row 2', 'column "x1"']));

  it('duplicate IDs after trimming and case-folding', () =>
    failsWith(job('bank.csv', 'insurer-dup.csv'), 'FM_ERR_DATA_DUPLICATE_ID', ['party insurer', 'insurer-dup.csv', 'row 2', 'column "id"', 'row 1']));

  it('a label that is not binary', () =>
    failsWith(job('bank-label.csv', 'insurer-ok.csv'), 'FM_ERR_DATA_LABEL', ['party bank', 'bank-label.csv', 'row 2', 'column "y"']));

  it('a missing file and a missing column', async () => {
    await failsWith(job('bank.csv', 'nowhere.csv'), 'FM_ERR_DATA_FILE', ['party insurer', 'nowhere.csv', 'no such file']);
    await failsWith(job('bank.csv', 'insurer-dup.csv', { idColumn: 'customer_id' }), 'FM_ERR_DATA_COLUMN', ['party insurer', 'insurer-dup.csv', 'customer_id']);
  });

  it('a file outside the directories the party serves', async () => {
    const spec = job('bank.csv', 'insurer-dup.csv');
    const result = await simulate(spec, { runDir: join(dir, 'run-roots'), logLevel: 'warn', threads: 1, partyOverrides: { insurer: { dataRoots: [join(dir, 'elsewhere')] } } });
    expect(result.error?.code).toBe('FM_ERR_DATA_PATH');
    expect(result.error?.message).toContain('party insurer');
  });
});
