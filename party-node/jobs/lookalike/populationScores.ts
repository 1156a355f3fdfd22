// After a lookalike model is trained, each host sends the guest its partial scores on every row of
// the intersection (the guest already sees them on the evaluation rows), in parts that stay far
// below the link's frame limit. The guest adds its own part and the intercept, so it alone holds
// the population's ranking; the coordinator relays only sealed bytes.
import { float64Bytes, readFloat64 } from '../../../protocol/peer/blobs.ts';
import type { VerticalContext } from '../vertical/context.ts';

const ROWS_PER_PART = 131_072;

export function sendPopulationScores(ctx: VerticalContext, u: Float64Array): void {
  const parts = Math.max(1, Math.ceil(u.length / ROWS_PER_PART));
  for (let part = 0; part < parts; part++) {
    const from = part * ROWS_PER_PART;
    const slice = u.subarray(from, Math.min(u.length, from + ROWS_PER_PART));
    ctx.send(ctx.guest, 'vlr.scores', { from, count: slice.length, part, parts }, float64Bytes(slice));
  }
}

/** Adds every host's partial scores into `u` (the guest's own scores with the intercept). */
export async function addHostPopulationScores(ctx: VerticalContext, u: Float64Array): Promise<void> {
  await Promise.all(ctx.hosts.map(async (host) => {
    let received = 0;
    for (let part = 0, parts = 1; part < parts; part++) {
      const f = await ctx.inbox.take((it) => it.from === host && it.frame.kind === 'vlr.scores' && (it.frame.body as { part: number }).part === part);
      const body = f.frame.body as { from: number; count: number; parts: number };
      parts = body.parts;
      if (body.from !== received || body.from + body.count > u.length) throw new Error(`vlr.scores from ${host}: rows ${body.from}..${body.from + body.count} do not follow ${received} within ${u.length}`);
      const values = readFloat64(f.frame.payload, body.count, `vlr.scores from ${host}`);
      for (let i = 0; i < body.count; i++) u[body.from + i]! += values[i] as number;
      received += body.count;
    }
    if (received !== u.length) throw new Error(`vlr.scores from ${host}: ${received} rows, expected ${u.length}`);
  }));
}
