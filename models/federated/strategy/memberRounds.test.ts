import { describe, expect, it } from 'vitest';
import { expectInput } from '../../expectInput.fixture.ts';
import { fitStandardizer, applyStandardizer } from '../../features/standardize.ts';
import { logLoss } from '../../metrics/logLoss.ts';
import { logisticModel } from '../logisticModel.ts';
import { MemberRounds } from './memberRounds.ts';
import { createStrategy } from './registry.ts';
import { skewedMembers } from './skewed.fixture.ts';
import type { Stop } from './stopping.ts';

const training = { batchSize: 65_536, l2: 0.001, seed: 42 };
const fit = { learningRate: 0.5, localEpochs: 1, mu: 0 };

describe('a member\'s side of the rounds', () => {
  it('keeps the model that set the best pooled evaluation loss when the rule fires, and records the losses by round', async () => {
    const strategy = createStrategy('fedavg', { rounds: 1000, localEpochs: 1, learningRate: 0.5, sampleFraction: 1, minMembers: 3, seed: 42, stopping: { patience: 3, minDelta: 1e-3, minRounds: 5 } });
    const members = skewedMembers();
    const scaler = fitStandardizer(members[0]!.x);
    const total = members.reduce((n, m) => n + m.x.rows, 0);
    const rounds = members.map((m) => new MemberRounds({
      model: logisticModel(4), strategy, training,
      data: { x: applyStandardizer(scaler, m.x), y: m.y, evalX: applyStandardizer(scaler, m.evalX), evalY: m.evalY },
      weights: { rows: m.x.rows, normaliser: total, evaluation: { rows: m.evalX.rows, normaliser: 3 * m.evalX.rows } },
    }));
    const globals = [rounds[0]!.current];
    let stop: Stop | undefined;
    for (let round = 1; !stop; round++) {
      const sum = new Float64Array(9);
      for (const r of rounds) (await r.fit(round, fit)).vector.forEach((v, i) => (sum[i]! += v));
      stop = rounds.map((r) => r.absorb(round, sum, 3))[0];
      globals.push(rounds[0]!.current);
    }
    expect(stop.reason).toBe('converged');
    // The loss of the model after round t is known after round t + 1: patience 3 ends it 4 rounds after the best.
    expect(stop.rounds).toBe(stop.kept + 4);
    const kept = rounds[0]!.kept(stop);
    expect(kept).toBe(globals[stop.kept]);
    // Every member evaluates the common table, so the pooled loss is that table's log loss of the kept model.
    const evalZ = applyStandardizer(scaler, members[0]!.evalX);
    const keptLoss = logLoss(await logisticModel(4).predict(kept, evalZ), members[0]!.evalY);
    expect(rounds[0]!.history[stop.kept - 1]?.evalLoss).toBeCloseTo(keptLoss, 12);
    expect(rounds[0]!.history.at(-1)?.evalLoss).toBeUndefined();
    expect(rounds[0]!.history.every((h) => h.members === 3 && (h.trainLoss as number) > 0)).toBe(true);
  });

  it('takes rounds in order and, with dp, pools no loss: only the round cap stops it', async () => {
    const [m] = skewedMembers();
    const strategy = createStrategy('fedavg', { rounds: 2, localEpochs: 1, learningRate: 0.5, sampleFraction: 1, minMembers: 2, seed: 42 });
    const dp = new MemberRounds({
      model: logisticModel(4), strategy, training, weights: { rows: 1, normaliser: 1 },
      data: { x: m!.x, y: m!.y, evalX: m!.evalX, evalY: m!.evalY },
      dp: { settings: { clip: 1, noiseMultiplier: 0.1, delta: 1e-5 }, uniform: () => 0.5 },
    });
    await expect(dp.fit(2, fit)).rejects.toThrow(/round 1/);
    const first = await dp.fit(1, fit);
    expect(first.vector).toHaveLength(6);
    expect(first.evaluated).toBeUndefined();
    expect(dp.absorb(1, first.vector, 1)).toBeUndefined();
    const second = await dp.fit(2, fit);
    expect(second.evaluated).toBeUndefined();
    expect(dp.absorb(2, second.vector, 1)).toEqual({ reason: 'round-cap', rounds: 2, kept: 2 });
    expect(dp.contributions).toBe(2);
    expect(dp.kept({ reason: 'round-cap', rounds: 2, kept: 2 })).toBe(dp.current);
    expectInput(() => dp.kept({ reason: 'converged', rounds: 2, kept: 1 }), 'stop.kept');
  });
});
