import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FedmarkError } from '../../errors/table.ts';
import { readDataChunks, readDataFile } from './read-file.ts';

const source = { party: 'bank', file: 'crm.csv.gz' };
const text = 'id,y,x0\nc1,1,0.5\nc2,0,-1.25\n';

async function file(name: string, bytes: Uint8Array | string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fedmark-read-file-'));
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

async function failure(path: string): Promise<FedmarkError> {
  const err = await readDataFile(path, source).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(FedmarkError);
  return err as FedmarkError;
}

describe('readDataFile', () => {
  it('gunzips a .csv.gz file to the same bytes as the plain file', async () => {
    const plain = await readDataFile(await file('crm.csv', text), source);
    const unzipped = await readDataFile(await file('crm.csv.gz', gzipSync(text)), source);
    expect(unzipped.toString('utf8')).toBe(text);
    expect(unzipped.equals(plain)).toBe(true);
  });

  it('names a .gz file that is not gzip', async () => {
    const err = await failure(await file('crm.csv.gz', text));
    expect(err.code).toBe('FM_ERR_DATA_FILE');
    expect(err.message).toBe('party bank: cannot read crm.csv.gz: its name ends in .gz but it is not gzip-compressed');
  });

  it('refuses gzip bytes under a plain .csv name rather than parsing them as text', async () => {
    const err = await failure(await file('crm.csv', gzipSync(text)));
    expect(err.message).toContain('gzip-compressed but its name does not end in .gz');
  });

  it('names a gzip file cut short', async () => {
    const zipped = gzipSync(text.repeat(200));
    const err = await failure(await file('crm.csv.gz', zipped.subarray(0, zipped.length - 20)));
    expect(err.message).toContain('its gzip data is damaged or cut short');
  });

  it('checks the decompressed bytes are UTF-8', async () => {
    const err = await failure(await file('crm.csv.gz', gzipSync(Buffer.from([0x69, 0x64, 0x0a, 0xe9, 0x0a]))));
    expect(err.message).toContain('it is not UTF-8 text');
  });
});

describe('readDataChunks', () => {
  const collect = async (path: string, readBytes: number): Promise<Buffer> => {
    const parts: Buffer[] = [];
    for await (const chunk of readDataChunks(path, source, readBytes)) {
      // Every chunk ends on a character boundary, so it decodes alone.
      expect(chunk.toString('utf8')).not.toContain('\ufffd');
      parts.push(chunk);
    }
    return Buffer.concat(parts);
  };
  const accented = 'id,city\nc1,São Paulo\nc2,Zürich\nc3,客户\nc4,😀\n'.repeat(20);

  it('streams the bytes of a plain and a gzip file, cutting only between characters', async () => {
    for (const readBytes of [1, 2, 3, 5, 64]) {
      expect((await collect(await file('crm.csv', accented), readBytes)).toString('utf8')).toBe(accented);
      expect((await collect(await file('crm.csv.gz', gzipSync(accented)), readBytes)).toString('utf8')).toBe(accented);
    }
  });

  it('gives the same errors as the whole-file reader', async () => {
    const streamError = async (path: string) => {
      const err = await collect(path, 7).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(FedmarkError);
      return (err as FedmarkError).message;
    };
    const zipped = gzipSync(text.repeat(200));
    for (const path of [
      await file('crm.csv.gz', text),
      await file('crm.csv', gzipSync(text)),
      await file('crm.csv.gz', zipped.subarray(0, zipped.length - 20)),
      await file('crm.csv.gz', gzipSync(Buffer.from([0x69, 0x64, 0x0a, 0xe9, 0x0a]))),
      await file('crm.csv', Buffer.from([0x69, 0x64, 0x0a, 0xc3])),
      join(tmpdir(), 'fedmark-no-such-dir', 'crm.csv'),
    ]) {
      expect(await streamError(path)).toBe((await failure(path)).message);
    }
  });
});
