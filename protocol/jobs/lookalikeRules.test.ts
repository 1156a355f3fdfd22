import { describe, expect, it } from 'vitest';
import { checkJobSpec } from './validate.ts';

const lookalike = (extra: Record<string, unknown> = {}, guestData: Record<string, unknown> = {}) => ({
  name: 'la',
  kind: 'vertical',
  purpose: 'lookalike',
  parties: [
    { id: 'bank', role: 'guest', data: { path: '/a.csv', idColumn: 'id', ...guestData } },
    { id: 'partner', role: 'host', data: { path: '/b.csv', idColumn: 'id' } },
  ],
  seeds: { path: '/seeds.csv', idColumn: 'customer_id' },
  ...extra,
});

function problem(input: unknown): { field: string; reason: string } | undefined {
  const got = checkJobSpec(input);
  return 'problem' in got ? got.problem : undefined;
}

describe('lookalike job rules', () => {
  it('fills the defaults: the top 20% of the candidates, 20% of the seeds held out, at least 50 seeds', () => {
    const got = checkJobSpec(lookalike());
    if (!('spec' in got)) throw new Error(got.problem.reason);
    if (got.spec.kind !== 'vertical') throw new Error(`a ${got.spec.kind} job`);
    expect(got.spec.lookalike).toEqual({ audienceFraction: 0.2, holdout: 0.2, minSeeds: 50 });
    expect((got.spec.training as { epochs?: number } | undefined)?.epochs).toBe(30);
  });

  it("starts from the model's lookalike training defaults, under the job's own settings; a propensity job keeps the model's defaults", () => {
    const training = (input: unknown) => {
      const got = checkJobSpec(input);
      if (!('spec' in got)) throw new Error(got.problem.reason);
      return got.spec.kind === 'vertical' ? (got.spec.training as { learningRate?: number; trees?: number }) : undefined;
    };
    expect(training(lookalike({ model: 'gbdt' }))).toMatchObject({ learningRate: 0.1, trees: 50 });
    expect(training(lookalike({ model: 'gbdt', training: { trees: 20 } }))).toMatchObject({ learningRate: 0.1, trees: 20 });
    expect(training(lookalike({ model: 'gbdt', training: { learningRate: 0.3 } }))?.learningRate).toBe(0.3);
    const { purpose: _, seeds: __, ...propensity } = lookalike({ model: 'gbdt' }, { labelColumn: 'y' });
    expect(training(propensity)?.learningRate).toBe(0.3);
    // Logistic regression has no lookalike defaults: the same as a propensity job's.
    expect(training(lookalike())?.learningRate).toBe(training({ ...propensity, model: 'logistic' })?.learningRate);
    expect(problem(lookalike({ model: 'gbdt', training: 'fast' }))).toMatchObject({ field: 'training' });
  });

  it('keeps an audience size instead of a fraction', () => {
    const got = checkJobSpec(lookalike({ lookalike: { audienceSize: 5000 } }));
    expect('spec' in got && got.spec.kind === 'vertical' && got.spec.lookalike).toEqual({ audienceSize: 5000, holdout: 0.2, minSeeds: 50 });
  });

  it('names the field of each problem', () => {
    expect(problem(lookalike({ seeds: undefined }))).toMatchObject({ field: 'seeds', reason: expect.stringMatching(/needs seeds/) });
    expect(problem(lookalike({}, { labelColumn: 'y' }))).toMatchObject({ field: 'parties.0.data.labelColumn', reason: expect.stringMatching(/positives from seeds/) });
    expect(problem(lookalike({ lookalike: { audienceSize: 10, audienceFraction: 0.1 } }))).toMatchObject({ field: 'lookalike', reason: expect.stringMatching(/not both/) });
    expect(problem(lookalike({ lookalike: { holdout: 0.95 } }))?.field).toBe('lookalike.holdout');
    expect(problem(lookalike({ seeds: { path: '/s.csv' } }))?.field).toBe('seeds.idColumn');
    expect(problem(lookalike({ seeds: { path: '/s.csv', upload: 'q3', idColumn: 'id' } }))).toMatchObject({ field: 'seeds', reason: expect.stringMatching(/path .* or upload/) });
    expect(problem(lookalike({ seeds: { idColumn: 'id' } }))?.field).toBe('seeds');
    expect(problem(lookalike({ seeds: { upload: '../etc', idColumn: 'id' } }))?.field).toBe('seeds.upload');
    expect(problem(lookalike({ kind: 'psi' }))).toMatchObject({ field: 'purpose', reason: expect.stringMatching(/vertical or horizontal/) });
    expect(problem(lookalike({ purpose: undefined }))).toMatchObject({ field: 'seeds', reason: expect.stringMatching(/purpose: lookalike/) });
    expect(problem(lookalike({ purpose: 'propensity', seeds: undefined, lookalike: { holdout: 0.3 } }))).toMatchObject({ field: 'lookalike' });
  });
});

