// Bad party data fails the job before any exchange, and the error the scientist sees names the
// party, the file, the column and the row. (Each case is pinned in party-node/data/dataset.test.ts;
// these check that the message survives the trip to the coordinator and that nothing was relayed.)
// What only the party may see (its header, its directories) stays in the party's own log: the
// coordinator's store and log and the other party's log are scanned for it.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JobSpec } from '../protocol/messages/jobSpec.ts';
import { readJobFile } from '../coordinator/jobs/jobFile.ts';
import { simulate } from '../coordinator/simulate.ts';
import { checkJobSpec } from '../protocol/jobs/validate.ts';
import { tempDir } from './fixtures.ts';

let dir: string;
beforeAll(async () => {
  dir = await tempDir('bad');
  await writeFile(join(dir, 'bank.csv'), 'id,y,x0\nA1,1,0.5\nA2,0,0.1\nA3,1,0.2\n');
  await writeFile(join(dir, 'insurer-bad-number.csv'), 'id,x0,x1\nA1,1.5,2\nA2,1.0,n/a-ish\nA3,2,3\n');
  await writeFile(join(dir, 'insurer-dup.csv'), 'id,x0\nA1,1\n a1 ,2\n');
  await writeFile(join(dir, 'bank-label.csv'), 'id,y,x0\nA1,1,0.5\nA2,maybe,0.1\n');
  await writeFile(join(dir, 'insurer-ok.csv'), 'id,x0\nA1,1\nA2,2\n');
  await writeFile(join(dir, 'bank-no-header.csv'), `${CANARY},1,0.5,0.25\nA2,0,0.1,0.75\n`);
  await writeFile(join(dir, 'insurer-cr.csv'), 'id,x0\rA1,1\rA2,2\r');
  await writeFile(join(dir, 'insurer-one-line.csv'), 'x'.repeat(1_100_000));
});

const CANARY = 'CANARY-CUST-5d1e';

