import { describe, expect, it } from 'vitest';
import { horizontalLookalikeLines } from './horizontalLookalikeOutput.ts';
import { lookalikeCard } from './lookalikeCard.ts';
import type { SimulationResult } from '../simulate.ts';

describe('CLI output of a horizontal lookalike', () => {
  it('prints the pooled recalls against random and the local-only models, then each member with its audience', () => {
    const cuts = (base: number) => ({ recallAt5: base / 4, recallAt10: base / 2, recallAt20: base, recallAt50: base * 2 });
    const result: SimulationResult = {
      status: 'succeeded', job: 'job-1', name: 'hla', kind: 'horizontal', durationMs: 1000, outputs: {}, runDir: '/run',
      model: { name: 'hla', version: 1 },
      metrics: { ...cuts(0.4), liftAt5: 2, liftAt10: 2, liftAt20: 2, liftAt50: 1.6, localRecallAt5: 0.1, localRecallAt10: 0.2, localRecallAt20: 0.35, localRecallAt50: 0.7, seedsMatched: 200, seedsHeldOut: 40, members: 2, rounds: 20, secondsPerRound: 0.1, parameters: 51 },
      memberMetrics: {
        north: { ...cuts(0.44), localRecallAt20: 0.3 },
        south: { ...cuts(0.36), localRecallAt20: 0.4 },
      },
      audience: { north: { path: '/run/party-north/audiences/a.csv', size: 150 }, south: { path: '/run/party-south/audiences/b.csv', size: 140 } },
    };
    const text = horizontalLookalikeLines(result).join('\n');
    expect(text).toContain('200 seeds at 2 members, 40 held out');
    expect(text).toMatch(/\(pooled\): 0\.100 \/ 0\.200 \/ 0\.400 \/ 0\.800 {2}\(random/);
    expect(text).toContain('federation adds 0.050 recall at 20%');
    expect(text).toMatch(/north: recall 0\.110 \/ 0\.220 \/ 0\.440 \/ 0\.880, alone \? \/ \? \/ 0\.300 \/ \?; audience 150 customers at \/run\/party-north\/audiences\/a\.csv/);
    expect(text).toContain('south: recall 0.090 / 0.180 / 0.360 / 0.720');
  });

  it('models show labels a member\'s card with the member and its local-only model', () => {
    const text = lookalikeCard({
      seeds: { listed: 50, matched: 50, training: 40, heldOut: 10 }, population: 500, ranked: 460,
      recall: [{ fraction: 0.2, size: 92, recall: 0.5, lift: 2.5, guestOnlyRecall: 0.4, guestOnlyLift: 2 }],
      scoreDistribution: [], audience: { path: '/m/a.csv', size: 90 },
    }, { name: 'bank-south', alone: 'local only' });
    expect(text).toContain('audience 90 customers (at bank-south)');
    expect(text).toMatch(/lift\s+local only\s+lift/);
  });
});
