// Scoring from the parties' current rows, with real party processes over catalogue datasets (CSV
// files): after training, a feature value changed in the host's file or the guest's is scored as
// it is now; a customer removed from either party's file is unscorable at once; a customer added to
// both files is unscorable under the model it was not matched for, and scorable under the next
// version, whose PSI matches it. A deviating coordinator that replays a handle to the host gets
// the host's current row too: a changed value as it now is, and nothing for a customer who left.
// Expected scores are computed here from each party's model file and the files as they now are.
import { type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret, newSecret } from '../protocol/auth/tokens.ts';
import type { JobSpec } from '../protocol/messages/jobSpec.ts';
import type { LinkFrame } from '../protocol/messages/index.ts';
import { HANDLE_BYTES } from '../protocol/messages/score.ts';
import { readFloat64 } from '../protocol/peer/blobs.ts';
import { coordinatorConfig } from '../coordinator/config.ts';
import { startCoordinator, type Coordinator } from '../coordinator/server.ts';
import { pinIdentities } from '../coordinator/simulate.ts';
import { readVerticalPart } from '../party-node/scoring/vertical.ts';
import { contributions, rowIndex } from '../party-node/scoring/partial.ts';
import { DataCatalogue } from '../party-node/data/catalogue.ts';
import { fate, readText } from '../data/sets.ts';
import { spawnParty, tempDir } from './fixtures.ts';

const SCIENTIST = newSecret('fmk');
const SCORER = newSecret('fmk');
const tokens = { bank: newSecret('fmp'), insurer: newSecret('fmp') };
const DATASET = { bank: 'crm', insurer: 'policies' } as const;
type Party = keyof typeof tokens;
let dir: string;
let c: Coordinator;
const children: ChildProcess[] = [];
const files = { bank: '', insurer: '' };
const jobs: string[] = [];

const post = (url: string, key: string, payload: unknown) =>
  c.app.inject({ method: 'POST', url, payload: payload as object, headers: { authorization: `Bearer ${key}` } });

interface Result { id: string; score: number | null; status: string }

async function score(ids: string[]): Promise<Result[]> {
  const res = await post('/v1/models/fresh/score', SCORER, { ids });
  expect(res.statusCode).toBe(200);
  return (res.json() as { results: Result[] }).results;
}

/** Rewrites a party's CSV: `edit` gets the data lines and returns the new ones. */
async function editCsv(party: Party, edit: (lines: string[][]) => string[][]): Promise<void> {
  const [header, ...lines] = (await readFile(files[party], 'utf8')).trim().split('\n');
  const rows = edit(lines.map((l) => l.split(',')));
  await writeFile(files[party], `${header}\n${rows.map((r) => r.join(',')).join('\n')}\n`);
}

/** σ of both parties' contributions under model version `version`'s files, on the files as they are now. */
async function expected(ids: string[], version: number): Promise<number[]> {
  const parts = await Promise.all((['bank', 'insurer'] as const).map(async (party) => {
    const part = await readVerticalPart(join(dir, party), 'fresh', jobs[version - 1] as string, party);
    const catalogue = new DataCatalogue(party, { datasets: { [DATASET[party]]: { csv: files[party], idColumn: 'id' } }, baseDir: dir });
    const spec = { ...part.file.dataset, features: [...(part.file.inputs?.columns ?? [])] };
    delete spec.labelColumn;
    const { dataset } = await catalogue.load(spec);
    return contributions(part.scorer, dataset, rowIndex(dataset), ids, false, part.file.inputs?.names).scores;
  }));
  return ids.map((_, i) => 1 / (1 + Math.exp(-((parts[0]![i] as number) + (parts[1]![i] as number)))));
}

/** The next frame of `kind` a party sends the coordinator that matches `pick`. */
function nextFrame(party: Party, pick: (frame: LinkFrame) => boolean): Promise<LinkFrame> {
  return new Promise((resolve) => {
    const on = (from: string, frame: LinkFrame) => {
      if (from === party && pick(frame)) {
        c.links.off('frame', on);
        resolve(frame);
      }
    };
    c.links.on('frame', on);
  });
}

/** A deviating coordinator's replay: `handle` (of the newest version) sent to the insurer without the guest; its partial score, or NaN when it is unscorable. */
async function replay(handle: Buffer, request: number): Promise<number> {
  const reply = nextFrame('insurer', (f) => f.kind === 'score.reply' && f.request === request);
  c.links.send('insurer', 'score.handles', { model: 'fresh', modelJob: jobs.at(-1) as string, count: 1 }, { request, payload: handle });
  const frame = await reply;
  expect(frame.error).toBeUndefined();
  return readFloat64(frame.payload, 1, 'replayed score')[0] as number;
}

async function startParty(id: Party, pins: Record<string, string>): Promise<void> {
  children.push(await spawnParty({ dir, id, coordinator: c, token: tokens[id], pins, extra: { datasets: { [DATASET[id]]: { csv: files[id], idColumn: 'id' } } } }));
}

