// `fedmark models show` for a lookalike model: the recall table of held-out seeds (federated and
// guest alone — in a horizontal job, per member: the member's local-only model) and the score
// distribution of the ranked customers.
import type { LookalikeReport } from '../../protocol/messages/lookalike.ts';

export function lookalikeCard(l: LookalikeReport, holder: { name: string; alone: string } = { name: 'the guest', alone: 'guest alone' }): string {
  const lines = [
    `  seeds: ${l.seeds.listed} listed, ${l.seeds.matched} in the population of ${l.population}, ${l.seeds.heldOut} held out; audience ${l.audience.size} customers (at ${holder.name})`,
    `  top     size  recall  lift  ${holder.alone.padStart(11)}  lift`,
    ...l.recall.map((r) => `  ${`${Math.round(r.fraction * 100)}%`.padStart(3)}  ${String(r.size).padStart(7)}  ${r.recall.toFixed(3)}  ${r.lift.toFixed(2)}  ${r.guestOnlyRecall.toFixed(3).padStart(11)}  ${r.guestOnlyLift.toFixed(2)}`),
    `  score distribution of the ${l.ranked} ranked customers (held-out seeds among them):`,
    ...l.scoreDistribution.filter((b) => b.count > 0).map((b) => `    ${b.from.toFixed(1)}–${b.to.toFixed(1)}  ${String(b.count).padStart(7)}  (${b.positives})`),
  ];
  return lines.join('\n');
}
