// A party's scoring service on real files: the guest maps IDs to its partners' handles, a host
// scores handles and refuses IDs, and a batch file leaves unscorable rows empty.
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { prepareFeatures } from '../../models/features/prepare.ts';
import { matrix } from '../../models/matrix.ts';
import { float64Bytes, readFloat64 } from '../../protocol/peer/blobs.ts';
import { loadDataset } from '../data/dataset.ts';
import { HANDLE_BYTES } from '../../protocol/messages/score.ts';
import { deriveHandles } from './handles.ts';
import { ScoringService } from './service.ts';
import { DataCatalogue } from '../data/catalogue.ts';

const JOB = 'job-1';
const HANDLE_KEY = Buffer.alloc(32, 3);

/** A party's work dir after a vertical job: its table, its shard, the intersection (C2, C1, C3) and handles with `partner`. */
async function party(role: 'guest' | 'host', partner: string, csv: string): Promise<{ dir: string; service: ScoringService }> {
  const dir = await mkdtemp(join(tmpdir(), `fedmark-score-${role}-`));
  const path = join(dir, 'table.csv');
  await writeFile(path, csv);
  const dataset = { path, idColumn: 'id', consentColumn: 'ok' };
  const table = await loadDataset(dataset, { party: role });
  const { mapping } = prepareFeatures(matrix(table.features, table.rows, 1), undefined, { names: table.featureNames });
  await mkdir(join(dir, 'models', 'm'), { recursive: true });
  await writeFile(join(dir, 'models', 'm', `${JOB}.json`), JSON.stringify({ job: JOB, kind: 'vertical', model: 'logistic', role, dataset, mapping, weights: [1], ...(role === 'guest' ? { intercept: 0 } : {}) }));
  await mkdir(join(dir, 'jobs', JOB, 'handles'), { recursive: true });
  await writeFile(join(dir, 'jobs', JOB, 'intersection.csv'), 'id\nC2\nC1\nC3\n');
  await writeFile(join(dir, 'jobs', JOB, 'handles', `${partner}.bin`), deriveHandles(HANDLE_KEY, 3));
  return { dir, service: new ScoringService({ party: role, workDir: dir, catalogue: new DataCatalogue(role, { baseDir: dir, dataRoots: [dir] }), log: pino({ level: 'silent' }) }) };
}

describe('scoring at a party', () => {
  it('guest: scores the IDs of the intersection and hands over their handles, per host; the rest is unscorable', async () => {
    // C3 withdrew consent since the job; C4 is held but was never shared; nobody is not held.
    const { dir, service } = await party('guest', 'insurer', 'id,ok,a\nC1,Y,1\nC2,Y,3\nC3,N,5\nC4,Y,7\n');
    const brokerKey = Buffer.alloc(32, 4);
    await writeFile(join(dir, 'jobs', JOB, 'handles', 'broker.bin'), deriveHandles(brokerKey, 3));
    const { reply, payload } = await service.score({ kind: 'vertical', model: 'm', modelJob: JOB, count: 5 }, ['c1', 'C3', 'C4', 'nobody', 'C2']);
    expect(reply).toEqual({ width: 1, unscorable: [1, 2, 3], hosts: ['broker', 'insurer'] });
    const scores = readFloat64(payload.subarray(0, 5 * 8), 5, 'scores');
    expect([...scores].map(Number.isFinite)).toEqual([true, false, false, false, true]);
    // C1 is row 1 and C2 row 0 of the canonical order; each host gets the handles of its own pair.
    const rows = (handles: Buffer) => Buffer.concat([handles.subarray(HANDLE_BYTES, 2 * HANDLE_BYTES), handles.subarray(0, HANDLE_BYTES)]);
    expect(payload.subarray(5 * 8)).toEqual(Buffer.concat([rows(deriveHandles(brokerKey, 3)), rows(deriveHandles(HANDLE_KEY, 3))]));
  });

  it('scores with the scorer of the kind the coordinator names, and refuses a model file of another kind', async () => {
    const { service } = await party('guest', 'insurer', 'id,ok,a\nC1,Y,1\nC2,Y,3\n');
    await expect(service.score({ kind: 'horizontal', model: 'm', modelJob: JOB, count: 1 }, ['C1'])).rejects.toMatchObject({
      code: 'FM_ERR_MODEL_INPUT', message: "model file of m at party guest must be a horizontal model (got a vertical model)",
    });
  });

  it('host: scores handles it shares, refuses raw IDs, and cannot be asked about a handle it does not know', async () => {
    const { service } = await party('host', 'bank', 'id,ok,a\nC1,Y,10\nC2,Y,30\nC3,Y,50\nC9,Y,70\n');
    await expect(service.score({ kind: 'vertical', model: 'm', modelJob: JOB, count: 1 }, ['C9'])).rejects.toMatchObject({ code: 'FM_ERR_SCORE_BY_ID' });
    const handles = deriveHandles(HANDLE_KEY, 3);
    const asked = Buffer.concat([handles.subarray(2 * HANDLE_BYTES), Buffer.alloc(HANDLE_BYTES, 9), handles.subarray(0, HANDLE_BYTES)]);
    const { reply, payload } = await service.scoreHandles({ model: 'm', modelJob: JOB, count: 3 }, asked);
    expect(reply).toEqual({ width: 1, unscorable: [1] });
    const scores = readFloat64(payload, 3, 'scores');
    // Standardised over the four rows (10, 30, 50, 70): C3 → 50, C2 → 30.
    expect(scores[0]).toBeGreaterThan(0);
    expect(scores[2]).toBeLessThan(0);
    await expect(service.scoreHandles({ model: 'm', modelJob: JOB, count: 2 }, asked)).rejects.toMatchObject({ code: 'FM_ERR_WIRE_MALFORMED' });
  });

  it('guest: writes an empty score and decile for a row the coordinator marks unscorable', async () => {
    const { dir, service } = await party('guest', 'insurer', 'id,ok,a\nC1,Y,1\nC2,Y,3\nC3,Y,5\n');
    const saved = await service.save({ model: 'm', modelJob: JOB, version: 1 }, float64Bytes(Float64Array.of(0.9, 1, Number.NaN, Number.NaN, 0.1, 10)));
    expect(saved.path.startsWith(join(dir, 'scores'))).toBe(true);
    expect(await readFile(saved.path, 'utf8')).toBe('id,score,decile\nC2,0.9,1\nC1,,\nC3,0.1,10\n');
  });
});
