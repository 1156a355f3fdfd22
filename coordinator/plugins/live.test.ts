// The live job stream over real HTTP: backlog then new events in order, the job on each state
// change, `end` when the job ends, only for its own job, and nothing left behind when a client leaves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../protocol/auth/tokens.ts';
import type { JobSpec } from '../../protocol/messages/jobSpec.ts';
import { parseSseBlock } from '../cli/client.ts';
import { coordinatorConfig } from '../config.ts';
import { startCoordinator, type Coordinator } from '../server.ts';

const KEY = 'fmk_live-stream-test-key-000000';
const spec: JobSpec = { name: 'live', kind: 'psi', parties: [{ id: 'a', role: 'guest', data: { path: 'a.csv', idColumn: 'id' } }, { id: 'b', role: 'host', data: { path: 'b.csv', idColumn: 'id' } }] };
let c: Coordinator;
beforeAll(async () => {
  c = await startCoordinator(coordinatorConfig({ port: 0, store: ':memory:', logLevel: 'silent', apiKeys: [{ id: 'sci', role: 'scientist', keySha256: hashSecret(KEY) }] }, 'test'));
});
afterAll(async () => c?.close());

/** Opens the stream and collects messages until `done` says so. */
async function open(id: string, signal?: AbortSignal) {
  const res = await fetch(`${c.url}/v1/jobs/${id}/live`, { headers: { authorization: `Bearer ${KEY}` }, ...(signal ? { signal } : {}) });
  const messages: Array<{ event: string; data: Record<string, unknown> }> = [];
  const reader = (res.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const next = async (until: (m: typeof messages) => boolean) => {
    while (!until(messages)) {
      const { value, done } = await reader.read();
      if (done) return false;
      buffer += value;
      for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
        const m = parseSseBlock(buffer.slice(0, cut));
        buffer = buffer.slice(cut + 2);
        if (m) messages.push(m as { event: string; data: Record<string, unknown> });
      }
    }
    return true;
  };
  return { res, messages, next, reader };
}

describe('GET /v1/jobs/:id/live', () => {
  it('sends the job and its past events, then new ones as they happen, and ends with the job', async () => {
    c.store.createJob('job-live-1', spec);
    c.store.createJob('job-other', spec);
    c.store.setState('job-live-1', 'running');
    const s = await open('job-live-1');
    expect(s.res.headers.get('content-type')).toContain('text/event-stream');
    await s.next((m) => m.length >= 3);
    expect(s.messages.map((m) => [m.event, m.data.type ?? m.data.state])).toEqual([['job', 'running'], ['event', 'job.queued'], ['event', 'job.running']]);

    c.store.event('job-other', 'train.epoch', { epoch: 9 });
    c.store.event('job-live-1', 'train.epoch', { epoch: 1, epochs: 2, evalLoss: 0.5, evalAuc: 0.7, seconds: 1 });
    c.store.setState('job-live-1', 'succeeded', { result: { psi: { intersectionSize: 3, parties: {} } } });
    expect(await s.next((m) => m.some((x) => x.event === 'end'))).toBe(true);
    expect(s.messages.slice(3).map((m) => [m.event, m.data.type ?? m.data.state])).toEqual([
      ['event', 'train.epoch'], ['event', 'job.succeeded'], ['job', 'succeeded'], ['end', 'succeeded'],
    ]);
    expect(s.messages[3]?.data.detail).toEqual({ epoch: 1, epochs: 2, evalLoss: 0.5, evalAuc: 0.7, seconds: 1 });
    // The server closes the stream after `end`.
    expect(await s.next(() => false)).toBe(false);
    expect(c.store.recorded.listenerCount('event')).toBe(0);
  });

  it('replays an ended job at once, refuses unknown jobs and keys, and forgets a client that leaves', async () => {
    const ended = await open('job-live-1');
    expect(await ended.next(() => false)).toBe(false);
    expect(ended.messages.at(-1)).toEqual({ event: 'end', data: { state: 'succeeded' } });

    expect((await fetch(`${c.url}/v1/jobs/job-nope/live`, { headers: { authorization: `Bearer ${KEY}` } })).status).toBe(404);
    expect((await fetch(`${c.url}/v1/jobs/job-other/live`)).status).toBe(401);

    const abort = new AbortController();
    const leaving = await open('job-other', abort.signal);
    await leaving.next((m) => m.length >= 2);
    expect(c.store.recorded.listenerCount('event')).toBe(1);
    abort.abort();
    const started = Date.now();
    while (c.store.recorded.listenerCount('event') > 0 && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 20));
    expect(c.store.recorded.listenerCount('event')).toBe(0);
  });
});
