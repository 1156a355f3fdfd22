import { mkdtemp, readFile, rm, writeFile, cp, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FedmarkError } from '../../errors/table.ts';
import type { GuestPairState, HostPairState } from '../../protocol/psi/reuse.ts';
import { FileReuseStore, reuseStores } from './psiReuse.ts';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fedmark-psi-reuse-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const DAY = 86_400_000;
const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
const guestState = (): GuestPairState => ({
  role: 'guest', epoch: bytes(32, 1), generation: 3, created: 1_000 * DAY, key: bytes(32, 2), nextHandle: 12, job: 'job-7',
  fingerprints: bytes(16 * 5, 3), values: bytes(16 * 5, 4), peerHandles: Uint32Array.of(0, 2, 5, 11), peerValues: bytes(16 * 4, 5),
});
const hostState = (): HostPairState => ({
  role: 'host', epoch: bytes(32, 6), generation: 1, created: 1_000 * DAY, key: bytes(32, 7), nextHandle: 4, job: 'job-1',
  fingerprints: bytes(16 * 4, 8), handles: Uint32Array.of(3, 0, 1, 2),
});

let stores = 0;
function store(o: { partner?: string; rotateDays?: number; now?: number; workDir?: string } = {}): FileReuseStore {
  return new FileReuseStore({
    party: 'bank', workDir: o.workDir ?? join(dir, `party-${++stores}`), partner: o.partner ?? 'insurer', table: 'dataset:crm',
    rotateDays: o.rotateDays ?? 30, now: () => o.now ?? 1_001 * DAY,
  });
}

async function failure(loading: Promise<unknown>): Promise<FedmarkError> {
  const err = await loading.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(FedmarkError);
  return err as FedmarkError;
}

describe('FileReuseStore', () => {
  it('gives back a guest and a host state as saved, and nothing before the first save', async () => {
    const s = store();
    expect(await s.load()).toBeUndefined();
    await s.save(guestState());
    expect(await s.load()).toEqual(guestState());
    await s.save(hostState());
    expect(await s.load()).toEqual(hostState());
    expect((await readFile(s.path)).subarray(0, 8).toString()).toBe('FMPSIR01');
  });

  it('offers no state once its key is older than rotateDays', async () => {
    const workDir = join(dir, 'rotation');
    await store({ workDir }).save(guestState());
    expect(await store({ workDir, now: 1_000 * DAY + 30 * DAY - 1 }).load()).toEqual(guestState());
    expect(await store({ workDir, now: 1_000 * DAY + 30 * DAY }).load()).toBeUndefined();
    expect(await store({ workDir, rotateDays: 0.5, now: 1_000 * DAY + DAY / 2 }).load()).toBeUndefined();
  });

  it('refuses a changed, cut or foreign file with an error that names the partner and the cause, not the path', async () => {
    const s = store();
    await s.save(guestState());
    const good = await readFile(s.path);
    const cases: Array<[string, Buffer, RegExp]> = [
      ['a flipped byte in a section', Buffer.from(good.map((b, i) => (i === good.length - 3 ? b ^ 1 : b))), /fails its integrity check/],
      ['a changed generation in the header', Buffer.from(good.toString('latin1').replace('"generation":3', '"generation":4'), 'latin1'), /fails its integrity check/],
      ['a cut file', good.subarray(0, good.length - 10), /cut short/],
      ['a file with bytes added', Buffer.concat([good, Buffer.from([0])]), /fails its integrity check/],
      ['another format', Buffer.from('not a reuse file at all'), /not a PSI reuse file/],
    ];
    for (const [what, content, reason] of cases) {
      await writeFile(s.path, content);
      const err = await failure(s.load());
      expect(err.code, what).toBe('FM_ERR_DATA_FILE');
      expect(err.message, what).toMatch(/^party bank: cannot read the PSI reuse file for partner "insurer": /);
      expect(err.message, what).toMatch(reason);
      expect(err.message, what).not.toContain(dir);
    }
  });

  it('refuses a file whose MAC key is not this party\'s, and a file copied from another partner\'s folder', async () => {
    const s = store();
    await s.save(hostState());
    const other = store();
    await mkdir(dirname(other.path), { recursive: true });
    await cp(s.path, other.path);
    expect((await failure(other.load())).message).toMatch(/fails its integrity check/);
    const workDir = join(dir, 'two-partners');
    const insurer = store({ workDir, partner: 'insurer' });
    const broker = store({ workDir, partner: 'broker' });
    await insurer.save(hostState());
    await mkdir(dirname(broker.path), { recursive: true });
    await cp(insurer.path, broker.path);
    expect((await failure(broker.load())).message).toContain('it is the file of partner "insurer"');
  });
});

describe('reuseStores', () => {
  it('gives a store for the partners the config lists only, one file per partner and table', () => {
    const workDir = join(dir, 'stores');
    const config = { insurer: { rotateDays: 30 } };
    const crm = reuseStores({ party: 'bank', workDir, partners: config, dataset: { dataset: 'crm' } });
    const accounts = reuseStores({ party: 'bank', workDir, partners: config, dataset: { dataset: 'accounts' } });
    expect(crm?.('broker')).toBeUndefined();
    expect(crm?.('insurer')).toBeDefined();
    expect((crm?.('insurer') as FileReuseStore).path).not.toBe((accounts?.('insurer') as FileReuseStore).path);
    expect((crm?.('insurer') as FileReuseStore).path.startsWith(join(workDir, 'psi-reuse', 'insurer'))).toBe(true);
    expect(reuseStores({ party: 'bank', workDir, partners: undefined, dataset: { dataset: 'crm' } })).toBeUndefined();
    expect(reuseStores({ party: 'bank', workDir, partners: {}, dataset: { dataset: 'crm' } })).toBeUndefined();
  });
});
