// Per-row contributions a host sends the guest once, after training, as float64 payloads: on the
// evaluation rows (nb.final) for the final metrics, and in a lookalike job on every row of the
// intersection (nb.scores, in parts far below the link's frame limit), so the guest alone ranks
// the population. The guest adds them into its own contributions.
import { FedmarkError } from '../../../errors/table.ts';
import type { VerticalRuntime } from '../runtime.ts';
import type { NaiveBayesMessages } from './messages.ts';

type Runtime = VerticalRuntime<NaiveBayesMessages, unknown>;

const ROWS_PER_PART = 131_072;

export function sendPopulation(rt: Runtime, u: Float64Array): void {
  const parts = Math.max(1, Math.ceil(u.length / ROWS_PER_PART));
  for (let part = 0; part < parts; part++) {
    const from = part * ROWS_PER_PART;
    const slice = u.slice(from, Math.min(u.length, from + ROWS_PER_PART));
    rt.peers.send(rt.guest, 'nb.scores', { from, count: slice.length, part, parts }, slice);
  }
}

/** Adds every host's evaluation contributions into `u` (the guest's own, with the prior). */
export async function addHostEvaluation(rt: Runtime, u: Float64Array): Promise<void> {
  const frames = await Promise.all(rt.hosts.map((h) => rt.peers.take(h, 'nb.final')));
  for (const [k, f] of frames.entries()) {
    if (f.body.rows !== u.length) throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'nb.final', state: `${rt.hosts[k]} sent ${f.body.rows} evaluation rows, the guest has ${u.length}` });
    const values = f.numbers(u.length);
    for (let i = 0; i < u.length; i++) u[i] = (u[i] as number) + (values[i] as number);
  }
}

/** Adds every host's population contributions into `u`. */
export async function addHostPopulation(rt: Runtime, u: Float64Array): Promise<void> {
  await Promise.all(rt.hosts.map(async (host) => {
    let received = 0;
    for (let part = 0, parts = 1; part < parts; part++) {
      const f = await rt.peers.take(host, 'nb.scores', (body) => body.part === part);
      parts = f.body.parts;
      if (f.body.from !== received || f.body.from + f.body.count > u.length) {
        throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'nb.scores', state: `${host} sent rows ${f.body.from}…${f.body.from + f.body.count}, which do not follow ${received} within ${u.length}` });
      }
      const values = f.numbers(f.body.count);
      for (let i = 0; i < f.body.count; i++) u[f.body.from + i]! += values[i] as number;
      received += f.body.count;
    }
    if (received !== u.length) throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'nb.scores', state: `${host} sent ${received} rows of ${u.length}` });
  }));
}
