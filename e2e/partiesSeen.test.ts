// A restarted coordinator still knows when each party was last seen.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { hashSecret } from '../protocol/auth/tokens.ts';
import { partyConfig } from '../party-node/config.ts';
import { CoordinatorLink } from '../party-node/link.ts';
import { coordinatorConfig } from '../coordinator/config.ts';
import { startCoordinator } from '../coordinator/server.ts';
import { until } from './fixtures.ts';

const TOKEN = 'fmp_parties-seen-test-token-0000';

describe('parties last seen', () => {
  it('are stored and reported after a restart, before the party is back', async () => {
    const store = join(await mkdtemp(join(tmpdir(), 'fedmark-seen-')), 'coordinator.db');
    const config = coordinatorConfig({ port: 0, store, logLevel: 'silent', heartbeatMs: 100, parties: [{ id: 'bank', tokenSha256: hashSecret(TOKEN) }, { id: 'never', tokenSha256: hashSecret(`${TOKEN}-2`) }] }, 'test');
    const first = await startCoordinator(config);
    const link = new CoordinatorLink(
      partyConfig({ id: 'bank', coordinator: first.url.replace(/^http/, 'ws'), token: TOKEN, dataRoots: ['.'], workDir: '.fedmark/test', logLevel: 'silent' }, 'test'),
      pino({ level: 'silent' }),
    );
    link.start();
    await until(() => first.links.isOnline('bank'), 5000, 'bank online');
    const connectedAt = Date.now();
    await new Promise((r) => setTimeout(r, 350));
    expect(first.store.parties()).toEqual([{ id: 'bank', lastSeen: expect.any(String), online: true }]);
    // Heartbeats move lastSeen on while the party stays connected.
    expect(Date.parse(first.store.parties()[0]?.lastSeen as string)).toBeGreaterThan(connectedAt);
    await link.stop();
    await until(() => first.store.parties()[0]?.online === false, 5000, 'bank offline');
    const stored = first.store.parties()[0]?.lastSeen as string;
    await first.close();

    const second = await startCoordinator(config);
    try {
      const status = second.links.status();
      expect(status.find((s) => s.id === 'bank')).toEqual({ id: 'bank', online: false, lastSeen: new Date(Date.parse(stored)).toISOString() });
      expect(status.find((s) => s.id === 'never')).toEqual({ id: 'never', online: false });
    } finally {
      await second.close();
    }
  });
});
