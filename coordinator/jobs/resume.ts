// Resuming a job after a party dropped out or the coordinator restarted. Each attempt of a job
// starts over with job.prepare (fresh end-to-end keys, a fresh arbiter key) and every party reports
// the checkpoints it holds; the attempt continues from the newest point all parties share. The
// checkpoints themselves (intersection rows, weights) never leave the parties.
import type { Static } from '@sinclair/typebox';
import type { CheckpointHeld } from '../../protocol/messages/job.ts';
import type { PartyLinks } from '../links.ts';

export interface ResumePoint {
  /** The attempt whose PSI result every party holds. */
  psi: number;
  /** Completed epochs every party holds a checkpoint of (0: train from the start on that intersection). */
  epochs: number;
}

/**
 * Where the next attempt starts, from what each party holds; undefined means from scratch (PSI
 * again). PSI is reused only when every party holds the result of the same run: another run would
 * order the intersection differently and the rows would no longer line up.
 */
export function resumePoint(held: ReadonlyMap<string, Static<typeof CheckpointHeld> | undefined>): ResumePoint | undefined {
  const all = [...held.values()];
  const first = all[0];
  if (!first || all.some((h) => h === undefined || h.psi !== first.psi)) return undefined;
  let common = new Set(first.epochs);
  for (const h of all.slice(1)) common = new Set((h as Static<typeof CheckpointHeld>).epochs.filter((e) => common.has(e)));
  return { psi: first.psi, epochs: Math.max(0, ...common) };
}

/**
 * Resolves once every party is connected, with the first still missing after `timeoutMs`, or
 * early with `gone` when `stillWanted` turns false (the job was cancelled meanwhile).
 */
export function awaitParties(
  links: PartyLinks, parties: readonly string[], timeoutMs: number, stillWanted: () => boolean,
): Promise<{ missing?: string; gone?: true }> {
  return new Promise((resolve) => {
    const finish = (outcome: { missing?: string; gone?: true }) => {
      clearTimeout(timer);
      clearInterval(poll);
      links.off('connected', check);
      resolve(outcome);
    };
    const check = () => {
      if (!stillWanted()) return finish({ gone: true });
      if (parties.every((p) => links.isOnline(p))) finish({});
    };
    const timer = setTimeout(() => finish({ missing: parties.find((p) => !links.isOnline(p)) ?? (parties[0] as string) }), timeoutMs);
    // A cancel does not come through the links: look at the job's state now and then.
    const poll = setInterval(check, 250);
    links.on('connected', check);
    check();
  });
}
