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

describe('party policy: what it requires', () => {
  it('restricts columns to an allow-list, naming the first column outside it', () => {
    const policy = new PartyPolicy('bank', { allowedColumns: ['id', 'y', 'age', 'balance'] });
    expect(() => policy.admitJob(prepare({ features: ['age', 'balance'] }))).not.toThrow();
    expect(refusal(() => policy.admitJob(prepare({ features: ['age', 'postcode'] }))).message).toBe('party bank refused by its policy (allowedColumns): column "postcode" is not among its allowed columns (id, y, age, balance) and the job names it');
    expect(refusal(() => policy.admitFeatureColumns('vertical', ['age', 'postcode'])).message).toMatch(/\(allowedColumns\): column "postcode" .* would use it as a feature/);
  });

  it('serves only the purposes it lists', () => {
    const policy = new PartyPolicy('bank', { purposes: ['propensity'] });
    expect(() => policy.admitJob(prepare())).not.toThrow();
    expect(refusal(() => policy.admitJob({ ...prepare(), kind: 'vertical', purpose: 'lookalike' } as BodyOf<'job.prepare'>)).message).toBe('party bank refused by its policy (purposes): it does not serve lookalike jobs (only propensity)');
    expect(refusal(() => policy.admitJob({ ...prepare(), kind: 'psi' } as BodyOf<'job.prepare'>)).message).toMatch(/does not serve intersection jobs/);
  });

  it('puts its own consent column on every job and refuses a job naming another', () => {
    const policy = new PartyPolicy('bank', { consentColumn: 'marketing_ok' });
    expect(policy.withConsent({ dataset: 'customers', idColumn: 'id' })).toEqual({ dataset: 'customers', idColumn: 'id', consentColumn: 'marketing_ok' });
    expect(() => policy.admitJob(prepare({ consentColumn: 'marketing_ok' }))).not.toThrow();
    expect(refusal(() => policy.admitJob(prepare({ consentColumn: 'newsletter' }))).message).toBe('party bank refused by its policy (consentColumn): the job names consent column "newsletter", but this party\'s consent column is "marketing_ok"');
    expect(new PartyPolicy('bank').withConsent({ idColumn: 'id' })).toEqual({ idColumn: 'id' });
  });

  it('refuses to release a count between 1 and the minimum cell size, and lets empty cells through', () => {
    const policy = new PartyPolicy('bank', { minCellSize: 10 });
    expect(() => policy.admitCells([['intersection size', 10], ['lift decile 3 positives', 0]])).not.toThrow();
    expect(refusal(() => policy.admitCells([['intersection size', 500], ['lift decile 3 positives', 4]])).message).toBe('party bank refused by its policy (minCellSize): lift decile 3 positives is 4, below its minimum cell size of 10; it was not sent');
    expect(() => new PartyPolicy('bank').admitCells([['intersection size', 1]])).not.toThrow();
  });
});
