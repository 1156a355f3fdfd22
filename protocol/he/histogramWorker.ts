// Worker thread of HistogramPool (histogramPool.ts): the host's step 2 of histogram.ts (encrypted
// gradient histograms on coefficient-packed BFV; design note protocols.md, "Vertical
// gradient-boosted trees: cost model and choices") for its share of the result groups, with
// histogramTasks.ts. Loads SEAL once; runs requests one at a time in the order they arrive.
// Loaded by plain Node 24 with type stripping: erasable syntax and `.ts` import paths only.
// Parameters: none. What each role learns: nothing; the worker is a thread of the host.

import { parentPort } from 'node:worker_threads';
import { createBfv } from './bfv.ts';
import { HistogramWorkerState, isHistogramRequest, type HistogramReply, type WorkerReady } from './histogramTasks.ts';

const port = parentPort;
if (port === null) throw new Error('protocol/he/histogramWorker.ts must run as a worker thread');

const state = createBfv().then((bfv) => new HistogramWorkerState(bfv));
// Requests that arrive while SEAL loads wait on this chain, so order is kept.
let chain: Promise<unknown> = state;

port.on('message', (message: unknown) => {
  chain = chain.then(async () => {
    if (!isHistogramRequest(message)) {
      const id = typeof message === 'object' && message !== null && 'id' in message && typeof message.id === 'number' ? message.id : -1;
      const reply: HistogramReply = { kind: 'error', id, code: 'FM_ERR_HE_POOL', params: { reason: 'malformed task message' } };
      port.postMessage(reply);
      return;
    }
    const { reply, transfer } = (await state).run(message);
    port.postMessage(reply, transfer);
  });
});

void state.then(() => {
  const ready: WorkerReady = { kind: 'ready' };
  port.postMessage(ready);
});