const horizontal = (patch: (parties: Array<Record<string, unknown>>) => void = () => {}, extra: Record<string, unknown> = {}) => {
  const parties: Array<Record<string, unknown>> = ['north', 'south', 'east'].map((id) => ({
    id, role: 'member', data: { path: `/${id}.csv`, idColumn: 'id' }, seeds: { path: `/${id}-seeds.csv`, idColumn: 'customer_id' },
  }));
  patch(parties);
  return { name: 'hla', kind: 'horizontal', purpose: 'lookalike', parties, ...extra };
};

describe('horizontal lookalike job rules', () => {
  it('takes each member\'s own seeds, no labels and no evaluation tables; fills the defaults', () => {
    const got = checkJobSpec(horizontal());
    if (!('spec' in got)) throw new Error(got.problem.reason);
    if (got.spec.kind !== 'horizontal') throw new Error(`a ${got.spec.kind} job`);
    expect(got.spec.lookalike).toEqual({ audienceFraction: 0.2, holdout: 0.2, minSeeds: 50 });
    expect(got.spec.parties[1]?.seeds).toEqual({ path: '/south-seeds.csv', idColumn: 'customer_id' });
    expect(got.spec.federation).toMatchObject({ strategy: 'fedavg', rounds: 1000, stopping: { patience: 5 } });
  });

  it('names the member and the field of each problem', () => {
    expect(problem(horizontal((p) => delete p[1]?.seeds))).toMatchObject({ field: 'parties.1.seeds', reason: expect.stringMatching(/member south needs seeds: \{ path, idColumn \}/) });
    expect(problem(horizontal((p) => void ((p[0] as { seeds: unknown }).seeds = { idColumn: 'id' })))).toMatchObject({ field: 'parties.0.seeds', reason: expect.stringMatching(/a file at member north/) });
    expect(problem(horizontal((p) => void ((p[1] as { seeds: unknown }).seeds = { path: '/s.csv' })))?.field).toBe('parties.1.seeds.idColumn');
    expect(problem(horizontal((p) => void ((p[0] as { data: Record<string, unknown> }).data.labelColumn = 'y')))).toMatchObject({ field: 'parties.0.data.labelColumn', reason: expect.stringMatching(/member north: .*positives from seeds/) });
    expect(problem(horizontal(() => {}, { seeds: { path: '/s.csv', idColumn: 'id' } }))).toMatchObject({ field: 'seeds', reason: expect.stringMatching(/parties\.N\.seeds/) });
    expect(problem(horizontal((p) => p.forEach((m) => void (m.evaluation = { path: '/t.csv' }))))).toMatchObject({ field: 'parties', reason: expect.stringMatching(/held-out seeds/) });
    // Without purpose: lookalike a member's seeds are an error, and labels are required again.
    expect(problem(horizontal(() => {}, { purpose: undefined }))).toMatchObject({ field: 'parties.0.seeds', reason: expect.stringMatching(/purpose: lookalike/) });
    // A vertical lookalike's seeds are top-level.
    expect(problem(lookalike({ parties: [
      { id: 'bank', role: 'guest', data: { path: '/a.csv', idColumn: 'id' }, seeds: { path: '/s.csv', idColumn: 'id' } },
      { id: 'partner', role: 'host', data: { path: '/b.csv', idColumn: 'id' } },
    ] }))).toMatchObject({ field: 'parties.0.seeds', reason: expect.stringMatching(/top-level seeds/) });
  });
});

