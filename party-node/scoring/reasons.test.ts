// Reason codes at a party's scoring service, on real files: the guest appends, after its
// contributions and the hosts' handles, its top feature terms per ID (NaN where unscorable) that add
// up with its baseline to its contribution; a host adds its baseline; a model file without the
// evaluation means (written before reason codes) is refused, naming the field.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { readFloat64 } from '../../protocol/peer/blobs.ts';
import { HANDLE_BYTES, reasonValues } from '../../protocol/messages/score.ts';
import { deriveHandles } from './handles.ts';
import { ScoringService } from './service.ts';
import { DataCatalogue } from '../data/catalogue.ts';

const JOB = 'job-1';

/** A party with a standardised model of columns a and b (mean 0, sd 1: x̃ = x), weights 2 and −1, means 0.5 and 1. */
async function party(role: 'guest' | 'host', withMeans = true): Promise<ScoringService> {
  const dir = await mkdtemp(join(tmpdir(), `fedmark-reasons-${role}-`));
  const path = join(dir, 'table.csv');
  await writeFile(path, 'id,a,b\nC1,1,0\nC2,0,3\nC3,2,2\n');
  const mapping = { version: 1, method: 'standardize', inputNames: ['a', 'b'], outputNames: ['a', 'b'], standardizer: { mean: [0, 0], std: [1, 1] } };
  const file = { job: JOB, kind: 'vertical', model: 'logistic', role, dataset: { path, idColumn: 'id' }, mapping, weights: [2, -1], ...(role === 'guest' ? { intercept: 0.25 } : {}), ...(withMeans ? { means: [0.5, 1] } : {}) };
  await mkdir(join(dir, 'models', 'm'), { recursive: true });
  await writeFile(join(dir, 'models', 'm', `${JOB}.json`), JSON.stringify(file));
  await mkdir(join(dir, 'jobs', JOB, 'handles'), { recursive: true });
  await writeFile(join(dir, 'jobs', JOB, 'intersection.csv'), 'id\nC1\nC2\nC3\n');
  await writeFile(join(dir, 'jobs', JOB, 'handles', `${role === 'guest' ? 'insurer' : 'bank'}.bin`), deriveHandles(Buffer.alloc(32, 3), 3));
  return new ScoringService({ party: role, workDir: dir, catalogue: new DataCatalogue(role, { baseDir: dir, dataRoots: [dir] }), log: pino({ level: 'silent' }) });
}

describe('reason codes at a party', () => {
  it('guest: its largest term per ID and the rest, adding up with its baseline to its contribution', async () => {
    const guest = await party('guest');
    const { reply, payload } = await guest.score({ kind: 'vertical', model: 'm', modelJob: JOB, count: 3, reasons: 1 }, ['C2', 'nobody', 'C3']);
    // baseline = 0.25 + 2·0.5 − 1·1 = 0.25
    expect(reply).toEqual({ width: 1, unscorable: [1], hosts: ['insurer'], baseline: 0.25, reasons: { features: ['a', 'b'], top: 1 } });
    const scores = readFloat64(payload.subarray(0, 3 * 8), 3, 'scores');
    const per = reasonValues(1);
    const reasons = readFloat64(payload.subarray(3 * 8 + 2 * HANDLE_BYTES), 3 * per, 'reasons');
    // C2 (a 0, b 3): terms 2·(0 − 0.5) = −1 and −1·(3 − 1) = −2 → b first, rest −1.
    expect(Array.from(reasons.subarray(0, per))).toEqual([1, -2, -1]);
    expect(Array.from(reasons.subarray(per, 2 * per)).every(Number.isNaN)).toBe(true);
    // C3 (2, 2): terms 3 and −1 → a first, rest −1.
    expect(Array.from(reasons.subarray(2 * per))).toEqual([0, 3, -1]);
    for (const i of [0, 2]) expect(0.25 + (reasons[i * per + 1] as number) + (reasons[i * per + 2] as number)).toBeCloseTo(scores[i] as number, 12);
    // Without the ask: no reasons, no baseline, the payload as before.
    const plain = await guest.score({ kind: 'vertical', model: 'm', modelJob: JOB, count: 1 }, ['C2']);
    expect(plain.reply).toEqual({ width: 1, unscorable: [], hosts: ['insurer'] });
    expect(plain.payload.length).toBe(8 + HANDLE_BYTES);
  });

  it('host: adds its baseline when asked; a model file without evaluation means is refused, naming the field', async () => {
    const host = await party('host');
    const handles = deriveHandles(Buffer.alloc(32, 3), 3);
    const { reply } = await host.scoreHandles({ model: 'm', modelJob: JOB, count: 1, reasons: true }, handles.subarray(0, HANDLE_BYTES));
    expect(reply).toEqual({ width: 1, unscorable: [], baseline: 0 });
    const old = await party('guest', false);
    await expect(old.score({ kind: 'vertical', model: 'm', modelJob: JOB, count: 1, reasons: 3 }, ['C1'])).rejects.toMatchObject({
      code: 'FM_ERR_WIRE_REQUEST', message: 'request reasons: model m has no reason codes at party guest (its model file was written before they existed, or its kind gives none); retrain it',
    });
  });
});
