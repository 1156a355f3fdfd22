// A party's checkpoints: exact round trip of the training state, the two newest epochs kept, a new
// PSI result or a changed table voiding what was trained before, and a cancel removing everything.
import { mkdtemp, readdir, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clearCheckpoints, JobCheckpoints, tableFingerprint } from './checkpoint.ts';
import { fileFingerprint } from '../data/catalogue.ts';

async function setup() {
  const workDir = await mkdtemp(join(tmpdir(), 'fedmark-ckpt-'));
  const table = join(workDir, 'table.csv');
  await writeFile(table, 'id,x\n1,2\n');
  return { workDir, table, checkpoints: new JobCheckpoints(workDir, 'job-1', tableFingerprint([await fileFingerprint(table)])) };
}

describe('party checkpoints', () => {
  it('round-trips the intersection rows and a training state exactly, non-finite numbers included', async () => {
    const { checkpoints } = await setup();
    expect(await checkpoints.held()).toBeUndefined();
    const rows = Uint32Array.from([7, 3, 11, 0]);
    await checkpoints.savePsi(2, rows, Uint32Array.from([5]));
    const w = Float64Array.from([0.1 + 0.2, -1e-300, Math.PI, 2 ** 60 + 1]);
    await checkpoints.saveEpoch(2, 1, { epochs: 1, stopped: false, w, best: { loss: Infinity, scores: new Float64Array(0) }, history: [{ epoch: 0, evalLoss: Number.NaN }] });
    expect(await checkpoints.held()).toEqual({ psi: 2, epochs: [1] });
    const psi = await checkpoints.loadPsi(2);
    expect([...psi.rows]).toEqual([7, 3, 11, 0]);
    expect([...(psi.evalRows ?? [])]).toEqual([5]);
    const state = (await checkpoints.loadEpoch(2, 1)) as { w: Float64Array; best: { loss: number; scores: Float64Array }; history: Array<{ evalLoss: number }> };
    expect(state.w).toBeInstanceOf(Float64Array);
    expect([...state.w]).toEqual([...w]);
    expect(state.best.loss).toBe(Infinity);
    expect(state.best.scores).toHaveLength(0);
    expect(state.history[0]?.evalLoss).toBeNaN();
    const missing = await checkpoints.loadPsi(1).catch((err: unknown) => err);
    expect(missing).toMatchObject({ code: 'FM_ERR_WIRE_UNEXPECTED', message: expect.stringContaining("no PSI result of attempt 1 among this party's checkpoints") });
    expect(String((missing as Error).message)).not.toContain(checkpoints.dir);
  });

  it('keeps the two newest epochs, and a new PSI result drops the epochs trained on the old one', async () => {
    const { checkpoints } = await setup();
    await checkpoints.savePsi(0, Uint32Array.from([1, 2]));
    for (let e = 1; e <= 4; e++) await checkpoints.saveEpoch(0, e, { epochs: e, w: Float64Array.of(e) });
    expect(await checkpoints.held()).toEqual({ psi: 0, epochs: [4, 3] });
    expect((await readdir(checkpoints.dir)).sort()).toEqual(['epoch-3.json', 'epoch-4.json', 'psi.json']);
    expect(((await checkpoints.loadEpoch(0, 3)) as { w: Float64Array }).w[0]).toBe(3);
    await expect(checkpoints.loadEpoch(0, 2)).rejects.toThrow(/training state after 2 epochs/);
    await checkpoints.savePsi(1, Uint32Array.from([2, 1]));
    expect(await checkpoints.held()).toEqual({ psi: 1, epochs: [] });
    expect((await stat(join(checkpoints.dir, 'psi.json'))).mode & 0o077).toBe(0);
  });

  it('a replaced input table voids the checkpoints; cancelling removes them', async () => {
    const { workDir, table, checkpoints } = await setup();
    await checkpoints.savePsi(0, Uint32Array.from([0]));
    await utimes(table, new Date(), new Date(Date.now() + 5000));
    const after = new JobCheckpoints(workDir, 'job-1', tableFingerprint([await fileFingerprint(table)]));
    expect(await after.held()).toBeUndefined();
    expect(await checkpoints.held()).toEqual({ psi: 0, epochs: [] });
    await clearCheckpoints(workDir, 'job-1');
    expect(await checkpoints.held()).toBeUndefined();
    expect(await readdir(join(workDir, 'jobs', 'job-1'))).toEqual([]);
  });
});
