// Every party file named after a job, model or upload goes through workPath: with a name that walks
// out of the work folder, each writer and reader is refused and nothing appears beside the folder.
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadDataset } from './data/dataset.ts';
import { clearCheckpoints, JobCheckpoints } from './jobs/checkpoint.ts';
import { readPopulationScores, savePopulationScores, writeAudience } from './jobs/lookalike/audience.ts';
import { uploadedSeedsPath } from './jobs/lookalike/upload.ts';
import { writeIntersection } from './jobs/psi.ts';
import { readModelFile, shardPath } from './scoring/modelFile.ts';
import { ScoringService } from './scoring/service.ts';
import { DataCatalogue } from './data/catalogue.ts';

// Deep enough to leave the work folder from any of the sub-folders a name is used in.
const ESCAPE = '../../../../x';

describe('files named after a job, model or upload stay in the party\'s work folder', () => {
  it('every writer and reader refuses a name that leaves it, and writes nothing outside', async () => {
    const outer = await mkdtemp(join(tmpdir(), 'fedmark-workpath-'));
    const workDir = join(outer, 'party', 'work');
    await mkdir(join(workDir, 'jobs', 'job-1'), { recursive: true });
    await writeFile(join(workDir, 'jobs', 'job-1', 'intersection.csv'), 'id\nA1\n');
    await writeFile(join(outer, 'table.csv'), 'id,x\nA1,1\n');
    const dataset = await loadDataset({ path: join(outer, 'table.csv'), idColumn: 'id' }, { party: 'bank' });
    const scores = { ids: ['A1'], scores: Float64Array.of(0.5), seed: Uint8Array.of(0) };
    const scoring = new ScoringService({ party: 'bank', workDir, catalogue: new DataCatalogue('bank', { baseDir: outer, dataRoots: [outer] }), log: pino({ level: 'silent' }) });

    const attempts: Array<[string, () => unknown]> = [
      ['intersection', () => writeIntersection(workDir, ESCAPE, dataset, Uint32Array.of(0))],
      ['checkpoints', () => new JobCheckpoints(workDir, ESCAPE, 'fp')],
      ['checkpoint clean-up', () => clearCheckpoints(workDir, ESCAPE)],
      ['model share', () => shardPath(workDir, ESCAPE, 'job-1')],
      ['model share read', () => readModelFile(workDir, 'm', ESCAPE, 'bank', 'vertical')],
      ['population scores', () => savePopulationScores(workDir, ESCAPE, 'job-1', scores)],
      ['population scores read', () => readPopulationScores(workDir, 'm', ESCAPE)],
      ['audience', () => writeAudience(workDir, ESCAPE, 'job-1', scores, { audienceFraction: 0.5 })],
      ['seed upload', () => uploadedSeedsPath(workDir, ESCAPE)],
      ['batch scores', () => scoring.save({ model: ESCAPE, modelJob: 'job-1', version: 1 }, new Uint8Array(16))],
      ['batch scores intersection', () => scoring.scoreAll({ model: 'm', modelJob: ESCAPE })],
    ];
    for (const [what, attempt] of attempts) {
      await expect((async () => attempt())(), what).rejects.toMatchObject({ code: 'FM_ERR_JOB_PATH', message: expect.stringContaining("outside the party's work folder") });
    }
    expect((await readdir(outer)).sort()).toEqual(['party', 'table.csv']);
    expect(await readdir(join(outer, 'party'))).toEqual(['work']);
  });
});
