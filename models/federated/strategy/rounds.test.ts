import { describe, expect, it } from 'vitest';
import { FedmarkError } from '../../../errors/table.ts';
import { createStrategy } from './registry.ts';
import { runRounds, type Contribution, type RoundReport, type RoundsIo } from './rounds.ts';
import type { StrategySettings } from './strategy.ts';

const settings = (patch: Partial<StrategySettings> = {}): StrategySettings => ({
  rounds: 100, localEpochs: 1, learningRate: 0.5, sampleFraction: 1, minMembers: 3, seed: 1,
  stopping: { patience: 1, minDelta: 0, minRounds: 1 }, ...patch,
});

/**
 * Three members whose contributions are numbers and whose reported losses are the script's: the
 * loss of the model after round t is losses[t]. The log shows what the loop asked for and added.
 */
function scripted(losses: number[], o: { fail?: { round: number; member: string }; report?: (round: number, member: string) => Contribution<number>['evaluated'] } = {}) {
  const log: string[] = [];
  const reports: RoundReport[] = [];
  const io: RoundsIo<number> = {
    live: () => ['a', 'b', 'c'],
    collect: async (round, plan) => {
      log.push(`collect ${round}`);
      const asked = plan.asked.filter((m) => !(o.fail?.round === round && o.fail.member === m));
      const evaluated = (m: string) => (o.report ? o.report(round, m) : round > 1 ? { round: round - 2, loss: losses[round - 2] as number } : undefined);
      return {
        results: asked.map((m) => ({ member: m, value: 1, ...(evaluated(m) ? { evaluated: evaluated(m) } : {}) })),
        failures: plan.asked.filter((m) => !asked.includes(m)).map((m) => ({ member: m, code: 'FM_ERR_JOB_TIMEOUT' })),
      };
    },
    add: (chosen) => chosen.reduce((s, c) => s + c.value, 0),
    deliver: (round, sum, contributors) => void log.push(`deliver ${round}: ${sum} from ${contributors.join(',')}`),
    onRound: (r) => void reports.push(r),
  };
  return { io, log, reports };
}

async function failure(p: Promise<unknown>): Promise<FedmarkError> {
  try {
    await p;
  } catch (err) {
    return err as FedmarkError;
  }
  throw new Error('expected a failure');
}

describe('the rounds loop', () => {
  it('decides after round r when round r + 1\'s contributions bring the loss of the model after r − 1, and does not add them if it stops', async () => {
    // The model after round 1 is the best (0.9); after round 2 it is worse: with patience 1 the rule fires after 3 rounds.
    const { io, log, reports } = scripted([1, 0.9, 0.95]);
    const { stop, losses } = await runRounds(createStrategy('fedavg', settings()), io, true);
    expect(stop).toEqual({ reason: 'converged', rounds: 3, kept: 1 });
    expect(losses).toEqual([1, 0.9, 0.95]);
    expect(log).toEqual(['collect 1', 'deliver 1: 3 from a,b,c', 'collect 2', 'deliver 2: 3 from a,b,c', 'collect 3', 'deliver 3: 3 from a,b,c', 'collect 4']);
    expect(reports.map((r) => r.evalLoss)).toEqual([undefined, 1, 0.9]);
  });

  it('stops at the round cap without asking for another round, and with dp runs to it on no losses at all', async () => {
    const capped = scripted([1, 0.5, 0.25]);
    expect((await runRounds(createStrategy('fedavg', settings({ rounds: 2 })), capped.io, true)).stop).toEqual({ reason: 'round-cap', rounds: 2, kept: 2 });
    expect(capped.log.filter((l) => l.startsWith('collect'))).toEqual(['collect 1', 'collect 2']);
    const dp = scripted([], { report: () => undefined });
    const run = await runRounds(createStrategy('fedavg', settings({ rounds: 4, stopping: undefined })), dp.io, false);
    expect(run).toEqual({ stop: { reason: 'round-cap', rounds: 4, kept: 4 }, losses: [] });
  });

  it('a round left with fewer contributions than minMembers fails the job, naming who dropped out', async () => {
    const { io } = scripted([1, 0.9, 0.8, 0.7], { fail: { round: 2, member: 'c' } });
    const err = await failure(runRounds(createStrategy('fedavg', settings()), io, true));
    expect(err.code).toBe('FM_ERR_HFL_QUORUM');
    expect(err.message).toBe('round 2: 2 of the 3 members needed answered (c dropped out)');
    const two = scripted([1, 0.9, 0.8, 0.7], { fail: { round: 2, member: 'c' } });
    expect((await runRounds(createStrategy('fedavg', settings({ minMembers: 2, rounds: 3 })), two.io, true)).stop.rounds).toBe(3);
  });

  it('a member that reports another loss than the others, or none, fails the job by name', async () => {
    const lying = scripted([], { report: (round, m) => (round > 1 ? { round: round - 2, loss: m === 'b' ? 0.1 : 0.7 } : undefined) });
    const lie = await failure(runRounds(createStrategy('fedavg', settings()), lying.io, true));
    expect(lie.code).toBe('FM_ERR_JOB_PARTY_FAILED');
    expect(lie.message).toMatch(/^party b failed: the pooled evaluation loss it reports for round 0 differs from a's/);
    const silent = scripted([], { report: (round, m) => (round > 1 && m !== 'c' ? { round: round - 2, loss: 0.7 } : undefined) });
    const none = await failure(runRounds(createStrategy('fedavg', settings()), silent.io, true));
    expect(none.message).toMatch(/^party c failed: its contribution to round 2 did not report the pooled evaluation loss of the model after round 0$/);
  });
});
