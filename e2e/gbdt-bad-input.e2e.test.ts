// Tables gradient-boosted trees cannot train on stop the job before any exchange (the model's
// check runs when a party prepares, before PSI), with an error naming the party, file and column;
// settings beyond what the protocol supports are refused when the job file is read.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { VerticalJobSpec } from '../protocol/messages/jobSpec.ts';
import { readJobFile } from '../coordinator/jobs/jobFile.ts';
import { simulate } from '../coordinator/simulate.ts';
import { checkJobSpec } from '../protocol/jobs/validate.ts';
import { tempDir } from './fixtures.ts';

let dir: string;
const ROWS = 40;
const rows = (f: (i: number) => string) => Array.from({ length: ROWS }, (_, i) => f(i)).join('\n') + '\n';

beforeAll(async () => {
  dir = await tempDir('gbdt-bad');
  await writeFile(join(dir, 'bank.csv'), 'id,y,x0,segment\n' + rows((i) => `C${i},${i % 2},${i * 0.5},s${i % 8}`));
  await writeFile(join(dir, 'bank-one-class.csv'), 'id,y,x0,segment\n' + rows((i) => `C${i},1,${i},s${i % 3}`));
  await writeFile(join(dir, 'bank-label.csv'), 'id,y,x0,segment\n' + rows((i) => `C${i},${i === 7 ? 2 : i % 2},${i},s${i % 3}`));
  await writeFile(join(dir, 'insurer.csv'), 'id,h0\n' + rows((i) => `C${i},${(i * 7) % 13}`));
  await writeFile(join(dir, 'insurer-constant.csv'), 'id,h0,h1\n' + rows((i) => `C${i},3,${i % 3 === 0 ? '' : '3'}`));
});

/** The job as the coordinator takes it: checked, its defaults filled in. */
function job(bank: string, insurer: string, training: Record<string, unknown> = {}): VerticalJobSpec {
  const checked = checkJobSpec(raw(bank, insurer, training));
  if (!('spec' in checked) || checked.spec.kind !== 'vertical') throw new Error(`not a vertical job: ${JSON.stringify(checked)}`);
  return checked.spec;
}

function raw(bank: string, insurer: string, training: Record<string, unknown>): VerticalJobSpec {
  return {
    name: 'gbdt-bad', kind: 'vertical', model: 'gbdt', training: { trees: 2, maxDepth: 2, ...training } as VerticalJobSpec['training'], validation: { fraction: 0.3 },
    parties: [
      { id: 'bank', role: 'guest', data: { path: join(dir, bank), idColumn: 'id', labelColumn: 'y', categorical: ['segment'] } },
      { id: 'insurer', role: 'host', data: { path: join(dir, insurer), idColumn: 'id' } },
    ],
  };
}

async function failsWith(spec: VerticalJobSpec, code: string, parts: string[]): Promise<void> {
  const relayed: string[] = [];
  const result = await simulate(spec, {
    runDir: join(dir, `run-${code}-${Math.random().toString(36).slice(2)}`),
    logLevel: 'warn',
    threads: 1,
    // Four processes start on a loaded 2-core machine: a party may take longer than the default 30 s to connect.
    connectTimeoutMs: 90_000,
    tap: ({ bytes }) => void (Buffer.from(bytes).includes('relay.') && relayed.push('relay')),
  });
  expect(result.status).toBe('failed');
  expect(result.error?.code).toBe(code);
  for (const part of parts) expect(result.error?.message).toContain(part);
  expect(relayed).toEqual([]);
}

describe('gradient-boosted trees: bad input stops the job before any exchange', () => {
  it('a categorical column with more categories than maxCategories', () =>
    failsWith(job('bank.csv', 'insurer.csv', { maxCategories: 5 }), 'FM_ERR_DATA_MODEL', ['party bank', 'bank.csv', 'column "segment"', '8 categories', 'maxCategories = 5']));

  it('a host without a usable feature', () =>
    failsWith(job('bank.csv', 'insurer-constant.csv'), 'FM_ERR_DATA_MODEL', ['party insurer', 'insurer-constant.csv', 'column "h0, h1"', 'no usable feature']));

  it('a label with one class, and a label that is not 0/1', async () => {
    await failsWith(job('bank-one-class.csv', 'insurer.csv'), 'FM_ERR_DATA_MODEL', ['party bank', 'bank-one-class.csv', 'both classes']);
    await failsWith(job('bank-label.csv', 'insurer.csv'), 'FM_ERR_DATA_LABEL', ['party bank', 'bank-label.csv', 'row 8', 'column "y"']);
  });

  it('maxDepth beyond what the protocol supports, refused when the job file is read', async () => {
    const file = join(dir, 'deep.yaml');
    await writeFile(file, JSON.stringify(raw('bank.csv', 'insurer.csv', { maxDepth: 20 })));
    const err = await readJobFile(file).then(() => ({ code: 'accepted', message: '' }), (e: { code?: string; message: string }) => e);
    expect(err.code).toBe('FM_ERR_JOB_INVALID');
    expect(err.message).toMatch(/training\.maxDepth/);
  });
});
