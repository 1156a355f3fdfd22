// The party's side of decryption by the arbiter: masked results go out in requests of a bounded
// size (so no frame exceeds the link's limit) and the answers come back by request number.
import type { MaskedResult } from '../../../protocol/he/innerProduct.ts';
import { packBlobs, readFloat64 } from '../../../protocol/peer/blobs.ts';
import type { BodyOf, LinkFrame } from '../../../protocol/messages/index.ts';
import { FedmarkError, fromWireError } from '../../../errors/table.ts';
import { HeStep } from '../../../protocol/messages/train.ts';
import { Value } from '@sinclair/typebox/value';
import { firstError } from '../../../protocol/envelope.ts';

/** At most this many ciphertexts (~0.26 MB each at the last level) per request. */
const PER_REQUEST = 16;

export class ArbiterClient {
  private nextRequest = 0;
  private readonly pending = new Map<number, { job: string; count: number; resolve: (v: Float64Array) => void; reject: (e: Error) => void }>();
  private readonly sendRequest: (job: string, request: number, body: BodyOf<'he.decrypt'>, payload: Buffer) => void;

  constructor(sendRequest: (job: string, request: number, body: BodyOf<'he.decrypt'>, payload: Buffer) => void) {
    this.sendRequest = sendRequest;
  }

  /** The masked residues of each result at its positions, in order; masked[g] is feature group g of `step` (a step of the job's model). */
  async decrypt(job: string, step: unknown, masked: readonly MaskedResult[]): Promise<Float64Array[]> {
    if (!Value.Check(HeStep, step)) throw new FedmarkError('FM_ERR_INTERNAL', { reason: `a decryption step no vertical model declares: ${firstError(HeStep, step)}` });
    const answers: Promise<Float64Array>[] = [];
    for (let start = 0; start < masked.length; start += PER_REQUEST) {
      const slice = masked.slice(start, start + PER_REQUEST);
      const request = this.nextRequest++;
      const count = slice.reduce((s, m) => s + m.positions.length, 0);
      answers.push(new Promise((resolve, reject) => this.pending.set(request, { job, count, resolve, reject })));
      try {
        this.sendRequest(job, request, { step, group: start, positions: slice.map((m) => m.positions) }, packBlobs(slice.map((m) => m.bytes)));
      } catch (err) {
        // Nobody awaits the requests already sent: their answers (or aborts) must not go unhandled.
        this.pending.delete(request);
        for (const answer of answers) answer.catch(() => undefined);
        throw err;
      }
    }
    const flat = await Promise.all(answers);
    const out: Float64Array[] = [];
    for (const [k, values] of flat.entries()) {
      let at = 0;
      for (const m of masked.slice(k * PER_REQUEST, (k + 1) * PER_REQUEST)) {
        out.push(values.subarray(at, at + m.positions.length));
        at += m.positions.length;
      }
    }
    return out;
  }

  /** The job stopped here: its outstanding requests fail, so its loop ends instead of waiting forever. */
  abort(job: string, err: Error): void {
    for (const [request, waiter] of this.pending) {
      if (waiter.job !== job) continue;
      this.pending.delete(request);
      waiter.reject(err);
    }
  }

  /** The arbiter's reply to `request`: the values, or why it refused them. */
  answer(reply: LinkFrame & { kind: 'he.plain' }): void {
    const request = reply.request ?? -1;
    const waiter = this.pending.get(request);
    if (!waiter) return;
    this.pending.delete(request);
    if (reply.error) return waiter.reject(fromWireError(reply.error, 'FM_ERR_JOB_PARTY_FAILED', { party: 'coordinator', reason: 'decryption refused' }));
    try {
      waiter.resolve(readFloat64(reply.payload, waiter.count, `he.plain ${request}`));
    } catch (err) {
      waiter.reject(err as Error);
    }
  }
}
