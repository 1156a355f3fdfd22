import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HANDLE_BYTES } from '../../protocol/messages/score.ts';
import { deriveHandles } from './handles.ts';
import { HandleIndex, readIntersection, sharedIndex } from './intersection.ts';

describe('a model\'s intersection for scoring', () => {
  it('reads the IDs in canonical order, quoted ones too, and finds them by normalised ID', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fedmark-intersection-'));
    await mkdir(join(dir, 'jobs', 'j1'), { recursive: true });
    await writeFile(join(dir, 'jobs', 'j1', 'intersection.csv'), 'id\nC2\n"Smith, J"\n c1 \n');
    const ids = await readIntersection(dir, 'j1', 'bank');
    expect([ids.at(0), ids.at(1), ids.at(2), ids.length]).toEqual(['C2', 'Smith, J', 'c1', 3]);
    const shared = sharedIndex(ids, false);
    expect([shared.get('c2'), shared.get('smith, j'), shared.get('c1'), shared.get('C2')]).toEqual([0, 1, 2, undefined]);
    expect(sharedIndex(ids, true).get('C2')).toBe(0);
    await expect(readIntersection(dir, 'j2', 'bank')).rejects.toMatchObject({ code: 'FM_ERR_MODEL_NOT_FOUND', message: expect.stringContaining('the intersection of job j2') });
  });

  it('finds each of 20,000 handles by its bytes, and no handle it does not hold', () => {
    const handles = deriveHandles(Buffer.alloc(32, 7), 20_000);
    const index = new HandleIndex(handles);
    const wrong: number[] = [];
    for (let r = 0; r < 20_000; r++) if (index.get(handles, r * HANDLE_BYTES) !== r) wrong.push(r);
    expect(wrong).toEqual([]);
    const other = deriveHandles(Buffer.alloc(32, 8), 100);
    expect(Array.from({ length: 100 }, (_, r) => index.get(other, r * HANDLE_BYTES)).filter((r) => r !== undefined)).toEqual([]);
    // Same first four bytes, different rest: told apart by the whole handle.
    const twin = Buffer.from(handles.subarray(0, HANDLE_BYTES));
    twin[HANDLE_BYTES - 1] = (twin[HANDLE_BYTES - 1] as number) ^ 1;
    expect(index.get(twin, 0)).toBeUndefined();
  });
});
