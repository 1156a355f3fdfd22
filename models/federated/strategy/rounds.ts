// The one loop that drives a strategy through the training rounds (Flower's ServerApp loop): ask
// the round's members, gather their contributions, decide whether to stop, have the round added
// and its sum delivered to every live member. The sending, deadlines and dropouts belong to the
// caller's RoundsIo: the coordinator's links and CKKS ciphertexts (coordinator/jobs/horizontal.ts)
// or plain vectors in one process (plaintext.ts).
//
// The stopping decision after r rounds needs the pooled evaluation losses of the models after
// rounds 0..r−1 (stopping.ts). The loss of the model after round r − 1 is in the sum of round r,
// which only members can decrypt; each reports it, in clear, with its contribution to round r + 1.
// So the decision after round r is taken when the contributions to round r + 1 are in: if the job
// stops, they are not added (a round of local training is spent on them), and the members, which
// apply the same rule to the same losses right after round r, keep the same model.
import { FedmarkError } from '../../../errors/table.ts';
import type { Evaluated } from './memberRounds.ts';
import type { Stop } from './stopping.ts';
import type { FitFailure, FitResult, RoundPlan, Strategy } from './strategy.ts';

export interface Contribution<T> extends FitResult<T> {
  /** The pooled evaluation loss the member read from the previous round's sum (none in round 1, none with dp). */
  evaluated?: Evaluated;
}

export interface RoundReport {
  round: number;
  asked: number;
  contributors: number;
  /** The latest pooled evaluation loss known (of the model after round − 2), when losses are pooled. */
  evalLoss?: number;
}

export interface RoundsIo<T> {
  /** The members still in the job. */
  live(): readonly string[];
  /** Asks plan.asked to train `round` and gathers what they send; those that drop out are failures. */
  collect(round: number, plan: RoundPlan): Promise<{ results: Contribution<T>[]; failures: FitFailure[] }>;
  add(chosen: readonly FitResult<T>[]): T;
  /** Sends the round's sum, with its contributors' names, to every live member. */
  deliver(round: number, sum: T, contributors: readonly string[]): void | Promise<void>;
  onRound?(report: RoundReport): void;
}

/** `evaluates`: members pool an evaluation loss in every contribution (not with dp). */
export async function runRounds<T>(strategy: Strategy, io: RoundsIo<T>, evaluates: boolean): Promise<{ stop: Stop; losses: number[] }> {
  const losses: number[] = [];
  for (let round = 1; ; round++) {
    const plan = strategy.configureFit(round, io.live());
    const { results, failures } = await io.collect(round, plan);
    if (evaluates && round > 1 && results.length > 0) {
      losses.push(agreedLoss(round, results, losses.length));
      const stop = strategy.evaluate(round - 1, losses);
      if (stop) return { stop, losses };
    }
    const aggregation = strategy.aggregateFit(round, results, failures, (chosen) => io.add(chosen));
    if ('refused' in aggregation) {
      throw new FedmarkError('FM_ERR_HFL_QUORUM', { round, got: aggregation.refused.got, needed: aggregation.refused.needed, missing: failures.map((f) => f.member).join(', ') || 'none' });
    }
    await io.deliver(round, aggregation.sum, aggregation.contributors);
    io.onRound?.({ round, asked: plan.asked.length, contributors: aggregation.contributors.length, ...(losses.length > 0 ? { evalLoss: losses.at(-1) as number } : {}) });
    const cap = strategy.evaluate(round);
    if (cap) return { stop: cap, losses };
  }
}

/**
 * Every contributor decrypted the same sum, so all report the same loss of the same model: one that
 * does not has a different sum, or lies about it.
 */
function agreedLoss<T>(round: number, results: readonly Contribution<T>[], model: number): number {
  const first = results[0]?.evaluated;
  for (const r of results) {
    if (r.evaluated === undefined || r.evaluated.round !== model) {
      throw new FedmarkError('FM_ERR_JOB_PARTY_FAILED', { party: r.member, reason: `its contribution to round ${round} did not report the pooled evaluation loss of the model after round ${model}` });
    }
    if (r.evaluated.loss !== first?.loss) {
      throw new FedmarkError('FM_ERR_JOB_PARTY_FAILED', { party: r.member, reason: `the pooled evaluation loss it reports for round ${model} differs from ${results[0]?.member}'s (they decrypt the same sum)` });
    }
  }
  return first?.loss as number;
}
