// Long homomorphic loops (encrypting a vector, Xᵀ·Enc(d), masking the results) written once, as
// generators that pause after each chunk of work: run whole where the caller is synchronous (tests,
// benchmarks, the arbiter), or with a turn of the event loop between chunks in a party node. At a
// million rows such a loop holds the thread for tens of seconds to minutes, and the party's link
// must answer the coordinator's heartbeats meanwhile (two missed ones close it and pause the job).
// What each role learns: nothing; scheduling only.
import { setImmediate as nextTurn } from 'node:timers/promises';

/** A loop that yields after each chunk and returns its result at the end. */
export type Chunked<T> = Generator<void, T, void>;

/** Runs every chunk at once. */
export function runWhole<T>(steps: Chunked<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * Runs one chunk per turn of the event loop, so timers and sockets are served between chunks. Once
 * `signal` is aborted (the job paused or cancelled), its reason is thrown into the loop at the next
 * chunk, whose own error handling frees what it holds.
 */
export async function runYielding<T>(steps: Chunked<T>, signal?: AbortSignal): Promise<T> {
  let r = steps.next();
  for (;;) {
    if (r.done) return r.value;
    await nextTurn();
    r = signal?.aborted ? steps.throw(signal.reason) : steps.next();
  }
}
