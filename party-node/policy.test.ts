// Each policy rule refuses with FM_ERR_POLICY_REFUSED naming the party, the rule and the cause,
// and lets through what it does not forbid.
import { describe, expect, it } from 'vitest';
import type { BodyOf } from '../protocol/messages/index.ts';
import type { PrepareOf } from '../protocol/messages/job.ts';
import { PartyPolicy } from './policy.ts';

const prepare = (over: Partial<BodyOf<'job.prepare'>['dataset']> = {}, peers = ['insurer']): BodyOf<'job.prepare'> => ({
  name: 'j', kind: 'vertical', role: 'guest', peers: peers.map((id) => ({ id, role: 'host' as const })),
  dataset: { path: 'bank.csv', idColumn: 'id', labelColumn: 'y', ...over },
});

function refusal(fn: () => void): { code?: string; message: string } {
  try {
    fn();
  } catch (err) {
    return err as { code?: string; message: string };
  }
  throw new Error('expected a refusal');
}

describe('party policy', () => {
  it('refuses a job naming a restricted column, as feature, categorical or label', () => {
    const policy = new PartyPolicy('bank', { restrictedColumns: ['income', 'ethnicity'] });
    expect(() => policy.admitJob(prepare({ features: ['age', 'balance'] }))).not.toThrow();
    for (const over of [{ features: ['age', 'income'] }, { categorical: ['income'] }, { labelColumn: 'income' }]) {
      const err = refusal(() => policy.admitJob(prepare(over)));
      expect(err.code).toBe('FM_ERR_POLICY_REFUSED');
      expect(err.message).toBe('party bank refused by its policy (restrictedColumns): column "income" is restricted and the job names it');
    }
  });

  it('refuses restricted columns a training job would use by default, not those a PSI job never reads', () => {
    const policy = new PartyPolicy('bank', { restrictedColumns: ['ethnicity'] });
    expect(refusal(() => policy.admitFeatureColumns('vertical', ['age', 'ethnicity'])).message).toMatch(/column "ethnicity" is restricted and the job would use it as a feature .*list the features without it/);
    expect(() => policy.admitFeatureColumns('psi', ['age', 'ethnicity'])).not.toThrow();
  });

  it('refuses unknown partners, naming them', () => {
    const policy = new PartyPolicy('bank', { partners: ['insurer'] });
    expect(() => policy.admitJob(prepare({}, ['insurer']))).not.toThrow();
    expect(refusal(() => policy.admitJob(prepare({}, ['insurer', 'databroker']))).message).toBe('party bank refused by its policy (partners): databroker is not among its partners (insurer)');
  });

  it('refuses an intersection below the minimum cohort size', () => {
    const policy = new PartyPolicy('bank', { minCohortSize: 500 });
    expect(() => policy.admitCohort(500, 'intersection')).not.toThrow();
    expect(refusal(() => policy.admitCohort(499, 'evaluation intersection')).message).toBe('party bank refused by its policy (minCohortSize): the evaluation intersection has 499 customers, fewer than its minimum of 500');
  });

  it('answers at most N scoring requests in any rolling hour', () => {
    let now = 1_000_000;
    const policy = new PartyPolicy('bank', { maxScoringRequestsPerHour: 3 }, () => now);
    for (let i = 0; i < 3; i++) {
      policy.admitScoring();
      now += 60_000;
    }
    expect(refusal(() => policy.admitScoring()).message).toMatch(/\(maxScoringRequestsPerHour\): it answers at most 3 scoring requests per hour/);
    now = 1_000_000 + 3_600_000; // the first request has left the window
    expect(() => policy.admitScoring()).not.toThrow();
    expect(() => policy.admitScoring()).toThrow(/maxScoringRequestsPerHour/);
  });

  it('allows everything without rules', () => {
    const policy = new PartyPolicy('bank');
    expect(() => {
      policy.admitJob(prepare({ features: ['income'] }, ['anyone']));
      policy.admitCohort(1, 'intersection');
      for (let i = 0; i < 100; i++) policy.admitScoring();
    }).not.toThrow();
  });
});

describe('party policy: horizontal aggregates', () => {
  const horizontal = (minMembers?: number): BodyOf<'job.prepare'> => ({
    ...(prepare({}, ['m2', 'm3']) as Omit<PrepareOf<'vertical'>, 'model' | 'training'>), kind: 'horizontal', role: 'member',
    ...(minMembers === undefined ? {} : { federation: { minMembers } as NonNullable<PrepareOf<'horizontal'>['federation']> }),
  });

  it('decrypts no aggregate of fewer than 3 contributors by default, and a job allowing fewer is refused up front', () => {
    const policy = new PartyPolicy('m1');
    expect(() => policy.admitAggregate(3, 4)).not.toThrow();
    for (const n of [1, 2]) {
      const err = refusal(() => policy.admitAggregate(n, 4));
      expect(err.code).toBe('FM_ERR_POLICY_REFUSED');
      expect(err.message).toMatch(new RegExp(`^party m1 refused by its policy \\(minAggregateContributors\\): the aggregate for round 4 names ${n} contributors?, fewer than its minimum of 3; it was not decrypted$`));
    }
    expect(() => policy.admitJob(horizontal(3))).not.toThrow();
    expect(refusal(() => policy.admitJob(horizontal(2))).message).toMatch(/\(minAggregateContributors\): the job lets a round be aggregated from 2 contributions, fewer than its minimum of 3/);
  });

  it('takes a lower minimum only when the party sets one', () => {
    const policy = new PartyPolicy('m1', { minAggregateContributors: 2 });
    expect(() => policy.admitAggregate(2, 1)).not.toThrow();
    expect(() => policy.admitJob(horizontal(2))).not.toThrow();
    expect(refusal(() => policy.admitAggregate(1, 1)).code).toBe('FM_ERR_POLICY_REFUSED');
  });
});
