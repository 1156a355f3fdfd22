// Worker thread of BlindingPool (pool.ts): runs X25519 blinding tasks for ECDH-PSI (RFC 7748;
// Meadows 1986; Huberman, Franklin & Hogg 1999) with tasks.ts. Loaded by plain Node 24 with type
// stripping, so it and everything it imports use erasable syntax and `.ts` import paths only.
// Parameters: none. What each role learns: nothing; the worker is a thread of the same party.

import { parentPort } from 'node:worker_threads';
import { isTaskRequest, runTask, type TaskReply, type WorkerReady } from './tasks.ts';

const port = parentPort;
if (port === null) throw new Error('protocol/psi/worker.ts must run as a worker thread');

port.on('message', (message: unknown) => {
  if (!isTaskRequest(message)) {
    const id = typeof message === 'object' && message !== null && 'id' in message && typeof message.id === 'number' ? message.id : -1;
    const reply: TaskReply = { kind: 'error', id, code: 'FM_ERR_PSI_POOL', params: { reason: 'malformed task message' } };
    port.postMessage(reply);
    return;
  }
  const { reply, transfer } = runTask(message);
  port.postMessage(reply, transfer);
});

const ready: WorkerReady = { kind: 'ready' };
port.postMessage(ready);
