import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../random.ts';
import { campaignReport, type ArmCounts } from './report.ts';

function binomial(n: number, p: number, next: () => number): number {
  let x = 0;
  for (let i = 0; i < n; i++) if (next() / 2 ** 32 < p) x++;
  return x;
}

/** One simulated campaign: 200 customers per arm and decile, each arm's rate falling by decile. */
function simulate(next: () => number, rates: Record<ArmCounts['name'], number>): ArmCounts[] {
  return (['joint', 'guest', 'control'] as const).map((name) => ({
    name,
    deciles: Array.from({ length: 5 }, (_, i) => {
      const p = rates[name] * (1.4 - 0.2 * i);
      return { decile: i + 1, size: 200, conversions: binomial(200, p, next), suppressed: 0 };
    }),
  }));
}

describe('campaignReport', () => {
  it('reports arms, uplift, partner contribution, uplift by decile and a Qini curve from counts', () => {
    const report = campaignReport([
      { name: 'joint', deciles: [{ decile: 1, size: 100, conversions: 20, suppressed: 3 }, { decile: 2, size: 100, conversions: 10, suppressed: 0 }] },
      { name: 'guest', deciles: [{ decile: 1, size: 100, conversions: 15, suppressed: 1 }, { decile: 2, size: 100, conversions: 5, suppressed: 0 }] },
      { name: 'control', deciles: [{ decile: 1, size: 50, conversions: 4, suppressed: 0 }, { decile: 2, size: 50, conversions: 1, suppressed: 2 }] },
    ]);
    expect(report.arms.map((a) => [a.name, a.size, a.conversions, a.suppressed])).toEqual([['joint', 200, 30, 3], ['guest', 200, 20, 1], ['control', 100, 5, 2]]);
    expect(report.uplift.absolute).toBeCloseTo(0.1, 12);
    expect(report.uplift.relative).toBeCloseTo(2, 12);
    expect(report.uplift.ci95[0]).toBeLessThan(0.1);
    expect(report.uplift.ci95[1]).toBeGreaterThan(0.1);
    expect(report.partnerContribution?.extraConversions).toBeCloseTo(10, 10);
    expect(report.byDecile.map((d) => d.uplift)).toEqual([0.2 - 0.08, 0.1 - 0.02].map((x) => expect.closeTo(x, 12)));
    expect(report.qini.at(-1)?.extraConversions).toBeCloseTo(30 - 5 * 2, 10);
    expect(report.sampleSizePerArm).toBeGreaterThan(0);
  });

  it('over 100 simulated campaigns, the partner contribution\'s 95% interval covers the true extra conversions 90 to 99 times', () => {
    const next = mulberry32(17);
    const rates = { joint: 0.08, guest: 0.06, control: 0.04 };
    // True extra conversions on the joint arm's 1,000 customers: Σ over deciles of 200 · (p_joint − p_guest).
    const truth = Array.from({ length: 5 }, (_, i) => 200 * (rates.joint - rates.guest) * (1.4 - 0.2 * i)).reduce((s, x) => s + x, 0);
    let covered = 0;
    let upliftCovered = 0;
    const trueUplift = Array.from({ length: 5 }, (_, i) => (rates.joint - rates.control) * (1.4 - 0.2 * i)).reduce((s, x) => s + x, 0) / 5;
    for (let run = 0; run < 100; run++) {
      const report = campaignReport(simulate(next, rates));
      const [lo, hi] = report.partnerContribution!.ci95;
      if (lo <= truth && truth <= hi) covered++;
      if (report.uplift.ci95[0] <= trueUplift && trueUplift <= report.uplift.ci95[1]) upliftCovered++;
    }
    expect(covered).toBeGreaterThanOrEqual(90);
    expect(covered).toBeLessThanOrEqual(99);
    expect(upliftCovered).toBeGreaterThanOrEqual(90);
    expect(upliftCovered).toBeLessThanOrEqual(99);
  });

  it('refuses a report without a control arm, and counts that cannot be, naming the cell', () => {
    expect(() => campaignReport([{ name: 'joint', deciles: [] }])).toThrow(/a joint and a control arm/);
    expect(() =>
      campaignReport([
        { name: 'joint', deciles: [{ decile: 3, size: 5, conversions: 6, suppressed: 0 }] },
        { name: 'control', deciles: [] },
      ]),
    ).toThrow(/arms\.joint\.deciles\[3\]/);
  });
});
