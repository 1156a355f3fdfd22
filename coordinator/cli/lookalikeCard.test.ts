import { describe, expect, it } from 'vitest';
import { lookalikeCard } from './lookalikeCard.ts';

describe('models show for a lookalike model', () => {
  it('prints the recall table against the guest alone and the non-empty score bins', () => {
    const text = lookalikeCard({
      seeds: { listed: 120, matched: 100, training: 80, heldOut: 20 },
      population: 1000, ranked: 920,
      recall: [{ fraction: 0.2, size: 184, recall: 0.45, lift: 2.25, guestOnlyRecall: 0.3, guestOnlyLift: 1.5 }],
      scoreDistribution: [{ from: 0, to: 0.1, count: 900, positives: 15 }, { from: 0.1, to: 0.2, count: 0, positives: 0 }, { from: 0.2, to: 0.3, count: 20, positives: 5 }],
      audience: { path: '/bank/audiences/a.csv', size: 180 },
    });
    expect(text).toContain('120 listed, 100 in the population of 1000, 20 held out; audience 180 customers');
    expect(text).toMatch(/20%\s+184\s+0\.450\s+2\.25\s+0\.300\s+1\.50/);
    expect(text).toContain('0.0–0.1      900  (15)');
    expect(text).not.toContain('0.1–0.2');
  });
});
