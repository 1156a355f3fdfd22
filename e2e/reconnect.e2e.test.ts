// A party node keeps its link: it answers heartbeats, notices a dead coordinator and dials again
// with backoff until the coordinator is back.
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { WebSocketServer } from 'ws';
import { hashSecret } from '../protocol/auth/tokens.ts';
import { coordinatorConfig } from '../coordinator/config.ts';
import { startCoordinator, type Coordinator } from '../coordinator/server.ts';
import { partyConfig } from '../party-node/config.ts';
import { CoordinatorLink } from '../party-node/link.ts';
import { until } from './fixtures.ts';

const TOKEN = 'fmp_reconnect-test-token-000000';

async function start(port: number): Promise<Coordinator> {
  return startCoordinator(
    coordinatorConfig({ port, store: ':memory:', heartbeatMs: 150, logLevel: 'silent', parties: [{ id: 'bank', tokenSha256: hashSecret(TOKEN) }] }, 'test'),
  );
}

describe('party link resilience', () => {
  it('stays up across heartbeats and reconnects after a coordinator restart', async () => {
    let coordinator = await start(0);
    const port = Number(new URL(coordinator.url).port);
    const link = new CoordinatorLink(
      partyConfig({ id: 'bank', coordinator: `ws://127.0.0.1:${port}`, token: TOKEN, dataRoots: ['.'], workDir: '.fedmark/test', heartbeatTimeoutMs: 2000, reconnectMinMs: 50, reconnectMaxMs: 200, logLevel: 'silent' }, 'test'),
      pino({ level: 'silent' }),
    );
    let connects = 0;
    link.on('connected', () => connects++);
    link.start();
    await until(() => coordinator.links.isOnline('bank'), 5000, 'bank online');

    // Ten heartbeat periods: the link must not drop (the coordinator terminates links that miss pongs).
    await new Promise((r) => setTimeout(r, 1500));
    expect(coordinator.links.isOnline('bank')).toBe(true);
    expect(connects).toBe(1);

    await coordinator.close();
    await until(() => !link.connected, 5000, 'link closed');
    coordinator = await start(port);
    await until(() => coordinator.links.isOnline('bank'), 5000, 'bank online');
    expect(connects).toBe(2);
    await link.stop();
    await coordinator.close();
  });

  it('drops and redials a coordinator that stops sending heartbeats', async () => {
    // A silent server: accepts the link and then never pings, like a hung coordinator.
    const silent = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((r) => silent.once('listening', r));
    let accepted = 0;
    silent.on('connection', () => accepted++);
    const port = (silent.address() as { port: number }).port;
    const link = new CoordinatorLink(
      partyConfig({ id: 'bank', coordinator: `ws://127.0.0.1:${port}`, token: TOKEN, dataRoots: ['.'], workDir: '.fedmark/test', heartbeatTimeoutMs: 300, reconnectMinMs: 50, reconnectMaxMs: 100, logLevel: 'silent' }, 'test'),
      pino({ level: 'silent' }),
    );
    link.start();
    await until(() => accepted >= 3, 5000, 'three connections');
    await link.stop();
    await new Promise((r) => silent.close(r));
  });
});
