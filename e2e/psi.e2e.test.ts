// PSI end to end: a real coordinator, one party-node process per party, real sockets.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JobSpec } from '../protocol/messages/jobSpec.ts';
import { simulate, type SimulationResult } from '../coordinator/simulate.ts';
import { fate } from '../data/sets.ts';
import { messyCopy, readIntersection, tempDir, type MessyTable } from './fixtures.ts';

const CANARY_IDS = ['Canary-7f3a9e21-ID', 'Canary-c0ffee42-ID'];
const CANARY_VALUE = '8675309.4242';

describe('PSI between two real party nodes on default_credit', () => {
  let dir: string;
  let guest: MessyTable;
  let host: MessyTable;
  let result: SimulationResult;
  const frames: Buffer[] = [];

  beforeAll(async () => {
    dir = await tempDir('psi');
    const plant = { ids: CANARY_IDS, featureValue: CANARY_VALUE };
    guest = await messyCopy({ source: fate('default_credit_hetero_guest'), out: join(dir, 'bank.csv'), seed: 1, keep: 0.8, noConsent: 0.05, delimiter: ';', crlf: true, plant });
    host = await messyCopy({ source: fate('default_credit_hetero_host'), out: join(dir, 'insurer.csv'), seed: 2, keep: 0.7, noConsent: 0.05, delimiter: ',', crlf: false, plant });
    const spec: JobSpec = {
      name: 'psi-e2e',
      kind: 'psi',
      parties: [
        { id: 'bank', role: 'guest', data: { path: guest.path, idColumn: 'id', labelColumn: 'y', consentColumn: 'consent' } },
        { id: 'insurer', role: 'host', data: { path: host.path, idColumn: 'id', consentColumn: 'consent' } },
      ],
    };
    result = await simulate(spec, { runDir: join(dir, 'run'), logLevel: 'debug', tap: ({ bytes }) => frames.push(Buffer.from(bytes)) });
  });

  it('finds exactly the plain intersection of consenting IDs, in the same order at both parties', async () => {
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('succeeded');
    const expected = [...guest.consenting].filter((id) => host.consenting.has(id));
    expect(expected.length).toBeGreaterThan(10_000);
    expect(result.psi?.intersectionSize).toBe(expected.length);
    const atBank = await readIntersection(result.outputs.bank?.intersection as string);
    const atInsurer = await readIntersection(result.outputs.insurer?.intersection as string);
    expect(new Set(atBank)).toEqual(new Set(expected));
    expect(atInsurer).toEqual(atBank);
    expect(result.psi?.parties.bank?.consentingRows).toBe(guest.consenting.size);
  });

  it('lets no canary ID or feature value through the relay, into a log or into the coordinator store', async () => {
    expect(frames.length).toBeGreaterThan(4);
    const canaries = [...CANARY_IDS, ...CANARY_IDS.map((id) => id.toLowerCase()), CANARY_VALUE];
    const relayed = Buffer.concat(frames);
    // The scan sees real traffic: the relay headers are there in clear, the points are not.
    expect(relayed.includes(Buffer.from('"kind":"relay.deliver"'))).toBe(true);
    for (const canary of canaries) {
      expect(relayed.includes(Buffer.from(canary, 'utf8')), `relay carried ${canary}`).toBe(false);
      expect(relayed.includes(Buffer.from(canary, 'utf16le')), `relay carried ${canary} (utf16)`).toBe(false);
    }
    const logDir = join(result.runDir, 'logs');
    const logs = await Promise.all((await readdir(logDir)).map((f) => readFile(join(logDir, f), 'utf8')));
    expect(logs.join('').length).toBeGreaterThan(1000);
    const storeFiles = (await readdir(result.runDir)).filter((f) => f.startsWith('coordinator.db'));
    const store = Buffer.concat(await Promise.all(storeFiles.map((f) => readFile(join(result.runDir, f)))));
    for (const canary of canaries) {
      for (const log of logs) expect(log.includes(canary), `a log line carried ${canary}`).toBe(false);
      expect(store.includes(Buffer.from(canary)), `the store carried ${canary}`).toBe(false);
    }
  });
});
