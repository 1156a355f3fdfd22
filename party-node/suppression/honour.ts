// Honouring the suppression list where a party scores: a listed customer's contribution is
// withheld, so the customer comes out 'unscorable' like anyone this party does not hold. Neither
// the coordinator nor a partner can tell a suppression from a customer who left the table; only
// this party's own log counts them.
import type { PartialScores } from '../scoring/partial.ts';
import { suppressionKey } from './list.ts';

/** Marks the suppressed IDs of `ids` as not scored in `partial`; returns how many there were. */
export function withholdSuppressed(partial: PartialScores, ids: readonly string[], suppressed: ReadonlySet<string>): number {
  if (suppressed.size === 0) return 0;
  let withheld = 0;
  ids.forEach((id, i) => {
    if (!suppressed.has(suppressionKey(id))) return;
    if (partial.known[i]) withheld++;
    partial.known[i] = 0;
    partial.scores.fill(Number.NaN, i * partial.width, (i + 1) * partial.width);
  });
  return withheld;
}
