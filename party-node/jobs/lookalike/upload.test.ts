import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { newBoxKeyPair, sealTo } from '../../../protocol/e2e/sealedBox.ts';
import { seedUploadKey, storeUploadedSeeds, uploadedSeedsPath } from './upload.ts';

const log = pino({ level: 'silent' });

describe('sealed seed uploads at a party', () => {
  it('keeps one key pair per work directory and stores a list sealed to it, readable only by the party', async () => {
    const workDir = await mkdtemp(join(tmpdir(), 'fedmark-upload-'));
    const keys = await seedUploadKey(workDir);
    expect(keys.publicKey).toHaveLength(32);
    expect((await stat(join(workDir, 'keys', 'seed-upload.json'))).mode & 0o777).toBe(0o600);
    const csv = Buffer.from('customer_id\nC1\nC2\n');
    const sealed = sealTo(keys.publicKey, csv);
    expect(sealed.includes('C1')).toBe(false);
    const stored = await storeUploadedSeeds(workDir, 'bank', { name: 'q3' }, sealed, log);
    expect(stored).toEqual({ rows: 2 });
    expect(await readFile(uploadedSeedsPath(workDir, 'q3'))).toEqual(csv);
  });

  it('refuses a list sealed to another key or altered on the way, and an empty list', async () => {
    const workDir = await mkdtemp(join(tmpdir(), 'fedmark-upload-'));
    const keys = await seedUploadKey(workDir);
    const other = sealTo(newBoxKeyPair().publicKey, Buffer.from('customer_id\nC1\n'));
    await expect(storeUploadedSeeds(workDir, 'bank', { name: 'x' }, other, log)).rejects.toMatchObject({ code: 'FM_ERR_WIRE_DECRYPT', message: expect.stringMatching(/seed upload x/) });
    const altered = sealTo(keys.publicKey, Buffer.from('customer_id\nC1\n'));
    altered[altered.length - 1]! ^= 1;
    await expect(storeUploadedSeeds(workDir, 'bank', { name: 'x' }, altered, log)).rejects.toMatchObject({ code: 'FM_ERR_WIRE_DECRYPT' });
    await expect(storeUploadedSeeds(workDir, 'bank', { name: 'x' }, sealTo(keys.publicKey, Buffer.from('customer_id\n')), log)).rejects.toMatchObject({ code: 'FM_ERR_DATA_EMPTY' });
  });
});
