// The control socket between `fedmark party approvals` and the node: requests and replies are
// schema-checked and size-limited both ways; a refused decision comes back as its error; the
// socket is private to the node's account.
import { statSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FedmarkError } from '../../errors/table.ts';
import { tempDir } from '../../testing/fixtures.ts';
import { askControl, controlSocketPath, MAX_REQUEST_BYTES, serveControl, type ControlRequest } from './control.ts';
import type { Server } from 'node:net';

let path: string;
let server: Server;
const seen: ControlRequest[] = [];

beforeAll(async () => {
  path = controlSocketPath(await tempDir('control'));
  server = await serveControl(path, (request) => {
    seen.push(request);
    if (request.op === 'decide') throw new FedmarkError('FM_ERR_APPROVAL_NOT_FOUND', { party: 'bank', job: request.job });
    return { ok: true, reviews: [] };
  });
});
afterAll(() => new Promise<void>((done) => server.close(() => done())));

function raw(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path, () => socket.end(text));
    let out = '';
    socket.setEncoding('utf8');
    socket.on('data', (c: string) => (out += c));
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
  });
}

describe('control socket', () => {
  it('is a socket only its owner can open', () => {
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('answers a checked request, and a refusal as the error it is', async () => {
    expect(await askControl(path, { op: 'list', state: 'pending' })).toEqual({ ok: true, reviews: [] });
    await expect(askControl(path, { op: 'decide', job: 'job-9', by: 'alice', approve: true })).rejects.toMatchObject({ code: 'FM_ERR_APPROVAL_NOT_FOUND', message: 'party bank has no job job-9 to approve (list them with fedmark party approvals list)' });
  });

  it('refuses a request that is not JSON, breaks the schema or is too large, before the handler sees it', async () => {
    const before = seen.length;
    expect(JSON.parse(await raw('hello\n'))).toEqual({ ok: false, error: { code: 'FM_ERR_WIRE_MALFORMED', message: 'malformed frame: control request is not JSON' } });
    expect(JSON.parse(await raw('{"op":"decide","job":"j","by":"alice","approve":"yes"}\n')).error.code).toBe('FM_ERR_WIRE_MALFORMED');
    expect(JSON.parse(await raw('{"op":"list","extra":1}\n')).error.code).toBe('FM_ERR_WIRE_MALFORMED');
    const big = JSON.parse(await raw(`{"op":"show","job":"${'x'.repeat(MAX_REQUEST_BYTES)}"}\n`)) as { error: { code: string } };
    expect(big.error.code).toBe('FM_ERR_WIRE_TOO_LARGE');
    expect(seen.length).toBe(before);
  });

  it('says clearly when no node is running', async () => {
    await expect(askControl(join(path, '..', 'nobody.sock'), { op: 'list' })).rejects.toMatchObject({ code: 'FM_ERR_APPROVAL_CONTROL', message: expect.stringContaining('no party node is running with this work directory') });
  });
});
