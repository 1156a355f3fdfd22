// Test fixture for pool.test.ts: a worker that starts like worker.ts (X25519 blinding for
// ECDH-PSI, RFC 7748; Meadows 1986; Huberman, Franklin & Hogg 1999) and then dies on its first
// task, so the pool's crash handling (reject the call, respawn the worker) can be exercised.
// Parameters: none. What each role learns: nothing; never used outside tests.

import { parentPort } from 'node:worker_threads';
import type { WorkerReady } from './tasks.ts';

const port = parentPort;
if (port === null) throw new Error('crash.fixture.ts must run as a worker thread');
port.on('message', () => {
  throw new Error('fixture worker crashed on purpose');
});
const ready: WorkerReady = { kind: 'ready' };
port.postMessage(ready);
