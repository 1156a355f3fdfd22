import { describe, expect, it } from 'vitest';
import { expectInput } from '../../expectInput.fixture.ts';
import { logisticModel } from '../logisticModel.ts';
import { packUpdate, unpackUpdate } from '../update.ts';
import { averagingStrategy } from './fedavg.ts';
import { federatePlaintext } from './plaintext.ts';
import { createStrategy, strategyProblem, STRATEGY_NAMES } from './registry.ts';
import { skewedMembers } from './skewed.fixture.ts';
import type { Strategy, StrategySettings } from './strategy.ts';

const settings = (patch: Partial<StrategySettings> = {}): StrategySettings => ({
  rounds: 1000, localEpochs: 1, learningRate: 0.5, sampleFraction: 1, minMembers: 3, seed: 42,
  stopping: { patience: 5, minDelta: 1e-4, minRounds: 10 }, ...patch,
});
const training = { batchSize: 65_536, l2: 0.001, seed: 42 };

describe('FedAvg and FedProx behind the Strategy seam', () => {
  it('configures a round: a seeded sample of the live members, at least minMembers, with the round\'s settings', () => {
    const live = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
    const half = createStrategy('fedavg', settings({ sampleFraction: 0.5, minMembers: 2 }));
    const r1 = half.configureFit(1, live);
    expect(r1.asked).toHaveLength(5);
    expect(half.configureFit(1, live)).toEqual(r1);
    expect(new Set(Array.from({ length: 10 }, (_, r) => half.configureFit(r + 1, live).asked.join())).size).toBeGreaterThan(1);
    expect(createStrategy('fedavg', settings({ sampleFraction: 0.1 })).configureFit(1, live).asked).toHaveLength(3);
    expect(createStrategy('fedavg', settings()).configureFit(1, live)).toEqual({ asked: live, fit: { learningRate: 0.5, localEpochs: 1, mu: 0 } });
    expect(createStrategy('fedprox', settings({ mu: 0.1, localEpochs: 5 })).configureFit(1, live).fit).toEqual({ learningRate: 0.5, localEpochs: 5, mu: 0.1 });
  });

  it('FedAvg: the next global model is the average weighted by each contributor\'s rows', () => {
    const fedavg = createStrategy('fedavg', settings());
    const weights = (rows: number) => ({ rows, normaliser: 600, evaluation: { rows: 10, normaliser: 30 } });
    const results = [[100, 1], [200, 4], [300, -2]].map(([rows, w], k) => ({
      member: `m${k}`, value: packUpdate(Float64Array.of(w as number, 1), weights(rows as number), { train: 0.5, evaluation: 0.5 }),
    }));
    const aggregation = fedavg.aggregateFit(1, results, [], (chosen) => chosen.map((c) => c.value).reduce((s, v) => s.map((x, i) => x + (v[i] as number))));
    if ('refused' in aggregation) throw new Error('refused');
    expect(aggregation.contributors).toEqual(['m0', 'm1', 'm2']);
    const next = fedavg.nextGlobal(new Float64Array(2), unpackUpdate(aggregation.sum, 2, true).params);
    // (100·1 + 200·4 + 300·(−2)) / 600 = 0.5; the intercepts average to 1.
    expect(next[0]).toBeCloseTo(0.5, 12);
    expect(next[1]).toBeCloseTo(1, 12);
  });

  it('a round with fewer contributions than minMembers is refused, whatever the failures, and nothing is added', () => {
    const fedavg = createStrategy('fedavg', settings());
    let added = 0;
    const two = [{ member: 'a', value: 1 }, { member: 'b', value: 2 }];
    expect(fedavg.aggregateFit(3, two, [{ member: 'c', code: 'FM_ERR_JOB_TIMEOUT' }], () => ++added)).toEqual({ refused: { got: 2, needed: 3 } });
    expect(added).toBe(0);
  });

  it('decides the stop: the round cap first (it keeps the last model), then the rule, never without losses', () => {
    const s = createStrategy('fedavg', settings({ rounds: 12, stopping: { patience: 2, minDelta: 0, minRounds: 3 } }));
    const flat = Array(12).fill(0.5) as number[];
    expect(s.evaluate(12, flat)).toEqual({ reason: 'round-cap', rounds: 12, kept: 12 });
    expect(s.evaluate(3, flat.slice(0, 3))).toEqual({ reason: 'converged', rounds: 3, kept: 0 });
    expect(s.evaluate(11)).toBeUndefined();
    expect(s.evaluate(12)).toEqual({ reason: 'round-cap', rounds: 12, kept: 12 });
    expectInput(() => s.evaluate(4, flat.slice(0, 3)), 'losses');
    const noRule = createStrategy('fedavg', settings({ rounds: 3, stopping: undefined }));
    expect(noRule.evaluate(2, [0.5, 0.5])).toBeUndefined();
  });

  it('FedProx with μ = 0 is FedAvg, to the bit', async () => {
    const members = skewedMembers();
    const short = settings({ rounds: 8, localEpochs: 3 });
    const avg = await federatePlaintext(members, logisticModel(4), createStrategy('fedavg', short), { ...training, batchSize: 64 });
    const prox = await federatePlaintext(members, logisticModel(4), createStrategy('fedprox', { ...short, mu: 0 }), { ...training, batchSize: 64 });
    expect([...prox.params]).toEqual([...avg.params]);
    expect(prox.losses).toEqual(avg.losses);
  });

  it('on a skewed split, FedProx with μ > 0 keeps each round\'s local models nearer the global model than FedAvg', async () => {
    const members = skewedMembers();
    // Five full-batch local epochs per round: members drift towards their own tertile's optimum.
    const local = settings({ rounds: 10, localEpochs: 5 });
    const avg = await federatePlaintext(members, logisticModel(4), createStrategy('fedavg', local), training);
    const prox = await federatePlaintext(members, logisticModel(4), createStrategy('fedprox', { ...local, mu: 1 }), training);
    // Round 1 starts both from the same model (0.29 against 0.71 when measured); later rounds each from its own global model.
    expect(prox.drift[0]).toBeLessThan(0.5 * (avg.drift[0] as number));
    expect(prox.drift).toHaveLength(10);
    for (const [r, d] of prox.drift.entries()) expect(d).toBeLessThan(avg.drift[r] as number);
  });

  it('the registry names the strategies and checks their settings by field', () => {
    expect(STRATEGY_NAMES).toEqual(['fedavg', 'fedprox']);
    expect(strategyProblem('fedavg', settings())).toBeUndefined();
    expect(strategyProblem('fedavg', settings({ mu: 0 }))).toBeUndefined();
    expect(strategyProblem('fedavg', settings({ mu: 0.1 }))).toEqual({ field: 'mu', reason: expect.stringMatching(/strategy: fedprox/) });
    expect(strategyProblem('fedprox', settings())).toEqual({ field: 'mu', reason: expect.stringMatching(/proximal weight/) });
    expect(strategyProblem('fedprox', settings({ mu: 0.1 }))).toBeUndefined();
    expectInput(() => createStrategy('fedadam', settings()), 'strategy');
    expectInput(() => createStrategy('fedavg', settings({ learningRate: 0 })), 'learningRate');
  });

  it('a new strategy needs only its own module: server momentum (FedAvgM) runs through the same rounds and members', async () => {
    // FedAvgM (Hsu et al. 2019): the members' average is a pseudo-gradient step the "server" takes
    // with momentum; under secure aggregation every member takes it alike in nextGlobal.
    const fedAvgM = (s: StrategySettings, beta: number): Strategy => {
      const base = averagingStrategy('fedavgm', s, 0);
      let velocity: Float64Array | undefined;
      return {
        ...base,
        nextGlobal: (global, average) => {
          velocity = Float64Array.from(global, (g, i) => beta * (velocity?.[i] ?? 0) + (g - (average[i] as number)));
          return Float64Array.from(global, (g, i) => g - (velocity as Float64Array)[i]!);
        },
      };
    };
    const members = skewedMembers();
    const plain = await federatePlaintext(members, logisticModel(4), createStrategy('fedavg', settings()), training);
    const momentum = await federatePlaintext(members, logisticModel(4), fedAvgM(settings(), 0.8), training);
    const still = await federatePlaintext(members, logisticModel(4), fedAvgM(settings({ rounds: 6 }), 0), training);
    const sixRounds = await federatePlaintext(members, logisticModel(4), createStrategy('fedavg', settings({ rounds: 6 })), training);
    [...still.params].forEach((v, i) => expect(v).toBeCloseTo(sixRounds.params[i] as number, 12));
    expect(momentum.stop.reason).toBe('converged');
    expect(momentum.stop.rounds).toBeLessThan(plain.stop.rounds);
    expect(Math.min(...momentum.losses)).toBeLessThanOrEqual(Math.min(...plain.losses) + 1e-4);
  });
});
