// After a lookalike model is trained, each host sends the guest its partial scores on every row of
// the intersection (the guest already sees them on the evaluation rows), in parts that stay far
// below the link's frame limit. The guest adds its own part and the intercept, so it alone holds
// the population's ranking; the coordinator relays only sealed bytes.
import type { VerticalRuntime } from '../runtime.ts';
import type { LogisticMessages } from './messages.ts';

const ROWS_PER_PART = 131_072;

export function sendPopulationScores(rt: VerticalRuntime<LogisticMessages, unknown>, u: Float64Array): void {
  const parts = Math.max(1, Math.ceil(u.length / ROWS_PER_PART));
  for (let part = 0; part < parts; part++) {
    const from = part * ROWS_PER_PART;
    const slice = u.slice(from, Math.min(u.length, from + ROWS_PER_PART));
    rt.peers.send(rt.guest, 'vlr.scores', { from, count: slice.length, part, parts }, slice);
  }
}

/** Adds every host's partial scores into `u` (the guest's own scores with the intercept). */
export async function addHostPopulationScores(rt: VerticalRuntime<LogisticMessages, unknown>, u: Float64Array): Promise<void> {
  await Promise.all(rt.hosts.map(async (host) => {
    let received = 0;
    for (let part = 0, parts = 1; part < parts; part++) {
      const f = await rt.peers.take(host, 'vlr.scores', (body) => body.part === part);
      parts = f.body.parts;
      if (f.body.from !== received || f.body.from + f.body.count > u.length) throw new Error(`vlr.scores from ${host}: rows ${f.body.from}..${f.body.from + f.body.count} do not follow ${received} within ${u.length}`);
      const values = f.numbers(f.body.count);
      for (let i = 0; i < f.body.count; i++) u[f.body.from + i]! += values[i] as number;
      received += f.body.count;
    }
    if (received !== u.length) throw new Error(`vlr.scores from ${host}: ${received} rows, expected ${u.length}`);
  }));
}