/** Every byte the coordinator keeps about a run (its store, with the WAL) and logs, and another party's log. */
async function outsideTheParty(runDir: string, otherParty: string): Promise<string> {
  const stored = (await readdir(runDir)).filter((f) => f.startsWith('coordinator.db'));
  const files = [...stored.map((f) => join(runDir, f)), join(runDir, 'logs', 'coordinator.log'), join(runDir, 'logs', `party-${otherParty}.log`)];
  return (await Promise.all(files.map((f) => readFile(f, 'latin1')))).join('\n');
}

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

  it('a file outside the directories the party serves: the directories stay in the party\'s log', async () => {
    const spec = job('bank.csv', 'insurer-dup.csv');
    const runDir = join(dir, 'run-roots');
    const roots = join(dir, 'elsewhere-e41b');
    const result = await simulate(spec, { runDir, logLevel: 'info', threads: 1, partyOverrides: { insurer: { dataRoots: [roots] } } });
    expect(result.error?.code).toBe('FM_ERR_DATA_PATH');
    expect(result.error?.message).toContain('party insurer: insurer-dup.csv is outside the directories this party serves');
    expect(result.error?.message).not.toContain(dir);
    expect(await outsideTheParty(runDir, 'bank')).not.toContain('elsewhere-e41b');
    expect(await readFile(join(runDir, 'logs', 'party-insurer.log'), 'utf8')).toContain('elsewhere-e41b');
  });

  it('a guest file without a header line: its first customer reaches neither the coordinator nor the host', async () => {
    const runDir = join(dir, 'run-no-header');
    const result = await simulate(job('bank-no-header.csv', 'insurer-ok.csv'), { runDir, logLevel: 'debug', threads: 1 });
    expect(result.error?.code).toBe('FM_ERR_DATA_COLUMN');
    expect(result.error?.message).toContain('party bank: bank-no-header.csv: column "id" not found in the header');
    expect(await outsideTheParty(runDir, 'insurer')).not.toContain(CANARY);
    // The bank's operator still sees what its file starts with.
    expect(await readFile(join(runDir, 'logs', 'party-bank.log'), 'utf8')).toContain(CANARY);
  });

  it('a table larger than the party\'s maxTableBytes: party, file and the row reached, before any exchange', async () => {
    const rows = Array.from({ length: 60_000 }, (_, r) => `A${r},${r},${r * 0.5},${r % 9}`);
    await writeFile(join(dir, 'insurer-big.csv'), `id,x0,x1,x2\n${rows.join('\n')}\n`);
    const relayed: string[] = [];
    const result = await simulate(job('bank.csv', 'insurer-big.csv'), {
      runDir: join(dir, 'run-too-large'), logLevel: 'warn', threads: 1, partyOverrides: { insurer: { maxTableBytes: 1 << 20 } },
      tap: ({ bytes }) => void (Buffer.from(bytes).includes('relay.') && relayed.push('relay')),
    });
    expect(result.error?.code).toBe('FM_ERR_DATA_TOO_LARGE');
    expect(result.error?.message).toMatch(/^party insurer: insurer-big\.csv needs more than the 1048576 bytes this party allows for one table \(maxTableBytes\), at row \d+$/);
    expect(result.error?.message).not.toContain(dir);
    expect(relayed).toEqual([]);
  });

  it('vertical: an empty intersection, or one too small to hold both label classes, stops after PSI and before training, naming the guest', async () => {
    // bank.csv holds A1..A3; one insurer shares none of them, the other A1 alone.
    await writeFile(join(dir, 'insurer-none-shared.csv'), 'id,x0\nZ1,1\nZ2,2\n');
    await writeFile(join(dir, 'insurer-one-shared.csv'), 'id,x0\nA1,1\nZ2,2\nZ3,3\n');
    const run = async (insurer: string) => {
      const checked = checkJobSpec({ ...job('bank.csv', insurer), name: 'too-small', kind: 'vertical', model: 'logistic', training: { epochs: 1 } });
      if (!('spec' in checked)) throw new Error(`not a job: ${JSON.stringify(checked)}`);
      const training: string[] = [];
      const result = await simulate(checked.spec, {
        runDir: join(dir, `run-${insurer}`), logLevel: 'warn', threads: 1,
        tap: ({ bytes }) => {
          for (const kind of ['he.decrypt', 'train.progress']) if (Buffer.from(bytes).includes(kind)) training.push(kind);
        },
      });
      return { error: result.error, training };
    };
    const none = await run('insurer-none-shared.csv');
    expect(none.error?.code).toBe('FM_ERR_DATA_INTERSECTION');
    expect(none.error?.message).toContain('party bank: the intersection cannot train this model: no customer is shared by all parties');
    expect(none.training).toEqual([]);
    const one = await run('insurer-one-shared.csv');
    expect(one.error?.code).toBe('FM_ERR_DATA_INTERSECTION');
    expect(one.error?.message).toMatch(/^party bank: the intersection cannot train this model: the 1 shared customers give [01] training and [01] evaluation rows, and column "y" of bank\.csv does not hold both classes in each/);
    expect(one.training).toEqual([]);
  });

  it('vertical logistic regression: a label of one class, and a host whose columns are all constant or missing, stop before PSI', async () => {
    await writeFile(join(dir, 'bank-one-class.csv'), 'id,y,x0\nA1,1,0.5\nA2,1,0.1\nA3,1,0.2\n');
    await writeFile(join(dir, 'insurer-constant.csv'), 'id,x0,x1\nA1,3,\nA2,3,NA\nA3,3,\n');
    const logistic = (bank: string, insurer: string): JobSpec => {
      const checked = checkJobSpec({ ...job(bank, insurer), name: 'useless', kind: 'vertical', model: 'logistic', training: { epochs: 1 } });
      if (!('spec' in checked)) throw new Error(`not a job: ${JSON.stringify(checked)}`);
      return checked.spec;
    };
    await failsWith(logistic('bank-one-class.csv', 'insurer-ok.csv'), 'FM_ERR_DATA_MODEL', ['party bank', 'bank-one-class.csv', 'column "y"', 'all 3 consenting rows have the label 1']);
    await failsWith(logistic('bank.csv', 'insurer-constant.csv'), 'FM_ERR_DATA_MODEL', ['party insurer', 'insurer-constant.csv', 'column "x0, x1"', 'no usable feature']);
  });

  it('line ends of CR alone, and a file that is one long line, are named as such', async () => {
    await failsWith(job('bank.csv', 'insurer-cr.csv'), 'FM_ERR_DATA_ROW', ['party insurer', 'insurer-cr.csv', 'row 0 (the header)', 'the lines end in CR alone']);
    await failsWith(job('bank.csv', 'insurer-one-line.csv'), 'FM_ERR_DATA_ROW', ['party insurer', 'insurer-one-line.csv', 'row 0 (the header)', 'no line break in the first 1048576 bytes']);
  });
});

describe('bad job files', () => {
  async function refused(name: string, patch: (spec: JobSpec) => void): Promise<{ code?: string; message: string }> {
    const spec = job('bank.csv', 'insurer-ok.csv');
    patch(spec);
    const file = join(dir, `${name}.yaml`);
    await writeFile(file, JSON.stringify(spec));
    return readJobFile(file).then(() => ({ message: 'accepted' }), (err: { code?: string; message: string }) => err);
  }

  it('a 250-character job name is refused by name, not by the file system', async () => {
    const err = await refused('long-name', (spec) => void (spec.name = 'n'.repeat(250)));
    expect(err.code).toBe('FM_ERR_JOB_INVALID');
    expect(err.message).toContain('long-name.yaml: name: 250 characters is too long');
  });

  it('a host given a labelColumn is refused, naming the field', async () => {
    const err = await refused('host-label', (spec) => void ((spec.parties[1] as JobSpec['parties'][number]).data.labelColumn = 'x0'));
    expect(err.code).toBe('FM_ERR_JOB_INVALID');
    expect(err.message).toContain('host-label.yaml: parties.1.data.labelColumn: a host holds no labels');
  });

  it('a job its parties cannot read (sent without the job file\'s checks) fails at once, naming the party and the message, instead of awaiting approval', async () => {
    const spec = { ...job('bank.csv', 'insurer-ok.csv'), kind: 'vertical', model: 'logistic', training: { binning: { bins: 10 } } } as unknown as JobSpec;
    const result = await simulate(spec, { runDir: join(dir, 'run-unreadable'), logLevel: 'warn', threads: 1 });
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('FM_ERR_JOB_PARTY_FAILED');
    expect(result.error?.message).toMatch(/party (bank|insurer) failed: it rejected a message of this job \(FM_ERR_WIRE_MALFORMED: .*job\.review body/);
  });
});