/** Trains the next version of model `fresh` on the datasets as they are, and publishes it. */
async function trainAndPublish(): Promise<void> {
  const spec: JobSpec = {
    name: 'fresh', kind: 'vertical', model: 'logistic',
    training: { epochs: 3, batchSize: 1024, learningRate: 0.5, l2: 0.001, seed: 7 },
    parties: [
      { id: 'bank', role: 'guest', data: { dataset: DATASET.bank, labelColumn: 'y' } },
      { id: 'insurer', role: 'host', data: { dataset: DATASET.insurer } },
    ],
  };
  const job = c.runner.submit(spec);
  expect((await c.runner.waitFor(job)).state).toBe('succeeded');
  jobs.push(job);
  expect((await post(`/v1/models/fresh/versions/${jobs.length}/publish`, SCIENTIST, {})).statusCode).toBe(200);
}

beforeAll(async () => {
  dir = await tempDir('score-fresh');
  files.bank = join(dir, 'bank.csv');
  files.insurer = join(dir, 'insurer.csv');
  await writeFile(files.bank, await readText(fate('breast_hetero_guest')));
  await writeFile(files.insurer, await readText(fate('breast_hetero_host')));
  c = await startCoordinator(coordinatorConfig({
    port: 0, store: ':memory:', logLevel: 'silent',
    parties: Object.entries(tokens).map(([id, t]) => ({ id, tokenSha256: hashSecret(t) })),
    apiKeys: [{ id: 'alice', role: 'scientist', keySha256: hashSecret(SCIENTIST) }, { id: 'crm', role: 'scorer', keySha256: hashSecret(SCORER) }],
  }, 'test'));
  const pins = pinIdentities(dir, Object.keys(tokens));
  await Promise.all([startParty('bank', pins), startParty('insurer', pins)]);
  await trainAndPublish();
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await c?.close();
});

describe('scoring from the current rows', () => {
  it('scores a feature value changed at the host or at the guest as it is now', async () => {
    const before = await score(['133', '273']);
    expect(before.map((r) => r.status)).toEqual(['ok', 'ok']);
    await editCsv('insurer', (rows) => rows.map((r) => (r[0] === '133' ? [r[0], String(Number(r[1]) + 3), ...r.slice(2)] : r)));
    await editCsv('bank', (rows) => rows.map((r) => (r[0] === '273' ? [r[0], r[1]!, String(Number(r[2]) - 3), ...r.slice(3)] : r)));
    const after = await score(['133', '273']);
    const want = await expected(['133', '273'], 1);
    after.forEach((r, i) => {
      expect(r.score).not.toBe(before[i]!.score);
      expect(Math.abs((r.score as number) - want[i]!)).toBeLessThan(1e-9);
    });
  });

  it('a customer removed from either party\'s file is unscorable at once, online and in the batch file', async () => {
    const [gone, fromHost, kept] = ['7', '66', '273'];
    expect((await score([gone, fromHost])).map((r) => r.status)).toEqual(['ok', 'ok']);
    await editCsv('bank', (rows) => rows.filter((r) => r[0] !== gone));
    await editCsv('insurer', (rows) => rows.filter((r) => r[0] !== fromHost));
    const now = await score([gone, fromHost, kept]);
    expect(now.map((r) => r.status)).toEqual(['unscorable', 'unscorable', 'ok']);
    expect(now[2]!.score).toBeCloseTo((await expected([kept], 1))[0]!, 9);
    const batch = await post('/v1/models/fresh/batch-score', SCORER, { all: true });
    const { writtenAt } = batch.json() as { writtenAt: { path: string } };
    const lines = (await readFile(writtenAt.path, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(570);
    expect(lines.filter((l) => l.endsWith(',,')).map((l) => l.split(',')[0]).sort()).toEqual([fromHost, gone].sort());
  });

  it('a customer added to both files is unscorable until a new version\'s PSI matches it', async () => {
    await editCsv('bank', (rows) => [...rows, ['new-1', '1', ...rows[0]!.slice(2)]]);
    await editCsv('insurer', (rows) => [...rows, ['new-1', ...rows[0]!.slice(1)]]);
    expect((await score(['new-1']))[0]!.status).toBe('unscorable');
    await trainAndPublish();
    const [scored] = await score(['new-1']);
    expect(scored!.status).toBe('ok');
    expect(scored!.score).toBeCloseTo((await expected(['new-1'], 2))[0]!, 9);
  });

  it('a coordinator replaying a handle gets the host\'s current row: a changed value as it is now, a removed customer unscorable', async () => {
    const id = '411';
    const guestReply = nextFrame('bank', (f) => f.kind === 'score.reply');
    expect((await score([id]))[0]!.status).toBe('ok');
    const frame = await guestReply;
    // The guest's reply: one score, then the insurer's handle of the customer.
    const handle = Buffer.from(frame.payload!.subarray(8, 8 + HANDLE_BYTES));
    const first = await replay(handle, 800_001);
    expect(Number.isFinite(first)).toBe(true);
    await editCsv('insurer', (rows) => rows.map((r) => (r[0] === id ? [r[0], String(Number(r[1]) + 5), ...r.slice(2)] : r)));
    const changed = await replay(handle, 800_002);
    expect(Number.isFinite(changed)).toBe(true);
    expect(changed).not.toBe(first);
    await editCsv('insurer', (rows) => rows.filter((r) => r[0] !== id));
    expect(Number.isNaN(await replay(handle, 800_003))).toBe(true);
  });
});
