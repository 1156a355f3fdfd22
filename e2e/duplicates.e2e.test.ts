// Duplicated and late job messages over real links: a repeated job.prepare does not restart a
// party's work, and an answer that claims another attempt does not end the current one.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { hashSecret, newSecret } from '../protocol/auth/tokens.ts';
import { linkCodec, type BodyOf } from '../protocol/messages/index.ts';
import type { JobSpec } from '../protocol/messages/jobSpec.ts';
import { partyConfig } from '../party-node/config.ts';
import { PartyNode } from '../party-node/node.ts';
import { coordinatorConfig } from '../coordinator/config.ts';
import { startCoordinator } from '../coordinator/server.ts';
import { identityFile, partnersOf, pinIdentities } from '../coordinator/simulate.ts';
import { fate, FATE_DIR } from '../data/sets.ts';
import { tempDir, until } from './fixtures.ts';

const SPEC: JobSpec = {
  name: 'psi-duplicates', kind: 'psi',
  parties: [
    { id: 'bank', role: 'guest', data: { path: fate('breast_hetero_guest'), idColumn: 'id', labelColumn: 'y' } },
    { id: 'partner1', role: 'host', data: { path: fate('breast_hetero_host'), idColumn: 'id' } },
  ],
};

describe('duplicated and out-of-order job messages', () => {
  it('a repeated job.prepare and a job.done of another attempt change nothing: the job ends with the true intersection', async () => {
    const dir = await tempDir('duplicates');
    await mkdir(join(dir, 'logs'), { recursive: true });
    const tokens = new Map(SPEC.parties.map((p) => [p.id, newSecret('fmp')]));
    const seen: Array<{ direction: string; party: string; kind: string; job?: string; body: unknown }> = [];
    const coordinator = await startCoordinator(
      coordinatorConfig({ port: 0, store: ':memory:', logLevel: 'silent', parties: SPEC.parties.map((p) => ({ id: p.id, tokenSha256: hashSecret(tokens.get(p.id) as string) })) }, 'test'),
      {
        tap: ({ direction, party, bytes }) => {
          const f = linkCodec.decode(bytes, 64 * 1024 * 1024);
          seen.push({ direction, party, kind: f.kind, body: f.body, ...(f.job ? { job: f.job } : {}) });
        },
      },
    );
    const pins = pinIdentities(dir, SPEC.parties.map((p) => p.id));
    const nodes = SPEC.parties.map((p) => new PartyNode(
      partyConfig({
        id: p.id, coordinator: coordinator.url.replace(/^http/, 'ws'), token: tokens.get(p.id), dataRoots: [FATE_DIR], workDir: join(dir, p.id), threads: 1, logLevel: 'silent',
        identity: identityFile(dir, p.id), knownPartners: partnersOf(pins, p.id),
      }, 'test'),
      pino({ level: 'silent' }),
    ));
    try {
      for (const n of nodes) n.start();
      await until(() => SPEC.parties.every((p) => coordinator.links.isOnline(p.id)), 10_000, 'parties online');
      const id = coordinator.runner.submit(SPEC);
      const readies = () => seen.filter((f) => f.direction === 'in' && f.kind === 'job.ready' && f.job === id);
      await until(() => readies().length === 2, 30_000, 'both parties ready');
      // The coordinator's job.prepare to the bank, delivered a second time.
      const prepare = seen.find((f) => f.direction === 'out' && f.party === 'bank' && f.kind === 'job.prepare')?.body as BodyOf<'job.prepare'>;
      coordinator.links.send('bank', 'job.prepare', prepare, { job: id });
      // A host answer that claims an attempt the job is not on.
      (nodes[1] as PartyNode).link.send('job.done', { psi: { intersectionSize: 1 }, attempt: 7 }, { job: id });
      const view = await coordinator.runner.waitFor(id);
      expect(view.error).toBeUndefined();
      expect(view.result?.psi?.intersectionSize).toBe(569);
      expect(readies()).toHaveLength(2);
      expect(coordinator.store.events(id).map((e) => e.type)).not.toContain('job.resumed');
    } finally {
      await Promise.all(nodes.map((n) => n.stop()));
      await coordinator.close();
    }
  }, 60_000);
});
