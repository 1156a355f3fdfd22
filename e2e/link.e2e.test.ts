// The party link endpoint, against a real coordinator on loopback and raw WebSocket clients.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import pino from 'pino';
import { hashSecret } from '../protocol/auth/tokens.ts';
import { linkCodec, type LinkFrame } from '../protocol/messages/index.ts';
import { coordinatorConfig } from '../coordinator/config.ts';
import { startCoordinator, type Coordinator } from '../coordinator/server.ts';
import { partyConfig } from '../party-node/config.ts';
import { CoordinatorLink } from '../party-node/link.ts';

const TOKEN = 'fmp_test-token-for-bank-0123456789';
let coordinator: Coordinator;
const logLines: string[] = [];

beforeAll(async () => {
  const config = coordinatorConfig(
    { port: 0, store: ':memory:', maxFrameBytes: 64 * 1024, heartbeatMs: 60_000, parties: [{ id: 'bank', tokenSha256: hashSecret(TOKEN) }] },
    'test',
  );
  const logger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) });
  coordinator = await startCoordinator(config, { logger });
});
afterAll(() => coordinator.close());

function dial(party: string, token: string): WebSocket {
  return new WebSocket(`${coordinator.url.replace('http', 'ws')}/v1/link`, { headers: { authorization: `Bearer ${token}`, 'x-fedmark-party': party } });
}

function opened(ws: WebSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
}

function nextFrame(ws: WebSocket): Promise<LinkFrame> {
  return new Promise((resolve) => ws.once('message', (data) => resolve(linkCodec.decode(data as Buffer))));
}

/** The failure an `error` frame reports. */
function reported(frame: LinkFrame): { code: string; message: string } | undefined {
  return frame.kind === 'error' ? frame.body.error : undefined;
}

describe('party link', () => {
  it('refuses a wrong token and an unknown party with 401, naming the party, and logs it without the token', async () => {
    for (const [party, token] of [['bank', 'fmp_wrong-token-000000000000'], ['mallory', TOKEN]] as const) {
      const ws = dial(party, token);
      ws.on('error', () => undefined);
      const status = await new Promise<number>((resolve) => ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
      expect(status).toBe(401);
      ws.terminate();
    }
    expect(coordinator.links.isOnline('bank')).toBe(false);
    const refusals = logLines.filter((l) => l.includes('party link refused'));
    expect(refusals.some((l) => l.includes('"party":"mallory"'))).toBe(true);
    expect(logLines.join('').includes('wrong-token')).toBe(false);
  });

  it('makes a party node with a wrong token stop with FM_ERR_AUTH_TOKEN instead of retrying', async () => {
    const config = partyConfig(
      { id: 'bank', coordinator: coordinator.url.replace('http', 'ws'), token: 'fmp_not-the-right-token-0000', dataRoots: ['.'], workDir: '.fedmark/test', threads: 1, logLevel: 'silent' },
      'test',
    );
    const link = new CoordinatorLink(config, pino({ level: 'silent' }));
    const fatal = new Promise<Error & { code?: string }>((resolve) => link.once('fatal', resolve));
    link.start();
    expect((await fatal).code).toBe('FM_ERR_AUTH_TOKEN');
    await link.stop();
    expect(coordinator.links.isOnline('bank')).toBe(false);
  });

  it('rejects malformed, text and oversized frames with an error reply, and the link stays up', async () => {
    const ws = dial('bank', TOKEN);
    await opened(ws);
    expect(coordinator.links.isOnline('bank')).toBe(true);

    ws.send(Buffer.from([0, 0, 0, 9, 1, 2, 3]));
    let reply = await nextFrame(ws);
    expect(reply.kind).toBe('error');
    expect(reported(reply)?.code).toBe('FM_ERR_WIRE_MALFORMED');

    ws.send(linkCodec.encode('job.ready', 0, { stats: { totalRows: -1 }, endorsement: { identity: 'ab'.repeat(32), signature: 'cd'.repeat(64) } } as never, { job: 'j' }));
    reply = await nextFrame(ws);
    expect(reported(reply)?.message).toMatch(/job.ready body: \/stats/);

    ws.send('{"kind":"job.ready"}');
    reply = await nextFrame(ws);
    expect(reported(reply)?.message).toMatch(/text frames are not accepted/);

    ws.send(Buffer.alloc(64 * 1024 + 1));
    reply = await nextFrame(ws);
    expect(reported(reply)?.code).toBe('FM_ERR_WIRE_TOO_LARGE');
    expect(reported(reply)?.message).toContain('65537 bytes exceeds the limit of 65536');

    // A well-formed frame after all that is still accepted and dispatched.
    const seen = new Promise<LinkFrame>((resolve) => coordinator.links.once('frame', (_party, frame) => resolve(frame)));
    ws.send(linkCodec.encode('job.failed', 5, { error: { code: 'FM_ERR_INTERNAL', message: 'test' } }, { job: 'job-x' }));
    expect((await seen).kind).toBe('job.failed');
    expect(ws.readyState).toBe(WebSocket.OPEN);
    expect(coordinator.links.isOnline('bank')).toBe(true);
    expect(logLines.some((l) => l.includes('frame rejected') && l.includes('FM_ERR_WIRE_TOO_LARGE'))).toBe(true);
    ws.close();
  });

  it('refuses to relay for a party outside a running job', async () => {
    const ws = dial('bank', TOKEN);
    await opened(ws);
    ws.send(linkCodec.encode('relay.send', 0, { to: 'insurer' }, { job: 'job-none', payload: Buffer.from('sealed') }));
    const reply = await nextFrame(ws);
    expect(reported(reply)?.message).toMatch(/relay refused/);
    ws.close();
  });
});
